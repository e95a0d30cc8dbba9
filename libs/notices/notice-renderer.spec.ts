import {
  NOTICE_DATA_CATEGORIES,
  NoticeRenderer,
  checkNoticeContext,
  renderEmail,
  renderNotice,
  type NoticeContext,
} from './notice-renderer.js';
import { TemplateEngine } from './template-engine.js';

const base: NoticeContext = {
  messageId: 'MC4711042',
  tenantName: 'Contoso Ltd',
  locale: 'en-US',
  incidentDate: '2022-09-24',
  dataCategories: ['Names', 'Email addresses', 'Attached files'],
  recordCount: 98765,
  actionRequiredBy: '2022-11-01',
  support: { url: 'https://support.example.com/privacy', phone: '+1 800 555 0100', email: 'privacy@example.com' },
  campaignRef: 'cmp-2022-09',
  inboxUrl: 'https://inbox.example.com/messages/MC4711042',
};

const HTML_TAG = /<\/?[a-z!][^>]*>/i;
const tagsIn = (html: string) => new Set([...html.matchAll(/<\/?([a-z!][a-z0-9]*)/gi)].map((m) => m[1]!.toLowerCase()));
const hrefsIn = (html: string) => [...html.matchAll(/href="([^"]*)"/g)].map((m) => m[1]);
const ENTITIES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#x27;',
  '`': '&#x60;',
  '=': '&#x3D;',
};
/** Handlebars' HTML escaping, to say what escaped output must look like. */
const escaped = (s: string) => s.replace(/[&<>"'`=]/g, (c) => ENTITIES[c]!);

describe('renderNotice', () => {
  it('renders an English notice in the Message Center shape', () => {
    const n = renderNotice(base);
    expect(n).toMatchObject({
      title: expect.stringMatching(/data privacy/i),
      category: 'preventOrFixIssue',
      severity: 'high',
      tags: ['Data privacy', 'Admin impact'],
      isMajorChange: false,
      actionRequiredByDateTime: '2022-11-01T00:00:00.000Z',
      body: { contentType: 'html' },
    });
    expect(n.services.length).toBeGreaterThan(0);
    expect(n.details).toEqual([
      { name: 'CampaignReference', value: 'cmp-2022-09' },
      { name: 'IncidentDate', value: '2022-09-24T00:00:00.000Z' },
      { name: 'DataCategories', value: 'Names, Email addresses, Attached files' },
      { name: 'UniqueRecordCount', value: '98765' },
    ]);
    const html = n.body.content;
    expect(html).toContain('<div lang="en-US">');
    expect(html).toContain('misconfigured storage endpoint');
    expect(html).toContain('no indication that customer accounts or systems were compromised');
    expect(html).toContain('On September 24, 2022, we learned');
    expect(html).toContain('98,765 unique records');
    expect(html).toContain('Contoso Ltd');
    for (const c of ['Names', 'Email addresses', 'Attached files']) expect(html).toContain(`<li>${c}</li>`);
    expect(html).not.toContain('Phone numbers</li>');
    expect(html).toContain('exposure view');
    expect(html).toContain('phishing');
    expect(html).toContain('by November 1, 2022');
    expect(html).toContain('<a href="https://support.example.com/privacy">');
    expect(html).toContain('+1 800 555 0100');
    expect(html).toContain('<a href="mailto:privacy@example.com">');
    expect(html).toContain('message ID <strong>MC4711042</strong>');
    expect(tagsIn(html)).toEqual(new Set(['div', 'p', 'strong', 'h3', 'ul', 'li', 'a']));
  });

  it('renders a German notice in real German', () => {
    const n = renderNotice({ ...base, locale: 'de-DE' });
    const html = n.body.content;
    expect(n.title).toBe('Datenschutz: Geschäftsdaten Ihrer Organisation waren ungeschützt zugänglich');
    expect(html).toContain('<div lang="de-DE">');
    expect(html).toContain(
      '98.765 eindeutige Datensätze mit Daten von Contoso Ltd (Namen, E-Mail-Adressen und Dateianhänge) waren',
    );
    expect(html).toContain('Am 24. September 2022 haben wir festgestellt');
    expect(html).toContain('falsch konfigurierten Speicher-Endpunkt');
    for (const c of ['Namen', 'E-Mail-Adressen', 'Dateianhänge']) expect(html).toContain(`<li>${c}</li>`);
    expect(html).toContain('Seien Sie wachsam gegenüber Phishing');
    expect(html).toContain('bis zum 1. November 2022');
    expect(html).toContain('Telefon: +1 800 555 0100');
    expect(html).toContain('Meldungs-ID <strong>MC4711042</strong>');
    expect(html).not.toMatch(/\b(the|what happened|records|phone)\b/i);
    // machine-readable fields stay the same in every language
    expect(n.details).toEqual(renderNotice(base).details);
    expect(n.tags).toEqual(['Data privacy', 'Admin impact']);
  });

  it('says "record" and "Datensatz" for one record', () => {
    expect(renderNotice({ ...base, recordCount: 1 }).body.content).toContain(
      '1 unique record with data of Contoso Ltd (Names, Email addresses, and Attached files) was reachable',
    );
    expect(renderNotice({ ...base, recordCount: 1, locale: 'de-DE' }).body.content).toContain(
      '1 eindeutiger Datensatz mit Daten von Contoso Ltd (Namen, E-Mail-Adressen und Dateianhänge) war über',
    );
  });

  it.each([
    ['de-AT', 'de-DE', 'Zusammenfassung'],
    ['de', 'de-DE', 'Zusammenfassung'],
    ['fr-CA', 'fr-FR', 'Résumé'],
    ['pt-PT', 'pt-BR', 'Resumo'],
    ['sv-SE', 'en-US', 'Summary'],
    ['zz-not-a-locale', 'en-US', 'Summary'],
  ])('falls back from %s to %s', (locale, folder, word) => {
    const html = renderNotice({ ...base, locale }).body.content;
    expect(html).toContain(`<div lang="${folder}">`);
    expect(html).toContain(word);
    expect(renderEmail({ ...base, locale }).html).toContain(`<html lang="${folder}">`);
  });

  it('shows only the support channels given, and a fallback sentence when none is', () => {
    const onlyPhone = renderNotice({ ...base, support: { phone: '+49 30 1234567' } }).body.content;
    expect(onlyPhone).toContain('Phone: +49 30 1234567');
    expect(onlyPhone).not.toContain('Support website');
    expect(onlyPhone).not.toContain('Email:');
    expect(onlyPhone).not.toContain('href=');

    const none = renderNotice({ ...base, support: { url: null, phone: '  ', email: '' } }).body.content;
    expect(none).toContain('Contact us through your usual support channel.');
    expect(none).not.toContain('<ul>\n  <li>Support');
    expect(none).toContain('MC4711042');
  });

  it('leaves out the date sentences when no dates are given', () => {
    const n = renderNotice({ ...base, incidentDate: undefined, actionRequiredBy: null });
    expect(n.body.content).toContain('We learned that a misconfigured storage endpoint');
    expect(n.body.content).not.toContain('Please review this notice by');
    expect(n.actionRequiredByDateTime).toBeNull();
    expect(n.details.map((d) => d.name)).not.toContain('IncidentDate');
  });

  it('names nothing but the receiving tenant, its categories and counts', () => {
    const html = renderNotice(base).body.content;
    // the only values printed are those of the context: the name, the count, the categories, the contacts
    const text = html.replace(/<[^>]*>/g, ' ');
    expect(text).not.toMatch(/@(?!example\.com)/); // no address other than the support address
    expect(text).not.toContain('cmp-2022-09'); // the campaign reference lives in details only
  });
});

describe('hostile values render inert', () => {
  const hostileNames = [
    '<script>alert(1)</script>',
    '{{constructor}}',
    '{{__proto__}}',
    '{{{tenantName}}}',
    '"><img src=x onerror=alert(1)>',
  ];

  it.each(hostileNames)('tenant name %j', (tenantName) => {
    const { body, title } = renderNotice({ ...base, tenantName });
    expect(body.content).not.toMatch(/<script|<img|onerror=|function Object|\[native code\]|\[object Object\]/i);
    expect(title).not.toContain('<');
    expect(tagsIn(body.content)).toEqual(new Set(['div', 'p', 'strong', 'h3', 'ul', 'li', 'a']));
  });

  it('escapes a tag and keeps Handlebars syntax as literal text', () => {
    expect(renderNotice({ ...base, tenantName: '<script>alert(1)</script>' }).body.content).toContain(
      'data of &lt;script&gt;alert(1)&lt;/script&gt; (Names',
    );
    expect(renderNotice({ ...base, tenantName: '{{constructor}}' }).body.content).toContain(
      'data of {{constructor}} (Names',
    );
    expect(renderNotice({ ...base, tenantName: '{{__proto__}}' }).body.content).toContain(
      'data of {{__proto__}} (Names',
    );
  });

  it('a javascript: support URL is shown as text, never linked', () => {
    for (const url of [
      'javascript:alert(1)',
      ' JavaScript:alert(document.cookie)',
      'data:text/html;base64,PHNjcmlwdD4=',
    ]) {
      const notice = renderNotice({ ...base, support: { url } }).body.content;
      const email = renderEmail({ ...base, support: { url } });
      expect(hrefsIn(notice)).toEqual([]);
      expect(hrefsIn(email.html)).toEqual(['https://inbox.example.com/messages/MC4711042']);
      expect(notice).toContain(`Support website: ${escaped(url.trim())}</li>`);
      expect(email.text).toContain(`Support website: ${url.trim()}`);
    }
  });

  it('every link is an http(s) or mailto link', () => {
    const hostile = {
      ...base,
      support: { url: 'https://ok.example/"onmouseover="alert(1)', email: 'x@example.com?cc=evil@example.net' },
      inboxUrl: 'javascript:alert(2)',
    };
    const links = [...hrefsIn(renderNotice(hostile).body.content), ...hrefsIn(renderEmail(hostile).html)];
    // the attribute value decodes to the percent-encoded URL: the quote never closes the attribute
    expect(links).toEqual([
      escaped('https://ok.example/%22onmouseover=%22alert(1)'),
      escaped('https://ok.example/%22onmouseover=%22alert(1)'),
    ]);
    expect(renderNotice(hostile).body.content).toContain('Email: x@example.com?cc&#x3D;evil@example.net</li>');
    expect(renderEmail(hostile).html).toContain('Message Center: javascript:alert(2)');
  });

  it('a hostile category is escaped', () => {
    const html = renderNotice({ ...base, dataCategories: ['Names', '<b onclick=x>Bold</b>'] }).body.content;
    expect(html).toContain('<li>&lt;b onclick&#x3D;x&gt;Bold&lt;/b&gt;</li>');
  });

  it('line breaks and bidi overrides in values cannot forge lines or reorder text', () => {
    const e = renderEmail({
      ...base,
      messageId: 'MC1\r\nBcc: evil@example.net',
      support: { phone: '+1 555\u202e0100' },
    });
    expect(e.subject).toBe('Data privacy notice MC1 Bcc: evil@example.net is waiting in your Message Center');
    expect(e.text).toContain('Phone: +1 555 0100\n');
    expect(e.text).not.toContain('\u202e');
  });
});

describe('renderEmail', () => {
  it.each(['en-US', 'de-DE'])('carries no exposed data (%s)', (locale) => {
    const ctx = { ...base, locale, tenantName: 'Fabrikam Unique Name' };
    const email = renderEmail(ctx);
    const engine = new TemplateEngine();
    const labels = engine.strings(locale).categories;
    for (const part of [email.subject, email.html, email.text]) {
      for (const c of NOTICE_DATA_CATEGORIES) {
        expect(part).not.toContain(c);
        expect(part).not.toContain(labels[c]);
      }
      expect(part).not.toMatch(/98[,.]?765/);
      expect(part).not.toContain('Fabrikam');
      expect(part).not.toContain('cmp-2022-09');
      expect(part).toContain('MC4711042');
    }
  });

  it('points to the notice and says how to reach support, in English', () => {
    const { subject, html, text } = renderEmail(base);
    expect(subject).toBe('Data privacy notice MC4711042 is waiting in your Message Center');
    expect(html).toMatch(/^<!DOCTYPE html>\n<html lang="en-US">/);
    expect(html).toContain(`<title>${subject}</title>`);
    expect(html).toContain('<a href="https://inbox.example.com/messages/MC4711042">Open the Message Center</a>');
    expect(html).toContain('<a href="https://support.example.com/privacy">');
    expect(text).toBe(
      [
        'A data privacy notice is waiting for your organization in the Message Center.',
        '',
        'Message ID: MC4711042',
        'Open the Message Center: https://inbox.example.com/messages/MC4711042',
        '',
        'For your protection, this email contains no details of the exposed data.',
        '',
        'How to contact us',
        'Support website: https://support.example.com/privacy',
        'Phone: +1 800 555 0100',
        'Email: privacy@example.com',
        '',
        'Please quote message ID MC4711042 whenever you contact us about this notice.',
        '',
      ].join('\n'),
    );
  });

  it('has a German plain-text part without HTML', () => {
    const { subject, text } = renderEmail({ ...base, locale: 'de-DE', inboxUrl: null });
    expect(subject).toBe('Datenschutzhinweis MC4711042 in Ihrem Message Center');
    expect(text).toContain('Im Message Center liegt ein Datenschutzhinweis für Ihre Organisation bereit.');
    expect(text).toContain('Melden Sie sich im Message Center an, um den Hinweis zu lesen.');
    expect(text).toContain('Bitte geben Sie bei jeder Kontaktaufnahme zu diesem Hinweis die Meldungs-ID MC4711042 an.');
    expect(text).not.toMatch(HTML_TAG);
    expect(text).not.toMatch(/&[a-z#0-9]+;/i);
  });

  it('plain text is not HTML-escaped but cannot form a tag', () => {
    const { text, html } = renderEmail({ ...base, support: { phone: 'Smith & Co <ext. 5>' } });
    expect(text).toContain('Phone: Smith & Co \u2039ext. 5\u203a');
    expect(text).not.toMatch(HTML_TAG);
    expect(html).toContain('Phone: Smith &amp; Co &lt;ext. 5&gt;');
  });
});

describe('checkContext', () => {
  it('finds nothing wrong with a good context', () => {
    expect(checkNoticeContext(base)).toEqual([]);
    expect(checkNoticeContext({ ...base, locale: 'de-AT' })).toEqual([]);
  });

  it('lists what would render badly, for the operator before launch', () => {
    const problems = new NoticeRenderer(new TemplateEngine()).checkContext({
      ...base,
      messageId: '4711',
      tenantName: ' ',
      dataCategories: ['Names', 'Passwords'],
      recordCount: 0,
      incidentDate: 'yesterday',
      actionRequiredBy: '2022-02-30',
      support: { url: 'javascript:alert(1)', email: 'nobody' },
      inboxUrl: 'ftp://inbox.example.com',
      campaignRef: '',
      locale: 'fr-FR',
    });
    expect(problems).toEqual([
      'messageId "4711" is not "MC" followed by digits',
      'tenantName is empty',
      'campaignRef is empty',
      expect.stringContaining('data category "Passwords" is not one of'),
      'recordCount 0 is not a positive whole number',
      'incidentDate "yesterday" is not an ISO date',
      'actionRequiredBy "2022-02-30" is not an ISO date',
      'support URL "javascript:alert(1)" is not an absolute http(s) link; it would be shown as text',
      'support email "nobody" is not an email address',
      'inboxUrl "ftp://inbox.example.com" is not an absolute http(s) link; it would be shown as text',
    ]);
    // a locale without templates is a fallback, never a problem that stops a launch
    expect(checkNoticeContext({ ...base, locale: 'sv-SE' })).toEqual([]);
    expect(checkNoticeContext({ ...base, locale: '%%garbage%%' })).toEqual([]);
    expect(checkNoticeContext({ ...base, support: {} })).toEqual([
      'no support channel: give at least a support URL, phone or email',
    ]);
  });
});
