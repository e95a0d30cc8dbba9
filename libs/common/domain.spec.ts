import {
  domainSuffixes,
  isFreeMailDomain,
  isMixedScriptOrConfusable,
  isPublicSuffix,
  registrableDomain,
  toAsciiDomain,
} from './domain.js';
import { FREE_MAIL_DOMAINS } from './free-mail-domains.js';

describe('toAsciiDomain', () => {
  it.each([
    ['contoso.com', 'contoso.com'],
    ['  Contoso.COM  ', 'contoso.com'],
    ['contoso.com.', 'contoso.com'],
    ['bücher.de', 'xn--bcher-kva.de'],
    ['BÜCHER.de', 'xn--bcher-kva.de'],
    ['xn--bcher-kva.de', 'xn--bcher-kva.de'],
    ['ＣＯＮＴＯＳＯ．ｃｏｍ', 'contoso.com'], // full-width, folded by NFKC
    ['пример.рф', 'xn--e1afmkfd.xn--p1ai'],
    ['例え.jp', 'xn--r8jz45g.jp'],
    ['labs.contoso.co.uk', 'labs.contoso.co.uk'],
    ['cоntoso.com', 'xn--cntoso-wqf.com'], // still a domain; confusable is a separate question
    ['a-b.c0.io', 'a-b.c0.io'],
  ])('%j → %j', (raw, ascii) => {
    expect(toAsciiDomain(raw)).toBe(ascii);
  });

  it.each([
    ['', 'empty'],
    ['   ', 'blank'],
    ['com', 'one label'],
    ['contoso.com..', 'two trailing dots'],
    ['a..com', 'empty label'],
    ['-contoso.com', 'leading hyphen'],
    ['contoso-.com', 'trailing hyphen'],
    ['con toso.com', 'inner space'],
    ['_dmarc.contoso.com', 'underscore'],
    ['contoso.com/path', 'slash'],
    ['lena@contoso.com', 'an address'],
    ['ex%41mple.com', 'percent-encoding'],
    ['1.2.3.4', 'IPv4 address'],
    ['0x7f.1', 'IPv4 in hex'],
    ['[::1]', 'IPv6 literal'],
    [`${'a'.repeat(64)}.com`, 'label over 63'],
    [`${'a.'.repeat(127)}com`, 'over 253 characters'],
    ['xn--zz.com', 'broken punycode'],
    ['con\u200Dtoso.com', 'zero-width joiner'],
    ['con\u200Btoso.com', 'zero-width space (IDNA would drop it silently)'],
    ['con\u00ADtoso.com', 'soft hyphen (IDNA would drop it silently)'],
  ])('%j is not a domain (%s)', (raw) => {
    expect(toAsciiDomain(raw)).toBeNull();
  });

  it('accepts a 63-character label and a 253-character name', () => {
    expect(toAsciiDomain(`${'a'.repeat(63)}.com`)).toBe(`${'a'.repeat(63)}.com`);
    const long = `${'abcdefghi.'.repeat(24)}abcdefghi.com`; // 253 characters
    expect(long).toHaveLength(253);
    expect(toAsciiDomain(long)).toBe(long);
  });
});

describe('registrableDomain and isPublicSuffix', () => {
  it.each([
    ['contoso.com', 'contoso.com'],
    ['labs.contoso.com', 'contoso.com'],
    ['a.labs.contoso.co.uk', 'contoso.co.uk'],
    ['notcontoso.com', 'notcontoso.com'],
    ['x.github.io', 'x.github.io'], // private suffix: each user's site is its own domain
    ['contoso.azurewebsites.net', 'contoso.azurewebsites.net'],
    ['contoso.onmicrosoft.com', 'contoso.onmicrosoft.com'],
    ['xn--e1afmkfd.xn--p1ai', 'xn--e1afmkfd.xn--p1ai'],
  ])('%s → %s', (d, r) => {
    expect(registrableDomain(d)).toBe(r);
  });

  it.each(['com', 'co.uk', 'github.io', 'onmicrosoft.com', 'xn--p1ai'])(
    '%s is a public suffix with no registrable domain',
    (d) => {
      expect(isPublicSuffix(d)).toBe(true);
      expect(registrableDomain(d)).toBeNull();
    },
  );

  it.each(['contoso.com', 'contoso.co.uk', 'labs.contoso.com', 'x.github.io', 'uk.com.contoso.de'])(
    '%s is not a public suffix',
    (d) => {
      expect(isPublicSuffix(d)).toBe(false);
    },
  );

  it('counts listed suffixes only, wildcard rules included', () => {
    expect(isPublicSuffix('ck')).toBe(true); // *.ck
    expect(isPublicSuffix('anything.ck')).toBe(true);
    expect(isPublicSuffix('fabrikam')).toBe(false); // unlisted top-level label
    expect(isPublicSuffix('internal')).toBe(false);
    expect(isPublicSuffix('COM.')).toBe(true);
  });

  it('is false for an empty string', () => {
    expect(isPublicSuffix('')).toBe(false);
    expect(registrableDomain('')).toBeNull();
  });
});

describe('domainSuffixes', () => {
  it('lists the domain and its parents down to the registrable domain', () => {
    expect(domainSuffixes('a.labs.contoso.co.uk')).toEqual([
      'a.labs.contoso.co.uk',
      'labs.contoso.co.uk',
      'contoso.co.uk',
    ]);
    expect(domainSuffixes('labs.contoso.com')).toEqual(['labs.contoso.com', 'contoso.com']);
    expect(domainSuffixes('contoso.com')).toEqual(['contoso.com']);
  });

  it('works on labels, never on string suffixes', () => {
    expect(domainSuffixes('notcontoso.com')).toEqual(['notcontoso.com']);
    expect(domainSuffixes('notcontoso.com')).not.toContain('contoso.com');
    expect(domainSuffixes('mail.notcontoso.com')).toEqual(['mail.notcontoso.com', 'notcontoso.com']);
  });

  it('is empty for a public suffix, and stops before private suffixes', () => {
    expect(domainSuffixes('com')).toEqual([]);
    expect(domainSuffixes('co.uk')).toEqual([]);
    expect(domainSuffixes('a.x.github.io')).toEqual(['a.x.github.io', 'x.github.io']);
    expect(domainSuffixes('')).toEqual([]);
    expect(domainSuffixes('a..com')).toEqual([]);
  });
});

describe('isFreeMailDomain', () => {
  it.each([
    'gmail.com',
    'googlemail.com',
    'outlook.com',
    'hotmail.com',
    'hotmail.co.uk',
    'hotmail.fr',
    'live.com',
    'live.co.uk',
    'msn.com',
    'yahoo.com',
    'yahoo.co.jp',
    'icloud.com',
    'me.com',
    'aol.com',
    'gmx.de',
    'gmx.net',
    'web.de',
    'proton.me',
    'protonmail.com',
    'mail.ru',
    'yandex.ru',
    'yandex.com.tr',
    'qq.com',
    '163.com',
  ])('%s is free mail', (d) => {
    expect(isFreeMailDomain(d)).toBe(true);
  });

  it('counts subdomains of a free-mail domain', () => {
    expect(isFreeMailDomain('mail.gmail.com')).toBe(true);
    expect(isFreeMailDomain('eu.mail.hotmail.co.uk')).toBe(true);
  });

  it.each([
    'contoso.com',
    'notgmail.com',
    'gmail.contoso.com',
    'gmail.com.contoso.de',
    'outlookconsulting.com',
    'live.tv',
    'webde.com',
  ])('%s is not free mail', (d) => {
    expect(isFreeMailDomain(d)).toBe(false);
  });

  it('lists only registrable domains, already normalized', () => {
    for (const d of FREE_MAIL_DOMAINS) {
      expect(toAsciiDomain(d)).toBe(d);
      expect(registrableDomain(d)).toBe(d);
    }
  });
});

describe('isMixedScriptOrConfusable', () => {
  it.each([
    ['contoso.com', 'plain ASCII'],
    ['labs.contoso.co.uk', 'plain ASCII with subdomain'],
    ['bücher.de', 'Latin with a diacritic'],
    ['xn--bcher-kva.de', 'the same in punycode'],
    ['пример.рф', 'all Cyrillic, not Latin look-alikes'],
    ['xn--e1afmkfd.xn--p1ai', 'the same in punycode'],
    ['сахар.рф', 'Cyrillic look-alikes under a Cyrillic top-level domain'],
    ['例え.jp', 'Han with Hiragana (Japanese)'],
    ['日本語.jp', 'Han'],
    ['한국.kr', 'Hangul'],
    ['abc中文.com', 'Latin with Han'],
    ['παράδειγμα.ελ', 'Greek'],
    ['', 'empty'],
  ])('%j is not confusable (%s)', (d) => {
    expect(isMixedScriptOrConfusable(d)).toBe(false);
  });

  it.each([
    ['cоntoso.com', 'Latin with one Cyrillic о'],
    ['xn--cntoso-wqf.com', 'the same in punycode'],
    ['соntoso.com', 'Cyrillic со with Latin ntoso'],
    ['раураl.com', 'whole-Cyrillic look-alike of paypal'],
    ['сахар.com', 'whole-Cyrillic look-alike under a Latin TLD'],
    ['хе.com', 'whole-Cyrillic look-alike'],
    ['ορυρ.com', 'whole-Greek look-alike'],
    ['cοntoso.com', 'Latin with a Greek omicron'],
    ['con\u200Dtoso.com', 'zero-width joiner'],
    ['con\u200Btoso.com', 'zero-width space'],
    ['con\u00ADtoso.com', 'soft hyphen'],
    ['contoso\u202E.com', 'bidi override'],
    ['ɡoogle.com', 'Latin script g (IPA)'],
    ['xn--zz.com', 'punycode that does not decode'],
  ])('%j is confusable (%s)', (d) => {
    expect(isMixedScriptOrConfusable(d)).toBe(true);
  });

  it('agrees before and after normalization', () => {
    for (const d of ['cоntoso.com', 'соntoso.com', 'пример.рф', 'bücher.de', 'contoso.com']) {
      expect(isMixedScriptOrConfusable(toAsciiDomain(d)!)).toBe(isMixedScriptOrConfusable(d));
    }
  });
});
