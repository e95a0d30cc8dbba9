import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { NOTICE_DATA_CATEGORIES, NoticeRenderer, type NoticeContext } from './notice-renderer.js';
import { defaultTemplatesDir, TemplateEngine } from './template-engine.js';

/** The languages most tenant admins read; each must ship every file of en-US. */
const SHIPPED = ['de-DE', 'en-US', 'es-ES', 'fr-FR', 'it-IT', 'ja-JP', 'nl-NL', 'pt-BR', 'zh-CN'];

/**
 * Phrases of the en-US templates that no other locale may contain: a sentence or label left in
 * English by mistake. Product names ("Message Center" stays so in German) and the loan word
 * "phishing" are not among them.
 */
const ENGLISH = [
  'Summary',
  'unique record',
  'with data of',
  'reachable without authentication',
  'misconfigured storage endpoint',
  'has been secured',
  'We found no indication',
  'What happened',
  'we learned',
  'configuration error on our side',
  'Which of your data',
  'After duplicates were removed',
  'is counted once',
  'falls into these categories',
  'What we did',
  'We secured',
  'We analyzed',
  'improving our processes',
  'What you may want to do',
  'Review the exposure view',
  'Be alert to',
  'Contact us',
  'Please review this notice by',
  'How to contact us',
  'Support website',
  'Phone:',
  'Email:',
  'Please quote message ID',
  'Message ID',
  'A data privacy notice is waiting',
  'Open the Message Center',
  'Sign in to',
  'For your protection',
  'Data privacy',
  'is waiting in your',
  'Names',
  'Email addresses',
  'Phone numbers',
  'Email content',
  'Company name',
  'Attached files',
];

const engine = new TemplateEngine();
const renderer = new NoticeRenderer(engine);

const full: NoticeContext = {
  messageId: 'MC4711042',
  tenantName: 'Contoso Ltd',
  locale: 'en-US',
  incidentDate: '2022-09-24',
  dataCategories: [...NOTICE_DATA_CATEGORIES],
  recordCount: 98765,
  actionRequiredBy: '2022-11-15',
  support: { url: 'https://support.example.com/privacy', phone: '+1 800 555 0100', email: 'privacy@example.com' },
  campaignRef: 'cmp-2022-09',
  inboxUrl: 'https://inbox.example.com/inbox',
};

/** The other branch of every `{{#if}}`: no dates, no categories, no support channel, no inbox link, one record. */
const { incidentDate: _, ...undated } = full;
const sparse: NoticeContext = {
  ...undated,
  actionRequiredBy: null,
  dataCategories: [],
  recordCount: 1,
  support: {},
  inboxUrl: null,
};

interface Output {
  name: string;
  text: string;
}

function outputs(ctx: NoticeContext): Output[] {
  const n = renderer.renderNotice(ctx);
  const e = renderer.renderEmail(ctx);
  return [
    { name: 'notice title', text: n.title },
    { name: 'notice body', text: n.body.content },
    { name: 'email subject', text: e.subject },
    { name: 'email html', text: e.html },
    { name: 'email text', text: e.text },
  ];
}

const ENTITIES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#x27;',
  '`': '&#x60;',
  '=': '&#x3D;',
};
/** Handlebars' HTML escaping. */
const escapeHtml = (s: string) => s.replace(/[&<>"'`=]/g, (c) => ENTITIES[c]!);

/** What a reader sees of an HTML output: the text between the tags, entities left as they are. */
const visibleText = (html: string) => html.replace(/<[^>]*>/g, ' ');

/** Every key path of a strings.json (`categories.Names`, ...). */
function keyPaths(value: unknown, prefix = ''): string[] {
  if (value === null || typeof value !== 'object') return [prefix];
  return Object.entries(value).flatMap(([k, v]) => keyPaths(v, prefix ? `${prefix}.${k}` : k));
}

const stringsOf = (locale: string): unknown =>
  JSON.parse(readFileSync(join(defaultTemplatesDir(), locale, 'strings.json'), 'utf8'));

describe('shipped locales', () => {
  it('are exactly the languages promised, each its own folder', () => {
    expect(engine.availableLocales()).toEqual(SHIPPED);
    for (const locale of SHIPPED) expect(engine.resolveLocale(locale)).toBe(locale);
  });

  describe.each(SHIPPED)('%s', (locale) => {
    it('has every strings.json key of en-US and no other, none of them empty', () => {
      const strings = stringsOf(locale);
      expect(keyPaths(strings).sort()).toEqual(keyPaths(stringsOf('en-US')).sort());
      for (const path of keyPaths(strings)) {
        const value = path.split('.').reduce<unknown>((o, k) => (o as Record<string, unknown>)[k], strings);
        expect({ path, value: typeof value === 'string' && value.trim() !== '' }).toEqual({ path, value: true });
      }
    });

    it.each([
      ['every field given', full],
      ['the optional fields absent', sparse],
    ])('renders with %s: every placeholder filled', (_, base) => {
      for (const { name, text } of outputs({ ...base, locale })) {
        const where = `${locale} ${name}`;
        expect({ where, text }).not.toEqual({
          where,
          text: expect.stringMatching(/\{\{|\}\}|undefined|null|NaN|\[object|Infinity/),
        });
        // no empty element and no empty brackets where a value was expected
        expect({ where, text }).not.toEqual({
          where,
          text: expect.stringMatching(/<(li|p|strong|a|h3|title)\b[^>]*>\s*<\/\1>|\(\s*\)|（\s*）|:\s*$/m),
        });
        expect(text.trim()).not.toBe('');
      }
    });

    it("shows the values in the locale's own formats and words", () => {
      const [title, body, subject, html, text] = outputs({ ...full, locale }).map((o) => o.text);
      expect(title!.length).toBeGreaterThan(10);
      expect(subject).toContain('MC4711042');
      expect(body).toContain(`<div lang="${locale}">`);
      expect(html).toContain(`<html lang="${locale}">`);
      const dates = new Intl.DateTimeFormat(locale, { dateStyle: 'long', timeZone: 'UTC' });
      expect(body).toContain(dates.format(new Date('2022-09-24T00:00:00Z')));
      expect(body).toContain(dates.format(new Date('2022-11-15T00:00:00Z')));
      expect(body).toContain(new Intl.NumberFormat(locale).format(98765));
      const labels = engine.strings(locale).categories;
      for (const c of NOTICE_DATA_CATEGORIES) expect(body).toContain(`<li>${escapeHtml(labels[c]!)}</li>`);
      for (const out of [body, html, text]) {
        expect(out).toContain('MC4711042');
        expect(out).toContain('support.example.com/privacy');
        expect(out).toContain('privacy@example.com');
      }
      expect(body).toContain('+1 800 555 0100');
      expect(body).toContain('Contoso Ltd');
      expect(html).toContain('<a href="https://inbox.example.com/inbox">');
      expect(text).toContain('https://inbox.example.com/inbox');
    });

    if (locale === 'fr-FR') {
      it('writes the first of a month as French does', () => {
        const body = renderer.renderNotice({
          ...full,
          locale,
          incidentDate: '2026-10-01',
          actionRequiredBy: '2022-11-01',
        }).body.content;
        expect(body).toContain('Le 1er octobre 2026, nous avons appris');
        expect(body).toContain('avant le 1er novembre 2022');
      });
    }

    if (locale !== 'en-US') {
      it('leaves nothing in English', () => {
        for (const ctx of [full, sparse]) {
          for (const { name, text } of outputs({ ...ctx, locale })) {
            const shown = name.endsWith('html') || name === 'notice body' ? visibleText(text) : text;
            const left = ENGLISH.filter((phrase) => shown.includes(phrase));
            expect({ where: `${locale} ${name}`, left }).toEqual({ where: `${locale} ${name}`, left: [] });
          }
        }
      });
    }
  });

  it('the English phrase list does find the English templates (so the check above can fail)', () => {
    const shown =
      outputs(full)
        .map((o) => visibleText(o.text))
        .join('\n') +
      outputs(sparse)
        .map((o) => visibleText(o.text))
        .join('\n');
    expect(ENGLISH.filter((phrase) => !shown.includes(phrase))).toEqual([]);
  });
});
