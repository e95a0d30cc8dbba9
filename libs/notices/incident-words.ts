/**
 * The operator's own words about an incident: five Markdown sections per locale, checked, parsed
 * from one file and rendered to HTML that can carry no markup of its own. Pure: no database, no
 * Nest; the notice and email templates place the rendered sections around what the service knows.
 */
import MarkdownIt from 'markdown-it';

type Markdown = ReturnType<typeof MarkdownIt>;

/** The sections, in the order a notice shows them. */
export const INCIDENT_SECTIONS = ['summary', 'consequences', 'measures', 'actions', 'contact'] as const;
export type IncidentSection = (typeof INCIDENT_SECTIONS)[number];
export type IncidentSections = Readonly<Record<IncidentSection, string>>;

/** The level-2 heading of each section in an `incidents text` file (docs/contracts.md §5). */
export const SECTION_HEADINGS: Readonly<Record<IncidentSection, string>> = {
  summary: 'Summary',
  consequences: 'Likely consequences',
  measures: 'Measures taken',
  actions: 'What you should do',
  contact: 'Contact',
};

/** A section's longest Markdown source, and a whole file's. */
export const MAX_SECTION_CHARS = 20_000;
export const MAX_WORDS_FILE_CHARS = 5 * MAX_SECTION_CHARS + 1_000;

/** What was wrong with a words file, in words an operator can act on. */
export class IncidentWordsError extends Error {}

const HEADING = /^ {0,3}##[ \t]+(.*?)(?:[ \t]+#+)?[ \t]*$/;
const OTHER_HEADING = /^ {0,3}#{1}[ \t]+\S/;
const FENCE = /^ {0,3}(`{3,}|~{3,})/;

/**
 * The five sections of a words file: each `## <heading>` (SECTION_HEADINGS, any case) starts one,
 * and runs to the next. Refuses a file that misses a section, repeats one, names another, leaves
 * one empty or has text before the first (nothing the operator wrote is silently dropped). A
 * `## ` inside a fenced code block is text, not a heading.
 */
export function parseIncidentWords(source: string): IncidentSections {
  if (source.length > MAX_WORDS_FILE_CHARS)
    throw new IncidentWordsError(`the file is longer than ${MAX_WORDS_FILE_CHARS} characters`);
  const lines = source.replace(/^\uFEFF/, '').split(/\r\n|\r|\n/);
  const byHeading = new Map(INCIDENT_SECTIONS.map((s) => [SECTION_HEADINGS[s].toLowerCase(), s]));
  const found = new Map<IncidentSection, { line: number; body: string[] }>();
  let current: { line: number; body: string[] } | null = null;
  let fence: string | null = null;
  lines.forEach((line, i) => {
    const open = FENCE.exec(line)?.[1];
    if (fence === null) {
      const h = HEADING.exec(line);
      if (h) {
        const name = h[1]!.trim();
        const section = byHeading.get(name.toLowerCase());
        if (!section)
          throw new IncidentWordsError(
            `line ${i + 1}: unknown section "## ${name.slice(0, 80)}"; the sections are ${headingList()}`,
          );
        if (found.has(section))
          throw new IncidentWordsError(`line ${i + 1}: section "## ${SECTION_HEADINGS[section]}" appears twice`);
        current = { line: i + 1, body: [] };
        found.set(section, current);
        return;
      }
      if (open) fence = open;
    } else if (open && open[0] === fence[0] && open.length >= fence.length) fence = null;
    if (current) current.body.push(line);
    else if (line.trim() !== '')
      throw new IncidentWordsError(
        `line ${i + 1}: text before the first section; start the file with "## ${SECTION_HEADINGS.summary}"${OTHER_HEADING.test(line) ? ' (a title goes in the incident, not here)' : ''}`,
      );
  });
  const sections = {} as Record<IncidentSection, string>;
  for (const s of INCIDENT_SECTIONS) {
    const f = found.get(s);
    if (!f) throw new IncidentWordsError(`missing section "## ${SECTION_HEADINGS[s]}"`);
    const body = f.body.join('\n').trim();
    if (body === '') throw new IncidentWordsError(`section "## ${SECTION_HEADINGS[s]}" (line ${f.line}) is empty`);
    if (body.length > MAX_SECTION_CHARS)
      throw new IncidentWordsError(
        `section "## ${SECTION_HEADINGS[s]}" is longer than ${MAX_SECTION_CHARS} characters`,
      );
    sections[s] = body;
  }
  return sections;
}

/** The five sections as one words file, the format `parseIncidentWords` reads. */
export function formatIncidentWords(sections: IncidentSections): string {
  return `${INCIDENT_SECTIONS.map((s) => `## ${SECTION_HEADINGS[s]}\n\n${sections[s].trim()}\n`).join('\n')}`;
}

function headingList(): string {
  return INCIDENT_SECTIONS.map((s) => `"## ${SECTION_HEADINGS[s]}"`).join(', ');
}

/** Only web and mail links: no `javascript:`, `data:`, `vbscript:`, `file:`, relative or protocol-relative ones. */
const SAFE_LINK = /^(https?:\/\/[^/\s]|mailto:[^\s])/i;

function markdown(): Markdown {
  // raw HTML off: a tag the operator (or whoever edited the file) wrote is shown as text
  const md = new MarkdownIt('default', { html: false, linkify: false, typographer: false });
  md.validateLink = (url: string) => SAFE_LINK.test(url.trim());
  // a remote image in a notice would tell its sender who opened it, and when
  md.disable('image');
  const link =
    md.renderer.rules.link_open ?? ((tokens, idx, options, _env, self) => self.renderToken(tokens, idx, options));
  md.renderer.rules.link_open = (tokens, idx, options, env, self) => {
    const open = tokens[idx]!;
    // markdown-it keeps a link whose destination failed validateLink when it is empty (`[x]()`),
    // with href="": such a link is shown as its text alone
    if (!SAFE_LINK.test(String(open.attrGet('href') ?? '').trim())) {
      const close = tokens.findIndex((t, i) => i > idx && t.type === 'link_close' && t.level === open.level);
      if (close > idx) tokens[close]!.hidden = true;
      return '';
    }
    open.attrSet('rel', 'noopener noreferrer');
    return link(tokens, idx, options, env, self);
  };
  return md;
}

let shared: Markdown | undefined;

/**
 * A section's Markdown as HTML: escaped text, the usual block and inline elements, links only to
 * http(s) and mailto (any other stays literal text), no raw HTML, no images.
 */
export function renderMarkdown(source: string): string {
  return (shared ??= markdown()).render(source);
}

/**
 * HTML this module rendered. The templates print a section through a helper that accepts only
 * this type unescaped: any plain string (a tenant name, a raw value) is escaped as ever.
 */
export class SectionHtml {
  constructor(readonly html: string) {}
}

/** The words of one locale, ready for the templates: the Markdown source (text email) and its HTML. */
export interface IncidentWords {
  locale: string;
  markdown: IncidentSections;
  html: Readonly<Record<IncidentSection, SectionHtml>>;
}

/** Renders every section once, however many notices use them. */
export function prepareWords(locale: string, sections: IncidentSections): IncidentWords {
  const html = {} as Record<IncidentSection, SectionHtml>;
  for (const s of INCIDENT_SECTIONS) html[s] = new SectionHtml(renderMarkdown(sections[s]));
  return { locale, markdown: { ...sections }, html };
}

/** An incident's words by template locale (`en-US`, `fr-FR`, ...). */
export type IncidentTexts = ReadonlyMap<string, IncidentWords>;

/** The locale whose words every other locale falls back to. */
export const WORDS_FALLBACK_LOCALE = 'en-US';

/**
 * The words a notice in `templateLocale` carries: its own, else the en-US ones (shown inside that
 * locale's template), else none (the templates' fixed narrative). `fallback` says when another
 * locale's words were used.
 */
export function pickWords(
  texts: IncidentTexts | null | undefined,
  templateLocale: string,
): { words: IncidentWords | null; fallback: { locale: string; used: string } | null } {
  const own = texts?.get(templateLocale);
  if (own) return { words: own, fallback: null };
  const en = texts?.get(WORDS_FALLBACK_LOCALE);
  if (en) return { words: en, fallback: { locale: templateLocale, used: WORDS_FALLBACK_LOCALE } };
  return { words: null, fallback: null };
}

/** An autolink (`<https://…>`, `<mailto:…>`, `<name@example.com>`): in plain text, the address alone reads best. */
const AUTOLINK = /<((?:https?:\/\/|mailto:)[^\s<>]+|[^\s<>@]+@[^\s<>@]+)>/gi;

/**
 * Markdown source as plain text for the text email: line structure kept, autolinks unwrapped,
 * controls and bidirectional overrides removed, other angle brackets turned into look-alikes (as
 * `plainText` does), so no client that shows the text as HTML can find a tag in it.
 */
export function plainMarkdown(source: string): string {
  return source
    .replace(/\r\n?/g, '\n')
    .replace(AUTOLINK, '$1')
    .replace(/\t/g, '    ')
    .replace(/[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g, ' ')
    .replace(/</g, '\u2039')
    .replace(/>/g, '\u203a')
    .split('\n')
    .map((l) => l.replace(/[ \t]+$/, ''))
    .join('\n')
    .trim();
}
