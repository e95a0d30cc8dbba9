import { normalizeEmail } from './email.js';

describe('normalizeEmail', () => {
  it.each([
    ['lena.horvat@contoso.com', 'lena.horvat@contoso.com'],
    ['  Lena.Horvat@Contoso.COM ', 'lena.horvat@contoso.com'],
    ['<lena@contoso.com>', 'lena@contoso.com'],
    ['"Lena" <lena@x.com>', 'lena@x.com'],
    ['Lena Horvat <LENA@X.COM>', 'lena@x.com'],
    ['"Horvat, Lena <CEO>" <lena@x.com>', 'lena@x.com'],
    ['mailto:Lena@Contoso.com', 'lena@contoso.com'],
    ['lena@contoso.com.', 'lena@contoso.com'],
    ['lena@bücher.de', 'lena@xn--bcher-kva.de'],
    ['ｌｅｎａ@ｃｏｎｔｏｓｏ.ｃｏｍ', 'lena@contoso.com'], // NFKC
    ['lena+news@contoso.com', 'lena+news@contoso.com'], // no plus stripping
    ['l.e.n.a@gmail.com', 'l.e.n.a@gmail.com'], // no dot stripping
    ['ÅSA@contoso.se', 'åsa@contoso.se'],
  ])('%j → %j', (raw, address) => {
    expect(normalizeEmail(raw)?.address).toBe(address);
  });

  it('splits local part and ASCII domain', () => {
    expect(normalizeEmail('Lena@Bücher.de')).toEqual({
      address: 'lena@xn--bcher-kva.de',
      local: 'lena',
      domain: 'xn--bcher-kva.de',
    });
  });

  it('still normalizes an address at a mixed-script domain (attribution decides)', () => {
    expect(normalizeEmail('lena@cоntoso.com')).toEqual({
      address: 'lena@xn--cntoso-wqf.com',
      local: 'lena',
      domain: 'xn--cntoso-wqf.com',
    });
  });

  it.each([
    ['', 'empty'],
    ['lena.contoso.com', 'no @'],
    ['@contoso.com', 'empty local part'],
    ['lena@', 'empty domain'],
    ['lena@contoso', 'one-label domain'],
    ['lena@co.uk.', 'fine: co.uk is a domain name, only attribution cares'],
    ['le na@contoso.com', 'space inside'],
    ['lena@con toso.com', 'space in the domain'],
    ['lena\t@contoso.com', 'tab'],
    ['lena\u0000@contoso.com', 'NUL'],
    ['le\u200Bna@contoso.com', 'zero-width space'],
    ['lena@contoso.com\u0007', 'bell'],
    ['a@b@contoso.com', 'two @'],
    ['"Lena" <lena@x.com>, "Bob" <bob@y.com>', 'a list of addresses'],
    ['<lena@x.com', 'unbalanced bracket'],
    [`${'a'.repeat(310)}@contoso.com`, 'over 320 characters'],
    ['lena@contoso.com/x', 'not a domain'],
  ])('%j is rejected (%s)', (raw, why) => {
    if (why.startsWith('fine')) expect(normalizeEmail(raw)?.address).toBe('lena@co.uk');
    else expect(normalizeEmail(raw)).toBeNull();
  });
});

describe('normalizeEmail memo', () => {
  it('hands out copies, so a caller changing one cannot change the next answer', () => {
    const a = normalizeEmail('Memo@Contoso.com')!;
    a.address = 'changed';
    expect(normalizeEmail('Memo@Contoso.com')).toEqual({
      address: 'memo@contoso.com',
      local: 'memo',
      domain: 'contoso.com',
    });
  });
});
