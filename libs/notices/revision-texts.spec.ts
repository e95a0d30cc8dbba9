import { TemplateEngine } from './template-engine.js';
import {
  REVISION_STRINGS,
  renderUpdateEmail,
  renderWithdrawalEmail,
  updateMarkdown,
  updateSectionHtml,
  withdrawnNotice,
  withTag,
  withUpdate,
} from './revision-texts.js';

const AT = new Date('2026-12-02T09:30:00Z');

describe('revision texts', () => {
  it('has every string in every shipped template locale, each a real translation (not the English one)', () => {
    const shipped = new TemplateEngine().availableLocales();
    expect(Object.keys(REVISION_STRINGS).sort()).toEqual([...shipped].sort());
    const en = REVISION_STRINGS['en-US']!;
    for (const locale of shipped) {
      const s = REVISION_STRINGS[locale]!;
      expect(Object.keys(s).sort()).toEqual(Object.keys(en).sort());
      for (const [key, value] of Object.entries(s)) {
        expect(value.trim()).not.toBe('');
        // the same placeholders as the English string
        expect(value.match(/\{\w+\}/g)?.sort()).toEqual(en[key as keyof typeof en].match(/\{\w+\}/g)?.sort());
        if (locale !== 'en-US') expect(value).not.toBe(en[key as keyof typeof en]);
      }
    }
  });

  it('dates the update section in the locale, in UTC, and renders the words safely', () => {
    const html = updateSectionHtml('de-DE', AT, {
      'en-US': 'x',
      'de-DE': 'Wir fanden **mehr**. <script>alert(1)</script> [x](javascript:alert(1))',
    });
    expect(html).toContain('Aktualisierung vom 2. Dezember 2026');
    expect(html).toContain('<strong>mehr</strong>');
    expect(html).not.toContain('<script>');
    // the unsafe link is shown as text, never as a link
    expect(html).not.toContain('<a ');
    expect(html).toContain('lang="de-DE"');
    expect(updateSectionHtml('ja-JP', AT, { 'en-US': 'x' })).toContain('2026年12月2日 の更新');
  });

  it('falls back to the en-US words in a locale the update has none in', () => {
    expect(updateMarkdown({ 'en-US': 'english' }, 'fr-FR')).toBe('english');
    expect(updateMarkdown({ 'en-US': 'english', 'fr-FR': 'français' }, 'fr-FR')).toBe('français');
    expect(updateSectionHtml('fr-FR', AT, { 'en-US': 'english' })).toMatch(
      /Mise à jour du 2 décembre 2026[\s\S]*english/,
    );
  });

  it('puts each update above the ones before it (newest first) and adds a tag once', () => {
    const once = withUpdate('<div>notice</div>', 'en-US', new Date('2026-12-01T00:00:00Z'), { 'en-US': 'first' });
    const twice = withUpdate(once, 'en-US', AT, { 'en-US': 'second' });
    expect(twice.indexOf('second')).toBeLessThan(twice.indexOf('first'));
    expect(twice.indexOf('first')).toBeLessThan(twice.indexOf('<div>notice</div>'));
    expect(withTag(['Data privacy'], 'Updated message')).toEqual(['Data privacy', 'Updated message']);
    expect(withTag(['Data privacy', 'Updated message'], 'Updated message')).toEqual([
      'Data privacy',
      'Updated message',
    ]);
    expect(withTag(null, 'Withdrawn')).toEqual(['Withdrawn']);
  });

  it('says a withdrawn notice was sent in error, quoting its id, in its locale', () => {
    const fr = withdrawnNotice('fr-FR', 'MC1000042');
    expect(fr.title).toContain('envoyée par erreur');
    expect(fr.bodyHtml).toContain('MC1000042');
    expect(fr.bodyHtml).toContain('Vous n’êtes pas concerné');
    expect(withdrawnNotice('xx-XX', 'MC1').title).toBe(REVISION_STRINGS['en-US']!.withdrawnTitle);
  });

  it('update and withdrawal emails carry no tag a client could render, and link the inbox', () => {
    const u = renderUpdateEmail({
      noticeId: 'MC7',
      locale: 'nl-NL',
      publicBaseUrl: 'https://notify.example.com/',
      texts: { 'en-US': 'Read <b>this</b> & <https://support.example.com>' },
    });
    expect(u.subject).toBe('Update van de privacymelding MC7 in uw Berichtencentrum');
    expect(u.text).toContain('https://notify.example.com/inbox');
    expect(u.text).not.toMatch(/[<>]/);
    expect(u.html).not.toContain('<b>this</b>');
    expect(u.html).toContain('&lt;b&gt;');
    const w = renderWithdrawalEmail({ noticeId: 'MC7', locale: 'pt-BR', publicBaseUrl: 'https://notify.example.com' });
    expect(w.subject).toContain('enviado por engano');
    expect(w.text).toContain('MC7');
    expect(w.html).toContain('href="https://notify.example.com/inbox"');
  });
});
