import { parseTenantLine, type TenantLineResult } from './tenant-line.js';

const ID = '8dba4227-c384-425e-8b88-4bfa3fe03024';
const base = {
  tenantId: ID,
  name: 'Fabrikam Capital Corp.',
  aliases: ['Fabrikam Capital'],
  domains: ['fabrikamcapital.de', 'fabrikamcapital.com'],
  phones: ['+49 30 5550 1234'],
  contacts: [{ email: 'bjorn.costa@fabrikamcapital.de', name: 'Bjorn Costa', roles: ['GlobalAdmin'], locale: 'de-DE' }],
};
const line = (patch: Record<string, unknown> = {}) => JSON.stringify({ ...base, ...patch });
const reason = (r: TenantLineResult) => (r.ok ? `accepted: ${JSON.stringify(r.tenant)}` : r.reason);

describe('parseTenantLine', () => {
  it('accepts the CONTRACTS.md example and normalizes it', () => {
    const r = parseTenantLine(line());
    expect(r).toEqual({
      ok: true,
      tenant: {
        id: ID,
        name: 'Fabrikam Capital Corp.',
        aliases: ['Fabrikam Capital'],
        domains: ['fabrikamcapital.de', 'fabrikamcapital.com'],
        phones: ['+493055501234'],
        contacts: [{ email: 'bjorn.costa@fabrikamcapital.de', name: 'Bjorn Costa', roles: ['GlobalAdmin'], locale: 'de-DE' }],
      },
    });
  });

  it('normalizes case, IDN, trailing dots, duplicates, GUID case and locale', () => {
    const r = parseTenantLine(
      JSON.stringify({
        tenantId: ` ${ID.toUpperCase()} `,
        name: '  Bücher Haus GmbH ',
        domains: ['Bücher.DE.', 'xn--bcher-kva.de', 'Labs.Contoso-Books.com'],
        phones: ['+49 (30) 5550-1234', '0049 30 5550 1234'],
        contacts: [
          { email: '"Lena" <Lena@Bücher.de>', roles: ['GlobalAdmin', ' BillingAdmin '], locale: 'de-de' },
          { email: 'lena@xn--bcher-kva.de', roles: ['PrivacyReader', 'GlobalAdmin'] },
          { email: 'ops@bücher.de', roles: ['SomeFutureRole'] },
        ],
        unknownField: 1,
      }),
    );
    expect(r).toEqual({
      ok: true,
      tenant: {
        id: ID,
        name: 'Bücher Haus GmbH',
        aliases: [],
        domains: ['xn--bcher-kva.de', 'labs.contoso-books.com'],
        phones: ['+493055501234'],
        contacts: [
          { email: 'lena@xn--bcher-kva.de', name: null, roles: ['GlobalAdmin', 'BillingAdmin', 'PrivacyReader'], locale: 'de-DE' },
          { email: 'ops@xn--bcher-kva.de', name: null, roles: ['SomeFutureRole'], locale: 'en-US' },
        ],
      },
    });
  });

  it('accepts a tenant with only id and name, and a GUID of any version', () => {
    const r = parseTenantLine(JSON.stringify({ tenantId: '00000000-0000-0000-0000-000000000001', name: 'Tiny' }));
    expect(r).toEqual({ ok: true, tenant: { id: '00000000-0000-0000-0000-000000000001', name: 'Tiny', aliases: [], domains: [], phones: [], contacts: [] } });
  });

  it('accepts a subdomain of a private-suffix platform and a legitimate non-Latin IDN', () => {
    const r = parseTenantLine(line({ domains: ['contoso.github.io', 'пример.рф', 'contoso.onmicrosoft.com'] }));
    expect(r.ok && r.tenant.domains).toEqual(['contoso.github.io', 'xn--e1afmkfd.xn--p1ai', 'contoso.onmicrosoft.com']);
  });

  it.each<[string, string, string]>([
    ['broken JSON', '{not json', 'not valid JSON'],
    ['an array', '[1,2]', 'not a JSON object'],
    ['a string', '"x"', 'not a JSON object'],
    ['null', 'null', 'not a JSON object'],
    ['no tenantId', JSON.stringify({ name: 'x' }), 'tenantId: required'],
    ['tenantId a number', line({ tenantId: 42 }), 'tenantId: expected a string'],
    ['malformed GUID', line({ tenantId: 'not-a-guid' }), 'tenantId: "not-a-guid" is not a GUID'],
    ['GUID without hyphens', line({ tenantId: '8dba4227c384425e8b884bfa3fe03024' }), 'is not a GUID'],
    ['non-hex GUID', line({ tenantId: '8dba4227-c384-425e-8b88-4bfa3fe0302g' }), 'is not a GUID'],
    ['nil GUID', line({ tenantId: '00000000-0000-0000-0000-000000000000' }), 'tenantId: the nil GUID is not a tenant'],
    ['no name', line({ name: undefined }), 'name: required'],
    ['blank name', line({ name: '   ' }), 'name: required'],
    ['long name', line({ name: 'x'.repeat(501) }), 'name: longer than 500 characters'],
    ['control character in name', line({ name: 'a\u0000b' }), 'name: control characters'],
    ['aliases not an array', line({ aliases: 'Fabrikam' }), 'aliases: expected an array'],
    ['long alias', line({ aliases: ['ok', 'x'.repeat(501)] }), 'aliases[1]: longer than 500 characters'],
    ['domains not an array', line({ domains: 'fabrikam.com' }), 'domains: expected an array'],
    ['invalid domain', line({ domains: ['fabrikamcapital.de', 'not a domain'] }), 'domains[1] "not a domain": not a valid domain name'],
    ['single label', line({ domains: ['fabrikam'] }), 'domains[0] "fabrikam": not a valid domain name'],
    ['TLD', line({ domains: ['com'] }), 'domains[0] "com": is a public suffix'],
    ['public suffix', line({ domains: ['co.uk'] }), 'domains[0] "co.uk": is a public suffix'],
    ['private public suffix', line({ domains: ['github.io'] }), 'domains[0] "github.io": is a public suffix'],
    ['free mail', line({ domains: ['gmail.com'] }), 'domains[0] "gmail.com": is a free-mail domain'],
    ['free-mail brand', line({ domains: ['Hotmail.co.uk'] }), 'domains[0] "Hotmail.co.uk": is a free-mail domain'],
    ['free-mail subdomain', line({ domains: ['eu.outlook.com'] }), 'domains[0] "eu.outlook.com": is a free-mail domain'],
    ['mixed script', line({ domains: ['cоntoso.com'] }), 'domains[0] "cоntoso.com": mixes scripts or contains confusable characters'],
    ['mixed script as punycode', line({ domains: ['xn--cntoso-wqf.com'] }), 'mixes scripts or contains confusable characters'],
    ['whole-Cyrillic look-alike', line({ domains: ['раураl.com'] }), 'mixes scripts or contains confusable characters'],
    ['zero-width space', line({ domains: ['con\u200btoso.com'] }), 'not a valid domain name'],
    ['operator domain', line({ domains: ['microsoft.com'] }), 'domains[0] "microsoft.com": is an operator domain'],
    ['operator subdomain', line({ domains: ['Labs.Microsoft.com'] }), 'domains[0] "Labs.Microsoft.com": is an operator domain'],
    ['garbage phone', line({ phones: ['+49 30 5550 1234', 'call me'] }), 'phones[1] "call me": not a valid phone number with country code'],
    ['phone without country code', line({ phones: ['030 5550 1234'] }), 'phones[0] "030 5550 1234": not a valid phone number with country code'],
    ['phone a number', line({ phones: [4930555] }), 'phones[0]: expected a string'],
    ['contact without email', line({ contacts: [{ name: 'x' }] }), 'contacts[0].email: required'],
    ['bad email', line({ contacts: [{ email: 'bjorn.costa' }] }), 'contacts[0].email "bjorn.costa": not a valid email address'],
    ['second contact bad', line({ contacts: [{ email: 'a@x.com' }, { email: 'b c@x.com' }] }), 'contacts[1].email "b c@x.com": not a valid email address'],
    ['roles not an array', line({ contacts: [{ email: 'a@x.com', roles: 'GlobalAdmin' }] }), 'contacts[0].roles: expected an array'],
    ['role not a string', line({ contacts: [{ email: 'a@x.com', roles: [1] }] }), 'contacts[0].roles[0]: expected a string'],
    ['bad locale', line({ contacts: [{ email: 'a@x.com', locale: 'not a locale!' }] }), 'contacts[0].locale "not a locale!": not a BCP-47 language tag'],
    ['control character in contact name', line({ contacts: [{ email: 'a@x.com', name: 'a\u0007' }] }), 'contacts[0].name: control characters'],
    ['too many domains', line({ domains: Array.from({ length: 1001 }, (_, i) => `d${i}.com`) }), 'domains: more than 1000 entries'],
  ])('rejects %s', (_why, input, expected) => {
    const r = parseTenantLine(input, { operatorDomains: ['microsoft.com'] });
    expect(r.ok).toBe(false);
    expect(reason(r)).toContain(expected);
  });

  it('defaults the locale to en-US and keeps unknown roles', () => {
    const r = parseTenantLine(line({ contacts: [{ email: 'a@x.com', roles: ['Custom'], locale: '' }] }));
    expect(r.ok && r.tenant.contacts).toEqual([{ email: 'a@x.com', name: null, roles: ['Custom'], locale: 'en-US' }]);
  });

  it('accepts free-mail contact addresses (only domains are restricted)', () => {
    const r = parseTenantLine(line({ contacts: [{ email: 'Founder@Gmail.com', roles: ['GlobalAdmin'] }] }));
    expect(r.ok && r.tenant.contacts[0]!.email).toBe('founder@gmail.com');
  });

  it('rejects an operator domain given in Unicode or upper case in the configuration too', () => {
    expect(parseTenantLine(line({ domains: ['bücher.de'] }), { operatorDomains: ['BÜCHER.de'] })).toEqual({
      ok: false,
      reason: 'domains[0] "bücher.de": is an operator domain',
    });
    // label-wise: notmicrosoft.com is not microsoft.com
    expect(parseTenantLine(line({ domains: ['notmicrosoft.com'] }), { operatorDomains: ['microsoft.com'] }).ok).toBe(true);
  });
});
