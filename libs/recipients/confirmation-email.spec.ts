import { ConfirmationEmailRenderer } from './confirmation-email.js';
import { hashConfirmationToken, isConfirmationToken, newConfirmationToken } from './confirmation-token.js';
import { TemplateEngine } from '../notices/template-engine.js';

const renderer = new ConfirmationEmailRenderer();
const input = {
  tenantName: 'Fabrikam <b>Capital</b> & Co',
  link: 'https://notify.example.com/inbox/recipients/confirm?token=abc_DEF-123',
  expiresAt: new Date('2026-12-09T10:00:00Z'),
};

describe('confirmation email', () => {
  it('ships strings for every notice template locale', () => {
    expect(renderer.locales()).toEqual(new TemplateEngine().availableLocales());
  });

  it('is written in the recipient language, with the link, and escapes the tenant name in HTML', () => {
    const de = renderer.render({ ...input, locale: 'de-DE' });
    expect(de.locale).toBe('de-DE');
    expect(de.subject).toMatch(/^Bestätigen Sie/);
    expect(de.html).toContain('<html lang="de-DE">');
    expect(de.html).toContain(`href="${input.link.replace(/=/g, '&#x3D;')}"`);
    expect(de.html).toContain('Fabrikam &lt;b&gt;Capital&lt;/b&gt; &amp; Co');
    expect(de.html).not.toContain('<b>Capital</b>');
    expect(de.text).toContain(input.link);
    expect(de.text).toContain('Fabrikam <b>Capital</b> & Co');
    expect(de.text).toContain('9. Dezember 2026');
  });

  it('falls back to en-US for a locale without strings', () => {
    const r = renderer.render({ ...input, locale: 'sv-SE' });
    expect(r.locale).toBe('en-US');
    expect(r.subject).toBe('Confirm that this address may receive data-privacy notifications');
  });

  it('tokens are random, 256 bits, and only their hash is a lookup key', () => {
    const a = newConfirmationToken();
    const b = newConfirmationToken();
    expect(a.token).not.toBe(b.token);
    expect(isConfirmationToken(a.token)).toBe(true);
    expect(a.hash).toBe(hashConfirmationToken(a.token));
    expect(a.hash).toMatch(/^[0-9a-f]{64}$/);
    for (const bad of ['', 'x', a.token + 'x', a.token.slice(1) + '=', `${a.token.slice(0, 42)}.`, 42, null])
      expect(isConfirmationToken(bad)).toBe(false);
  });
});
