import { canonicalLocale, cleanText, isoDateTime, mailLink, plainText, webLink } from './notice-values.js';

describe('webLink', () => {
  it('links absolute http and https URLs, normalized', () => {
    expect(webLink('https://support.example.com/privacy')).toEqual({
      href: 'https://support.example.com/privacy',
      text: 'https://support.example.com/privacy',
    });
    expect(webLink(' HTTP://Support.Example.com ')).toEqual({
      href: 'http://support.example.com/',
      text: 'http://support.example.com/',
    });
    // the serialized URL is percent-encoded: nothing in it can leave an attribute
    expect(webLink('https://x.example/a"b<c>d e`f')?.href).toBe('https://x.example/a%22b%3Cc%3Ed%20e%60f');
  });

  it.each([
    'javascript:alert(1)',
    'JaVaScRiPt:alert(1)',
    '\tjavascript:alert(1)',
    'java\u0000script:alert(1)',
    'data:text/html,<script>alert(1)</script>',
    'vbscript:msgbox(1)',
    'file:///etc/passwd',
    '//evil.example/x',
    '/relative/path',
    'support.example.com',
    'https://support.example.com@evil.example/',
    'https://user:pw@support.example.com/',
  ])('leaves %j as inert text', (raw) => {
    const link = webLink(raw);
    expect(link?.href).toBeNull();
    expect(link?.text).toBe(cleanText(raw));
  });

  it('is null for nothing', () => {
    expect(webLink(undefined)).toBeNull();
    expect(webLink(null)).toBeNull();
    expect(webLink('   ')).toBeNull();
  });
});

describe('mailLink', () => {
  it('links a plain address', () => {
    expect(mailLink('privacy@example.com')).toEqual({
      href: 'mailto:privacy@example.com',
      text: 'privacy@example.com',
    });
  });
  it.each([
    'privacy@example.com?bcc=evil@example.net',
    'a@b',
    'not an address',
    '"x"@example.com',
    'a@example.com&cc=x',
    'javascript:alert(1)//@x.com',
  ])('leaves %j as inert text', (raw) => {
    expect(mailLink(raw)?.href).toBeNull();
  });
});

describe('isoDateTime', () => {
  it.each([
    ['2022-09-24', '2022-09-24T00:00:00.000Z'],
    ['2022-09-24T10:30:00Z', '2022-09-24T10:30:00.000Z'],
    ['2022-09-24T10:30:00+02:00', '2022-09-24T08:30:00.000Z'],
    ['2022-09-24T10:30', '2022-09-24T10:30:00.000Z'],
    ['2024-02-29', '2024-02-29T00:00:00.000Z'],
  ])('accepts %s', (raw, iso) => {
    expect(isoDateTime(raw)).toBe(iso);
  });
  it.each([
    '1',
    '2022',
    'September 24, 2022',
    '2022-02-30',
    '2023-02-29',
    '2022-13-01',
    '2022-09-24T25:00:00Z',
    '',
    null,
    undefined,
    20220924,
  ])('refuses %j', (raw) => {
    expect(isoDateTime(raw)).toBeNull();
  });
});

describe('text cleaning', () => {
  it('turns controls, line breaks and bidi overrides into single spaces', () => {
    expect(cleanText(' Contoso\r\nLtd\u202e\u0007 ')).toBe('Contoso Ltd');
    expect(cleanText(42)).toBe('');
  });
  it('plain text cannot form a tag', () => {
    expect(plainText('<script>alert(1)</script>')).toBe('\u2039script\u203aalert(1)\u2039/script\u203a');
  });
  it('canonicalizes locales and refuses junk', () => {
    expect(canonicalLocale('de-at')).toBe('de-AT');
    expect(canonicalLocale('../../etc')).toBeNull();
    expect(canonicalLocale('')).toBeNull();
  });
});
