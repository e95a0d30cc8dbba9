import fc from 'fast-check';
import { NOTICE_DATA_CATEGORIES, renderEmail, renderNotice, type NoticeContext } from './notice-renderer.js';

/** Strings an attacker or a broken import could put in any field. */
const hostileFragments = [
  '<script>alert(1)</script>',
  '<SCRIPT SRC=//x.example/x.js>',
  '<scr<script>ipt>',
  '</textarea><script>',
  '"><img src=x onerror=alert(1)>',
  "' onmouseover='alert(1)",
  '{{constructor}}',
  '{{__proto__}}',
  '{{{body}}}',
  '{{> contact}}',
  '__proto__',
  'constructor',
  'javascript:alert(1)',
  'https://x.example/"><script>',
  'de-DE',
  '2022-09-24',
  '\r\nBcc: evil@example.net',
  '\u202e\u0000\u2028',
  '&lt;script&gt;',
];

const anyString = fc.oneof(
  fc.string(),
  fc.string({ unit: 'binary' }),
  fc.constantFrom(...hostileFragments),
  fc
    .array(fc.oneof(fc.constantFrom(...hostileFragments), fc.string({ maxLength: 4 })), { maxLength: 5 })
    .map((parts) => parts.join('')),
);

const context: fc.Arbitrary<NoticeContext> = fc.record({
  messageId: anyString,
  tenantName: anyString,
  locale: fc.oneof(anyString, fc.constantFrom('en-US', 'de-DE', 'de-AT', 'fr-FR')),
  incidentDate: fc.option(anyString, { nil: undefined }),
  dataCategories: fc.array(fc.oneof(anyString, fc.constantFrom(...NOTICE_DATA_CATEGORIES)), { maxLength: 8 }),
  recordCount: fc.oneof(fc.integer(), fc.double()),
  actionRequiredBy: fc.option(anyString),
  support: fc.record({ url: fc.option(anyString), phone: fc.option(anyString), email: fc.option(anyString) }),
  campaignRef: anyString,
  inboxUrl: fc.option(anyString),
});

const TEMPLATE_TAGS = new Set([
  '!doctype',
  'html',
  'head',
  'meta',
  'title',
  'body',
  'div',
  'p',
  'strong',
  'h3',
  'ul',
  'li',
  'a',
]);

function assertInertHtml(html: string): void {
  expect(html).not.toMatch(/<script/i);
  // every tag comes from the templates, every attribute value is one the templates set
  for (const m of html.matchAll(/<\/?([a-z!][a-z0-9]*)/gi)) expect(TEMPLATE_TAGS).toContain(m[1]!.toLowerCase());
  for (const m of html.matchAll(/href="([^"]*)"/g)) expect(m[1]).toMatch(/^(https?:\/\/|mailto:)[^\s<>"']+$/);
  expect(html).not.toMatch(/\son[a-z]+=/i);
}

function assertPlain(text: string): void {
  expect(text).not.toMatch(/<script/i);
  expect(text).not.toMatch(/[<>]/);
}

describe('rendering arbitrary values', () => {
  it('never throws and never lets markup through', () => {
    fc.assert(
      fc.property(context, (ctx) => {
        const notice = renderNotice(ctx);
        assertInertHtml(notice.body.content);
        assertPlain(notice.title);
        expect(notice.title).not.toMatch(/[\r\n]/);
        for (const d of notice.details) assertPlain(d.value);

        const email = renderEmail(ctx);
        assertInertHtml(email.html);
        assertPlain(email.subject);
        expect(email.subject).not.toMatch(/[\r\n]/);
        assertPlain(email.text);
        expect(email.text.length).toBeGreaterThan(0);
      }),
      { numRuns: 400 },
    );
  });
});
