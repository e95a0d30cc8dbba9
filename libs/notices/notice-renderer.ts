/**
 * Renders a data-exposure notice (Message Center, Graph `serviceUpdateMessage` shape) and the
 * email that points to it. Pure: a context in, strings out; no database, no queue.
 *
 * Minimization is structural: the email templates are given a view that holds only the message
 * id, the inbox link and the support channels, so no email template can print exposed data even
 * by mistake (strict mode makes any other variable an error).
 */
import { Injectable } from '@nestjs/common';
import { cleanText, isoDateTime, mailLink, optionalText, plainText, type SafeLink, webLink } from './notice-values.js';
import { TemplateEngine } from './template-engine.js';
import {
  INCIDENT_SECTIONS,
  pickWords,
  plainMarkdown,
  type IncidentSection,
  type IncidentTexts,
  type SectionHtml,
} from './incident-words.js';

export interface NoticeContext {
  /** 'MC' + digits, quoted by the customer when they contact support */
  messageId: string;
  /** the RECEIVING tenant's own name only */
  tenantName: string;
  /** BCP-47 */
  locale: string;
  /** ISO date the exposure was discovered/closed (the campaign's), optional */
  incidentDate?: string;
  /** from NOTICE_DATA_CATEGORIES */
  dataCategories: string[];
  /** this tenant's unique items */
  recordCount: number;
  /** ISO date */
  actionRequiredBy?: string | null;
  support: { url?: string | null; phone?: string | null; email?: string | null };
  /** campaign id, shown in details */
  campaignRef: string;
  /** link to the web inbox, for the email */
  inboxUrl?: string | null;
  /**
   * The incident's words by locale (prepareWords): the template locale's own, else en-US's, go
   * around the facts; none at all, the templates' fixed narrative.
   */
  words?: IncidentTexts | null;
}

export interface RenderedNotice {
  title: string;
  category: 'preventOrFixIssue';
  severity: 'high';
  tags: string[];
  isMajorChange: boolean;
  services: string[];
  actionRequiredByDateTime: string | null;
  details: { name: string; value: string }[];
  body: { contentType: 'html'; content: string };
}

export interface RenderedEmail {
  subject: string;
  html: string;
  text: string;
}

/** The categories a notice may name (canonical English keys; strings.json labels them per locale). */
export const NOTICE_DATA_CATEGORIES = [
  'Names',
  'Email addresses',
  'Phone numbers',
  'Email content',
  'Company name',
  'Attached files',
] as const;

/** The only notice kind so far; templates are `notice.<kind>.html.hbs`, `email.<kind>.{html,txt}.hbs`. */
export const NOTICE_KIND = 'data-exposure';
export const NOTICE_TAGS: readonly string[] = ['Data privacy', 'Admin impact'];
export const NOTICE_SERVICES: readonly string[] = ['Business transaction data'];

interface SupportView {
  url: SafeLink | null;
  phone: string | null;
  email: SafeLink | null;
  any: boolean;
}

/** Everything the notice templates may print. */
interface NoticeView {
  messageId: string;
  tenantName: string;
  incidentDate: string | null;
  actionRequiredBy: string | null;
  categories: string[];
  hasCategories: boolean;
  recordCount: number;
  support: SupportView;
  words: Record<IncidentSection, SectionHtml> | null;
}

/** Everything the email templates may print: no tenant data at all (the words are the incident's, not a tenant's). */
interface EmailView {
  messageId: string;
  inbox: SafeLink | null;
  support: SupportView;
  words: Record<IncidentSection, SectionHtml> | null;
}

function supportView(support: NoticeContext['support'] | undefined): SupportView {
  const s = support ?? {};
  const url = webLink(s.url);
  const phone = optionalText(s.phone);
  const email = mailLink(s.email);
  return { url, phone, email, any: url !== null || phone !== null || email !== null };
}

/** Canonical category names, cleaned and de-duplicated, in the order given. */
function categoryKeys(list: unknown): string[] {
  if (!Array.isArray(list)) return [];
  return [...new Set(list.map(cleanText).filter((c) => c !== ''))];
}

function recordCountOf(value: unknown): number {
  return typeof value === 'number' ? value : Number(value);
}

/** Every string in a view, through `plainText`: the only values a plain-text template ever sees. */
function toPlain<T>(value: T): T {
  if (typeof value === 'string') return plainText(value) as T;
  if (Array.isArray(value)) return value.map(toPlain) as T;
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, toPlain(v)])) as T;
  }
  return value;
}

@Injectable()
export class NoticeRenderer {
  constructor(private readonly engine: TemplateEngine) {}

  /** The template locale a context's locale ends up at (`de-AT` → `de-DE`, `fr-CA` → `fr-FR`, `sv-SE` → `en-US`). */
  resolveLocale(locale: string): string {
    return this.engine.resolveLocale(locale);
  }

  /** What a locale without templates of its own gets instead (`sv-SE` → `en-US`), or null when it has them. */
  localeFallback(locale: string): { requested: string; used: string } | null {
    return this.engine.localeFallback(locale);
  }

  /** The template locale for a reader's languages in order of preference (see TemplateEngine.pickLocale). */
  pickLocale(preferences: readonly unknown[]): string {
    return this.engine.pickLocale(preferences);
  }

  /**
   * Whose words a notice or email in `locale` carries: null when its template locale has its own
   * (or the incident has none at all), else the en-US fallback it shows inside its template.
   */
  wordsFallback(words: IncidentTexts | null | undefined, locale: string): { locale: string; used: string } | null {
    return pickWords(words, this.engine.resolveLocale(locale)).fallback;
  }

  renderNotice(ctx: NoticeContext): RenderedNotice {
    const locale = this.engine.resolveLocale(ctx.locale);
    const labels = this.engine.strings(locale).categories;
    const keys = categoryKeys(ctx.dataCategories);
    const view: Omit<NoticeView, 'words'> = {
      messageId: cleanText(ctx.messageId),
      tenantName: cleanText(ctx.tenantName),
      incidentDate: isoDateTime(ctx.incidentDate),
      actionRequiredBy: isoDateTime(ctx.actionRequiredBy),
      // an unknown category is shown as given (escaped) rather than dropped; checkContext flags it
      categories: keys.map((c) => (Object.hasOwn(labels, c) ? (labels[c] ?? c) : c)),
      hasCategories: keys.length > 0,
      recordCount: recordCountOf(ctx.recordCount),
      support: supportView(ctx.support),
    };
    const title = cleanText(this.engine.renderString('noticeTitle', locale, toPlain(view)));
    const words = pickWords(ctx.words, locale).words;
    const inner = this.engine.render(`notice.${NOTICE_KIND}.html`, locale, {
      ...view,
      words: words ? { ...words.html } : null,
    } satisfies NoticeView);
    const content = this.engine.render('layout.html', locale, { isDocument: false, lang: locale, title, body: inner });

    const details: RenderedNotice['details'] = [{ name: 'CampaignReference', value: plainText(ctx.campaignRef) }];
    if (view.incidentDate) details.push({ name: 'IncidentDate', value: view.incidentDate });
    if (keys.length > 0) details.push({ name: 'DataCategories', value: keys.map(plainText).join(', ') });
    details.push({ name: 'UniqueRecordCount', value: String(view.recordCount) });

    return {
      title,
      category: 'preventOrFixIssue',
      severity: 'high',
      tags: [...NOTICE_TAGS],
      isMajorChange: false,
      services: [...NOTICE_SERVICES],
      actionRequiredByDateTime: view.actionRequiredBy,
      details,
      body: { contentType: 'html', content },
    };
  }

  renderEmail(ctx: NoticeContext): RenderedEmail {
    const locale = this.engine.resolveLocale(ctx.locale);
    const view: Omit<EmailView, 'words'> = {
      messageId: cleanText(ctx.messageId),
      inbox: webLink(ctx.inboxUrl),
      support: supportView(ctx.support),
    };
    const plain = toPlain(view);
    const words = pickWords(ctx.words, locale).words;
    const subject = cleanText(this.engine.renderString('emailSubject', locale, plain));
    const inner = this.engine.render(`email.${NOTICE_KIND}.html`, locale, {
      ...view,
      words: words ? { ...words.html } : null,
    } satisfies EmailView);
    const html = this.engine.render('layout.html', locale, {
      isDocument: true,
      lang: locale,
      title: subject,
      body: inner,
    });
    // the text part carries the words' Markdown source itself, as plain text
    const text = tidyText(
      this.engine.render(`email.${NOTICE_KIND}.txt`, locale, {
        ...plain,
        words: words ? Object.fromEntries(INCIDENT_SECTIONS.map((s) => [s, plainMarkdown(words.markdown[s])])) : null,
      }),
    );
    return { subject, html, text };
  }

  /**
   * What is wrong with a context, in words an operator can act on; empty when nothing is.
   * Rendering itself never refuses a value (it escapes or drops it), so `campaigns preview`
   * calls this to stop a launch with, say, a `javascript:` support URL or a malformed date.
   */
  checkContext(ctx: NoticeContext): string[] {
    const problems: string[] = [];
    const show = (v: unknown) => JSON.stringify(typeof v === 'string' ? v.slice(0, 80) : v);
    if (!/^MC\d+$/.test(String(ctx.messageId)))
      problems.push(`messageId ${show(ctx.messageId)} is not "MC" followed by digits`);
    if (cleanText(ctx.tenantName) === '') problems.push('tenantName is empty');
    if (cleanText(ctx.campaignRef) === '') problems.push('campaignRef is empty');
    const keys = categoryKeys(ctx.dataCategories);
    if (keys.length === 0) problems.push('dataCategories is empty');
    const known = new Set<string>(NOTICE_DATA_CATEGORIES);
    for (const c of keys)
      if (!known.has(c)) problems.push(`data category ${show(c)} is not one of ${NOTICE_DATA_CATEGORIES.join(', ')}`);
    const n = recordCountOf(ctx.recordCount);
    if (!Number.isSafeInteger(n) || n < 1)
      problems.push(`recordCount ${show(ctx.recordCount)} is not a positive whole number`);
    if (optionalText(ctx.incidentDate) !== null && isoDateTime(ctx.incidentDate) === null) {
      problems.push(`incidentDate ${show(ctx.incidentDate)} is not an ISO date`);
    }
    if (optionalText(ctx.actionRequiredBy) !== null && isoDateTime(ctx.actionRequiredBy) === null) {
      problems.push(`actionRequiredBy ${show(ctx.actionRequiredBy)} is not an ISO date`);
    }
    const support = supportView(ctx.support);
    if (!support.any) problems.push('no support channel: give at least a support URL, phone or email');
    if (support.url && support.url.href === null)
      problems.push(`support URL ${show(support.url.text)} is not an absolute http(s) link; it would be shown as text`);
    if (support.email && support.email.href === null)
      problems.push(`support email ${show(support.email.text)} is not an email address`);
    const inbox = webLink(ctx.inboxUrl);
    if (inbox && inbox.href === null)
      problems.push(`inboxUrl ${show(inbox.text)} is not an absolute http(s) link; it would be shown as text`);
    // a locale without templates of its own is a fallback (see localeFallback), never a problem;
    // only a templates folder without the en-US fallback is
    try {
      this.engine.resolveLocale(ctx.locale);
    } catch (err) {
      problems.push(err instanceof Error ? err.message : String(err));
    }
    return problems;
  }
}

/** Plain text as mail clients like it: no trailing blanks, at most one empty line in a row, one final newline. */
function tidyText(text: string): string {
  return `${text
    .split('\n')
    .map((line) => line.replace(/[ \t]+$/, ''))
    .join('\n')
    .replace(/\n{3,}/g, '\n\n')
    .trim()}\n`;
}

let shared: NoticeRenderer | undefined;
const renderer = () => (shared ??= new NoticeRenderer(new TemplateEngine()));

/** `NoticeRenderer.renderNotice` with the shipped templates. */
export function renderNotice(ctx: NoticeContext): RenderedNotice {
  return renderer().renderNotice(ctx);
}

/** `NoticeRenderer.renderEmail` with the shipped templates. */
export function renderEmail(ctx: NoticeContext): RenderedEmail {
  return renderer().renderEmail(ctx);
}

/** `NoticeRenderer.checkContext` with the shipped templates. */
export function checkNoticeContext(ctx: NoticeContext): string[] {
  return renderer().checkContext(ctx);
}
