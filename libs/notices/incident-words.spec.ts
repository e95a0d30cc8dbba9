import fc from 'fast-check';
import {
  formatIncidentWords,
  IncidentWordsError,
  INCIDENT_SECTIONS,
  parseIncidentWords,
  pickWords,
  plainMarkdown,
  prepareWords,
  renderMarkdown,
  SECTION_HEADINGS,
  type IncidentSections,
} from './incident-words.js';
import { NoticeRenderer } from './notice-renderer.js';
import { TemplateEngine } from './template-engine.js';

const FILE = `## Summary

On **1 November 2026** we found an open storage endpoint.

## Likely consequences

Names and addresses could be read.

## Measures taken

- Closed the endpoint
- Rotated the keys

## What you should do

Be alert to [phishing](https://example.com/phishing).

## Contact

Write to <privacy@example.com>.
`;

/** Every tag name and attribute the rendered HTML holds. */
function markup(html: string): { tags: string[]; attributes: string[] } {
  const tags = [...html.matchAll(/<\/?([a-zA-Z0-9]+)([^>]*)>/g)];
  return {
    tags: [...new Set(tags.map((t) => t[1]!.toLowerCase()))].sort(),
    attributes: [
      ...new Set(tags.flatMap((t) => [...t[2]!.matchAll(/\s([a-zA-Z-]+)="[^"]*"/g)].map((a) => a[1]!))),
    ].sort(),
  };
}

const SAFE_TAGS = new Set([
  'a',
  'blockquote',
  'br',
  'code',
  'em',
  'h1',
  'h2',
  'h3',
  'h4',
  'h5',
  'h6',
  'hr',
  'li',
  'ol',
  'p',
  'pre',
  'strong',
  's',
  'table',
  'tbody',
  'td',
  'th',
  'thead',
  'tr',
  'ul',
]);

describe('parseIncidentWords', () => {
  it('reads the five sections under their headings, in any order and any case', () => {
    const s = parseIncidentWords(FILE);
    expect(s.summary).toBe('On **1 November 2026** we found an open storage endpoint.');
    expect(s.measures).toBe('- Closed the endpoint\n- Rotated the keys');
    expect(s.contact).toBe('Write to <privacy@example.com>.');
    const shuffled = `## contact\nC\n\n## WHAT YOU SHOULD DO ##\nA\n## Measures taken\nM\n## Likely consequences\nL\n## Summary\r\nS\r\n`;
    expect(parseIncidentWords(shuffled)).toEqual({
      summary: 'S',
      consequences: 'L',
      measures: 'M',
      actions: 'A',
      contact: 'C',
    });
  });

  it('round-trips what formatIncidentWords writes', () => {
    const s = parseIncidentWords(FILE);
    expect(parseIncidentWords(formatIncidentWords(s))).toEqual(s);
  });

  it.each(INCIDENT_SECTIONS)('refuses a file without the %s section, naming its heading', (missing) => {
    const s = parseIncidentWords(FILE);
    const without = INCIDENT_SECTIONS.filter((x) => x !== missing)
      .map((x) => `## ${SECTION_HEADINGS[x]}\n\n${s[x]}\n`)
      .join('\n');
    expect(() => parseIncidentWords(without)).toThrow(
      new IncidentWordsError(`missing section "## ${SECTION_HEADINGS[missing]}"`),
    );
  });

  it('refuses an unknown heading, a repeated one, an empty section and text before the first', () => {
    expect(() => parseIncidentWords(`${FILE}\n## Timeline\nx`)).toThrow(/line 22: unknown section "## Timeline"/);
    expect(() => parseIncidentWords(`${FILE}\n## Summary\nagain`)).toThrow(/section "## Summary" appears twice/);
    expect(() => parseIncidentWords(FILE.replace('Names and addresses could be read.', ''))).toThrow(
      /section "## Likely consequences" \(line 5\) is empty/,
    );
    expect(() => parseIncidentWords(`# Our incident\n\n${FILE}`)).toThrow(/line 1: text before the first section/);
  });

  it('keeps a "## " line inside a fenced code block as text', () => {
    const s = parseIncidentWords(FILE.replace('Names and addresses could be read.', '```\n## Summary\n```'));
    expect(s.consequences).toBe('```\n## Summary\n```');
  });
});

describe('renderMarkdown', () => {
  it('renders the usual Markdown', () => {
    expect(renderMarkdown('On **1 November** we *closed* it.\n\n- a\n- b')).toBe(
      '<p>On <strong>1 November</strong> we <em>closed</em> it.</p>\n<ul>\n<li>a</li>\n<li>b</li>\n</ul>\n',
    );
    expect(renderMarkdown('[help](https://example.com/a?b=1&c=2) <privacy@example.com>')).toBe(
      '<p><a href="https://example.com/a?b=1&amp;c=2" rel="noopener noreferrer">help</a> <a href="mailto:privacy@example.com" rel="noopener noreferrer">privacy@example.com</a></p>\n',
    );
  });

  it.each([
    ['a script tag', '<script>alert(1)</script>', '<p>&lt;script&gt;alert(1)&lt;/script&gt;</p>\n'],
    [
      'an inline tag with a handler',
      'x <img src=x onerror=alert(1)> y',
      '<p>x &lt;img src=x onerror=alert(1)&gt; y</p>\n',
    ],
    [
      'an HTML block',
      '<div onclick="x()">\nhi\n</div>',
      '<p>&lt;div onclick=&quot;x()&quot;&gt;\nhi\n&lt;/div&gt;</p>\n',
    ],
    ['a javascript: link', '[click](javascript:alert(1))', '<p>[click](javascript:alert(1))</p>\n'],
    [
      'an entity-encoded javascript: link',
      '[click](&#106;avascript:alert(1))',
      '<p>[click](javascript:alert(1))</p>\n',
    ],
    ['a data: link', '[x](data:text/html;base64,PHNjcmlwdD4=)', '<p>[x](data:text/html;base64,PHNjcmlwdD4=)</p>\n'],
    ['a vbscript: autolink', '<vbscript:msgbox(1)>', '<p>&lt;vbscript:msgbox(1)&gt;</p>\n'],
    ['a relative link', '[x](/admin)', '<p>[x](/admin)</p>\n'],
    ['a link with an empty destination (its text alone, no href="")', '[x]() and []()', '<p>x and </p>\n'],
    ['a protocol-relative link', '[x](//evil.example)', '<p>[x](//evil.example)</p>\n'],
    [
      'an image (a plain link: no remote content loads with the notice)',
      '![pixel](https://tracker.example/p.gif)',
      '<p>!<a href="https://tracker.example/p.gif" rel="noopener noreferrer">pixel</a></p>\n',
    ],
    [
      'entities that spell a tag',
      '&lt;script&gt; &#60;b&#62; &#x3C;i&#x3E;',
      '<p>&lt;script&gt; &lt;b&gt; &lt;i&gt;</p>\n',
    ],
    [
      'a quote breaking out of an attribute',
      '[x](https://example.com/"onmouseover="alert(1))',
      '<p><a href="https://example.com/%22onmouseover=%22alert(1)" rel="noopener noreferrer">x</a></p>\n',
    ],
    [
      'a title breaking out of its attribute',
      '[x](https://example.com "a\\" onclick=\\"alert(1)")',
      '<p><a href="https://example.com" title="a&quot; onclick=&quot;alert(1)" rel="noopener noreferrer">x</a></p>\n',
    ],
  ])('shows %s as text or a safe link, never as markup', (_, source, html) => {
    expect(renderMarkdown(source)).toBe(html);
  });

  it('never lets any input make a tag or attribute of its own (property)', () => {
    const pieces = fc.constantFrom(
      '<',
      '>',
      '"',
      "'",
      '`',
      '&',
      '#',
      ';',
      '=',
      '(',
      ')',
      '[',
      ']',
      '!',
      '*',
      '_',
      '\n',
      ' ',
      '\\',
      'script',
      'img',
      'iframe',
      'svg',
      'onerror',
      'onclick',
      'style',
      'src',
      'href',
      'javascript:',
      'JaVaScRiPt:',
      'data:',
      'vbscript:',
      'file:',
      'https://a.example/',
      'mailto:a@b.example',
      '&#106;',
      '&#x6A;',
      '&lt;',
      '&quot;',
      '&#34;',
      '&colon;',
      '%0a',
      '\u0000',
      '\u202e',
      '](',
      '<https://',
      '```',
    );
    fc.assert(
      fc.property(fc.array(pieces, { maxLength: 40 }), (parts) => {
        const html = renderMarkdown(parts.join(''));
        const { tags, attributes } = markup(html);
        for (const t of tags) expect(SAFE_TAGS.has(t)).toBe(true);
        for (const a of attributes) expect(['href', 'rel', 'title', 'start', 'class']).toContain(a);
        for (const m of html.matchAll(/href="([^"]*)"/g)) expect(m[1]).toMatch(/^(https?:\/\/|mailto:)/i);
        expect(html).not.toMatch(/<(script|img|iframe|svg|style)/i);
      }),
      { numRuns: 2000 },
    );
  });
});

describe('words in the templates', () => {
  const renderer = new NoticeRenderer(new TemplateEngine());
  const hostile: IncidentSections = {
    summary: 'We <b>closed</b> it. <script>alert(1)</script>',
    consequences: '[x](javascript:alert(1)) &lt;i&gt;',
    measures: '- one\n- two',
    actions: 'Read [the guide](https://example.com/guide).',
    contact: 'Mail <privacy@example.com>',
  };
  const ctx = {
    messageId: 'MC1234567',
    tenantName: '<Fabrikam>',
    locale: 'fr-FR',
    dataCategories: ['Names'],
    recordCount: 2,
    support: { url: 'https://support.example.com' },
    campaignRef: 'c1',
    inboxUrl: 'https://inbox.example.com/inbox',
  };

  it('places the rendered sections around the facts, escaped, in the notice and both email parts', () => {
    const words = new Map([['en-US', prepareWords('en-US', hostile)]]);
    const n = renderer.renderNotice({ ...ctx, words }).body.content;
    expect(n).toContain('<div lang="fr-FR">');
    expect(n).toContain('<p>We &lt;b&gt;closed&lt;/b&gt; it. &lt;script&gt;alert(1)&lt;/script&gt;</p>');
    expect(n).toContain('<p>[x](javascript:alert(1)) &lt;i&gt;</p>');
    expect(n).toContain('&lt;Fabrikam&gt;'); // the facts: the tenant's own name and counts, escaped as ever
    expect(n).toContain('MC1234567');
    expect(n).not.toContain('misconfigured'); // the fixed narrative is only for an incident without words
    expect(n).not.toMatch(/<script|<b>|href="javascript/i);
    const e = renderer.renderEmail({ ...ctx, words });
    expect(e.html).toContain('<a href="https://example.com/guide" rel="noopener noreferrer">the guide</a>');
    expect(e.html).not.toContain('Fabrikam');
    // the text part: the Markdown source, with no angle bracket left to make a tag of
    expect(e.text).toContain('Read [the guide](https://example.com/guide).');
    expect(e.text).toContain('We \u2039b\u203aclosed\u2039/b\u203a it.');
    expect(e.text).not.toMatch(/[<>]/);
  });

  it("takes the locale's own words, else en-US's inside its template, else the fixed narrative", () => {
    const en = prepareWords('en-US', hostile);
    const fr = prepareWords('fr-FR', { ...hostile, summary: 'Nous avons fermé le point de terminaison.' });
    expect(
      pickWords(
        new Map([
          ['en-US', en],
          ['fr-FR', fr],
        ]),
        'fr-FR',
      ),
    ).toEqual({ words: fr, fallback: null });
    expect(pickWords(new Map([['en-US', en]]), 'ja-JP')).toEqual({
      words: en,
      fallback: { locale: 'ja-JP', used: 'en-US' },
    });
    expect(pickWords(new Map([['fr-FR', fr]]), 'ja-JP')).toEqual({ words: null, fallback: null });
    expect(renderer.renderNotice({ ...ctx, words: new Map() }).body.content).toContain(
      'point de terminaison de stockage mal configuré',
    );
  });

  it('unwraps autolinks in a text email, and leaves no other angle bracket', () => {
    expect(
      plainMarkdown('- Web: <https://support.example.com/a?b=1>\n- Mail: <dpo@example.com> <mailto:x@example.com>'),
    ).toBe('- Web: https://support.example.com/a?b=1\n- Mail: dpo@example.com mailto:x@example.com');
    expect(plainMarkdown('<https://a.example/<script>>')).toBe('\u2039https://a.example/\u2039script\u203a\u203a');
  });

  it('keeps the Markdown lines of a text email and drops controls', () => {
    expect(plainMarkdown('a\r\n- b\u202e\n\n<c>  ')).toBe('a\n- b \n\n\u2039c\u203a'.replace(' \n', '\n'));
  });
});
