import { foldName, normalizeCompanyName } from './normalize-text.js';

describe('foldName', () => {
  it('trims, collapses whitespace, applies NFKC and lower-cases', () => {
    expect(foldName('  Lena   Horvat\t\n ')).toBe('lena horvat');
    expect(foldName('ＬＥＮＡ Horvat')).toBe('lena horvat');
    expect(foldName('Björn\u00a0Costa')).toBe('björn costa');
    expect(foldName('')).toBe('');
  });
});

describe('normalizeCompanyName', () => {
  it.each([
    ['Fabrikam Capital Corp.', 'fabrikam capital'],
    ['FABRIKAM CAPITAL', 'fabrikam capital'],
    ['Fabrikam Capital Corporation', 'fabrikam capital'],
    ['Contoso Ltd', 'contoso'],
    ['Contoso Ltd.', 'contoso'],
    ['Contoso Limited', 'contoso'],
    ['Contoso, Inc.', 'contoso'],
    ['Contoso Incorporated', 'contoso'],
    ['Contoso LLC', 'contoso'],
    ['Contoso L.L.C.', 'contoso'],
    ['Contoso Pty Ltd', 'contoso'],
    ['Contoso PLC', 'contoso'],
    ['Müller GmbH', 'muller'],
    ['Müller GmbH & Co. KG', 'muller'],
    ['Müller und Co. KG', 'muller'],
    ['Fabrikam & Co', 'fabrikam'],
    ['Siemens AG', 'siemens'],
    ['Société Générale S.A.', 'societe generale'],
    ['Société Générale SA', 'societe generale'],
    ['Contoso SAS', 'contoso'],
    ['Contoso SARL', 'contoso'],
    ['Contoso B.V.', 'contoso'],
    ['Contoso BV', 'contoso'],
    ['Contoso N.V.', 'contoso'],
    ['Contoso Oy', 'contoso'],
    ['Contoso AB', 'contoso'],
    ['A.P. Møller - Mærsk A/S', 'ap moller maersk'],
    ['Contoso S.p.A.', 'contoso'],
    ['Contoso S.r.l.', 'contoso'],
    ['Contoso S.A. de C.V.', 'contoso'],
    ['Northwind sp. z o.o.', 'northwind'],
    ['Straße AG', 'strasse'],
    ['  Contoso   Labs  ', 'contoso labs'],
  ])('%j → %j', (raw, out) => {
    expect(normalizeCompanyName(raw)).toBe(out);
  });

  it('removes legal forms only at the end', () => {
    expect(normalizeCompanyName('Inc Magazine Group')).toBe('inc magazine group');
    expect(normalizeCompanyName('AG Barr Ltd')).toBe('ag barr');
  });

  it('keeps a name that is only a legal form', () => {
    expect(normalizeCompanyName('Ltd')).toBe('ltd');
    expect(normalizeCompanyName('Co. Ltd')).toBe('co');
    expect(normalizeCompanyName('...')).toBe('');
  });
});
