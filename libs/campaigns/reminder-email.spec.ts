import { readdirSync } from 'node:fs';
import { NoticeRenderer } from '../notices/notice-renderer.js';
import { TemplateEngine } from '../notices/template-engine.js';
import { REMINDER_WORDS, renderReminderEmail, reminderDate } from './reminder-email.js';

const renderer = new NoticeRenderer(new TemplateEngine());
const SHIPPED = readdirSync(new URL('../notices/templates/', import.meta.url), { withFileTypes: true })
  .filter((d) => d.isDirectory())
  .map((d) => d.name)
  .sort();
const actBy = new Date('2026-12-10T00:00:00Z');
const input = (over: Partial<Parameters<typeof renderReminderEmail>[1]> = {}) => ({
  noticeId: 'MC1042',
  locale: 'en-US',
  actionRequiredBy: actBy,
  support: { url: 'https://support.example.com/exposure', phone: '+1 425 555 0100', email: 'privacy@example.com' },
  publicBaseUrl: 'https://notify.example.com/',
  ...over,
});

describe('renderReminderEmail', () => {
  it('has words for every shipped template locale, each naming the notice and the date', () => {
    expect(Object.keys(REMINDER_WORDS).sort()).toEqual(SHIPPED);
    expect(SHIPPED).toHaveLength(9);
    for (const locale of SHIPPED) {
      const e = renderReminderEmail(renderer, input({ locale }));
      const day = reminderDate(locale, actBy);
      expect(e.subject).toContain('MC1042');
      expect(e.subject).toContain(day);
      expect(e.text).toContain(day);
      expect(e.text).toContain('https://notify.example.com/inbox');
      expect(e.html).toContain('<a href="https://notify.example.com/inbox">');
      expect(e.html).toContain(`lang="${locale}"`);
      // every sentence is the locale's own, none left in English
      if (locale !== 'en-US') expect(e.text).not.toContain(REMINDER_WORDS['en-US']!.footer);
    }
  });

  it('falls back within the language, then to en-US, as the notice email does', () => {
    expect(renderReminderEmail(renderer, input({ locale: 'de-AT' })).subject).toMatch(/^Erinnerung: /);
    expect(renderReminderEmail(renderer, input({ locale: 'ko-KR' })).subject).toMatch(/^Reminder: /);
  });

  it('writes the date as the calendar day in UTC, in the reader language', () => {
    expect(reminderDate('en-US', actBy)).toBe('December 10, 2026');
    expect(reminderDate('de-DE', actBy)).toBe('10. Dezember 2026');
    expect(reminderDate('ja-JP', actBy)).toBe('2026年12月10日');
  });

  it('never lets a support value form markup or a script link', () => {
    const e = renderReminderEmail(
      renderer,
      input({
        support: {
          url: 'javascript:alert(1)',
          phone: '<img src=x onerror=alert(1)>',
          email: 'x@y.z?bcc=all@evil.example',
        },
      }),
    );
    expect(e.html).not.toMatch(/<img|href="javascript|href="mailto:x@y\.z\?/);
    expect(e.html).toContain('&lt;img src=x onerror=alert(1)&gt;');
    expect(e.text).not.toContain('<img');
  });

  it('reads `$` in a value as text, not as a replacement pattern', () => {
    expect(renderReminderEmail(renderer, input({ noticeId: "MC1$'$&" })).subject).toContain("MC1$'$&");
  });
});
