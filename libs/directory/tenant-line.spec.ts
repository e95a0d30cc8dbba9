import { parseTenantLine, type TenantInput, type TenantLineResult } from './tenant-line.js';

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
  it('accepts the example of docs/contracts.md and normalizes it', () => {
    const r = parseTenantLine(line());
    expect(r).toEqual({
      ok: true,
      warnings: [],
      tenant: {
        id: ID,
        name: 'Fabrikam Capital Corp.',
        aliases: ['Fabrikam Capital'],
        domains: ['fabrikamcapital.de', 'fabrikamcapital.com'],
        phones: ['+493055501234'],
        contacts: [
          { email: 'bjorn.costa@fabrikamcapital.de', name: 'Bjorn Costa', roles: ['GlobalAdmin'], locale: 'de-DE' },
        ],
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
      warnings: [],
      tenant: {
        id: ID,
        name: 'Bücher Haus GmbH',
        aliases: [],
        domains: ['xn--bcher-kva.de', 'labs.contoso-books.com'],
        phones: ['+493055501234'],
        contacts: [
          {
            email: 'lena@xn--bcher-kva.de',
            name: null,
            roles: ['GlobalAdmin', 'BillingAdmin', 'PrivacyReader'],
            locale: 'de-DE',
          },
          { email: 'ops@xn--bcher-kva.de', name: null, roles: ['SomeFutureRole'], locale: 'en-US' },
        ],
      },
    });
  });

  it('accepts a tenant with only id and name, and a GUID of any version', () => {
    const r = parseTenantLine(JSON.stringify({ tenantId: '00000000-0000-0000-0000-000000000001', name: 'Tiny' }));
    expect(r).toEqual({
      ok: true,
      warnings: [],
      tenant: {
        id: '00000000-0000-0000-0000-000000000001',
        name: 'Tiny',
        aliases: [],
        domains: [],
        phones: [],
        contacts: [],
      },
    });
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
    ['tenantId null', line({ tenantId: null }), 'tenantId: required'],
    ['tenantId a number', line({ tenantId: 42 }), 'tenantId: expected a string'],
    ['malformed GUID', line({ tenantId: 'not-a-guid' }), 'tenantId: "not-a-guid" is not a GUID'],
    ['GUID without hyphens', line({ tenantId: '8dba4227c384425e8b884bfa3fe03024' }), 'is not a GUID'],
    ['non-hex GUID', line({ tenantId: '8dba4227-c384-425e-8b88-4bfa3fe0302g' }), 'is not a GUID'],
    ['nil GUID', line({ tenantId: '00000000-0000-0000-0000-000000000000' }), 'tenantId: the nil GUID is not a tenant'],
    ['no name', line({ name: undefined }), 'name: required'],
    ['name null', line({ name: null }), 'name: required'],
    ['blank name', line({ name: '   ' }), 'name: required'],
    ['name a number', line({ name: 7 }), 'name: expected a string'],
  ])('rejects %s: it cannot identify a tenant', (_why, input, expected) => {
    const r = parseTenantLine(input, { operatorDomains: ['microsoft.com'] });
    expect(r.ok).toBe(false);
    expect(reason(r)).toContain(expected);
  });

  const accepted = (input: string) => {
    const r = parseTenantLine(input, { operatorDomains: ['microsoft.com'] });
    if (!r.ok) throw new Error(`rejected: ${r.reason}`);
    return r;
  };

  it.each<[string, string, string, string, Partial<TenantInput>]>([
    ['aliases not an array', line({ aliases: 'Fabrikam' }), 'aliases', 'expected an array', { aliases: [] }],
    [
      'long alias',
      line({ aliases: ['ok', 'x'.repeat(501)] }),
      'aliases[1]',
      'longer than 500 characters',
      { aliases: ['ok'] },
    ],
    [
      'alias with a control character',
      line({ aliases: ['ok', 'a\u0000b'] }),
      'aliases[1]',
      'control characters',
      { aliases: ['ok'] },
    ],
    ['alias a number', line({ aliases: [3, 'ok'] }), 'aliases[0]', 'expected a string', { aliases: ['ok'] }],
    ['domains not an array', line({ domains: 'fabrikam.com' }), 'domains', 'expected an array', { domains: [] }],
    [
      'invalid domain',
      line({ domains: ['fabrikamcapital.de', 'not a domain'] }),
      'domains[1]',
      '"not a domain": not a valid domain name',
      { domains: ['fabrikamcapital.de'] },
    ],
    [
      'single label',
      line({ domains: ['fabrikam'] }),
      'domains[0]',
      '"fabrikam": not a valid domain name',
      { domains: [] },
    ],
    ['TLD', line({ domains: ['com'] }), 'domains[0]', '"com": is a public suffix', { domains: [] }],
    [
      'public suffix',
      line({ domains: ['co.uk', 'fabrikamcapital.de'] }),
      'domains[0]',
      '"co.uk": is a public suffix',
      { domains: ['fabrikamcapital.de'] },
    ],
    [
      'private public suffix',
      line({ domains: ['github.io'] }),
      'domains[0]',
      '"github.io": is a public suffix',
      { domains: [] },
    ],
    [
      'free mail',
      line({ domains: ['gmail.com'] }),
      'domains[0]',
      '"gmail.com": is a free-mail domain',
      { domains: [] },
    ],
    [
      'free-mail brand',
      line({ domains: ['Hotmail.co.uk'] }),
      'domains[0]',
      '"Hotmail.co.uk": is a free-mail domain',
      { domains: [] },
    ],
    [
      'free-mail subdomain',
      line({ domains: ['eu.outlook.com'] }),
      'domains[0]',
      '"eu.outlook.com": is a free-mail domain',
      { domains: [] },
    ],
    [
      'mixed script',
      line({ domains: ['cоntoso.com'] }),
      'domains[0]',
      '"cоntoso.com": mixes scripts or contains confusable characters',
      { domains: [] },
    ],
    [
      'mixed script as punycode',
      line({ domains: ['xn--cntoso-wqf.com'] }),
      'domains[0]',
      'mixes scripts or contains confusable characters',
      { domains: [] },
    ],
    [
      'whole-Cyrillic look-alike',
      line({ domains: ['раураl.com'] }),
      'domains[0]',
      'mixes scripts or contains confusable characters',
      { domains: [] },
    ],
    [
      'zero-width space',
      line({ domains: ['con\u200btoso.com'] }),
      'domains[0]',
      'not a valid domain name',
      { domains: [] },
    ],
    [
      'operator domain',
      line({ domains: ['microsoft.com'] }),
      'domains[0]',
      '"microsoft.com": is an operator domain',
      { domains: [] },
    ],
    [
      'operator subdomain',
      line({ domains: ['Labs.Microsoft.com'] }),
      'domains[0]',
      '"Labs.Microsoft.com": is an operator domain',
      { domains: [] },
    ],
    ['domain a number', line({ domains: [42] }), 'domains[0]', 'expected a string', { domains: [] }],
    [
      'garbage phone',
      line({ phones: ['+49 30 5550 1234', 'call me'] }),
      'phones[1]',
      '"call me": not a valid phone number with country code',
      { phones: ['+493055501234'] },
    ],
    [
      'phone without country code',
      line({ phones: ['030 5550 1234'] }),
      'phones[0]',
      '"030 5550 1234": not a valid phone number with country code',
      { phones: [] },
    ],
    [
      'phone in an unallocated range',
      line({ phones: ['+1 555 555 5555', '+49 30 5550 1234'] }),
      'phones[0]',
      'not a valid phone number',
      { phones: ['+493055501234'] },
    ],
    ['phone a number', line({ phones: [4930555] }), 'phones[0]', 'expected a string', { phones: [] }],
    ['phones a string', line({ phones: '+49 30 5550 1234' }), 'phones', 'expected an array', { phones: [] }],
    [
      'contact without email',
      line({ contacts: [{ name: 'x' }] }),
      'contacts[0].email',
      'required; contact dropped',
      { contacts: [] },
    ],
    ['contact not an object', line({ contacts: ['a@x.com'] }), 'contacts[0]', 'expected an object', { contacts: [] }],
    [
      'bad email',
      line({ contacts: [{ email: 'bjorn.costa' }] }),
      'contacts[0].email',
      '"bjorn.costa": not a valid email address',
      { contacts: [] },
    ],
    [
      'second contact bad',
      line({ contacts: [{ email: 'a@x.com' }, { email: 'b c@x.com' }] }),
      'contacts[1].email',
      '"b c@x.com": not a valid email address',
      { contacts: [{ email: 'a@x.com', name: null, roles: [], locale: 'en-US' }] },
    ],
    [
      'roles not an array',
      line({ contacts: [{ email: 'a@x.com', roles: 'GlobalAdmin' }] }),
      'contacts[0].roles',
      'expected an array',
      { contacts: [{ email: 'a@x.com', name: null, roles: [], locale: 'en-US' }] },
    ],
    [
      'role not a string',
      line({ contacts: [{ email: 'a@x.com', roles: [1, 'GlobalAdmin'] }] }),
      'contacts[0].roles[0]',
      'expected a string',
      { contacts: [{ email: 'a@x.com', name: null, roles: ['GlobalAdmin'], locale: 'en-US' }] },
    ],
    [
      'bad locale',
      line({ contacts: [{ email: 'a@x.com', locale: 'not a locale!' }] }),
      'contacts[0].locale',
      '"not a locale!": not a BCP-47 language tag; en-US used',
      { contacts: [{ email: 'a@x.com', name: null, roles: [], locale: 'en-US' }] },
    ],
    [
      'locale a number',
      line({ contacts: [{ email: 'a@x.com', locale: 7 }] }),
      'contacts[0].locale',
      'expected a string',
      { contacts: [{ email: 'a@x.com', name: null, roles: [], locale: 'en-US' }] },
    ],
    [
      'control character in contact name',
      line({ contacts: [{ email: 'a@x.com', name: 'a\u0007' }] }),
      'contacts[0].name',
      'control characters',
      { contacts: [{ email: 'a@x.com', name: null, roles: [], locale: 'en-US' }] },
    ],
    [
      'too many domains',
      line({ domains: Array.from({ length: 1001 }, (_, i) => `d${i}.com`) }),
      'domains',
      'more than 1000 entries; the first 1000 kept',
      { domains: Array.from({ length: 1000 }, (_, i) => `d${i}.com`) },
    ],
  ])('imports a line with %s, dropping the value with a warning', (_why, input, field, expected, tenant) => {
    const r = accepted(input);
    expect(r.tenant).toMatchObject({ id: ID, name: 'Fabrikam Capital Corp.', ...tenant });
    expect(r.warnings).toHaveLength(1);
    expect(r.warnings[0]!.field).toBe(field);
    expect(r.warnings[0]!.reason).toContain(expected);
  });

  it('repairs a name with control characters or too long, with a warning: the name identifies the tenant', () => {
    const r = accepted(line({ name: 'Fabrikam\u0000Capital' }));
    expect(r.tenant.name).toBe('Fabrikam Capital');
    expect(r.warnings).toEqual([{ field: 'name', reason: 'control characters replaced by spaces' }]);
    const long = accepted(line({ name: 'x'.repeat(501) }));
    expect(long.tenant.name).toHaveLength(500);
    expect(long.warnings).toEqual([{ field: 'name', reason: 'longer than 500 characters; cut' }]);
  });

  it('reads null as absent at every depth, without a warning', () => {
    const r = accepted(
      JSON.stringify({
        tenantId: ID,
        name: 'Fabrikam',
        aliases: ['Fab', null],
        domains: [null, 'fabrikam.com'],
        phones: null,
        contacts: [
          null,
          { email: 'a@fabrikam.com', name: null, roles: null, locale: null },
          { email: 'b@fabrikam.com', roles: ['GlobalAdmin', null] },
        ],
      }),
    );
    expect(r).toEqual({
      ok: true,
      warnings: [],
      tenant: {
        id: ID,
        name: 'Fabrikam',
        aliases: ['Fab'],
        domains: ['fabrikam.com'],
        phones: [],
        contacts: [
          { email: 'a@fabrikam.com', name: null, roles: [], locale: 'en-US' },
          { email: 'b@fabrikam.com', name: null, roles: ['GlobalAdmin'], locale: 'en-US' },
        ],
      },
    });
    expect(
      accepted(JSON.stringify({ tenantId: ID, name: 'F', aliases: null, domains: null, contacts: null })).warnings,
    ).toEqual([]);
  });

  it('keeps every good value of a line with many bad ones, one warning each', () => {
    const r = accepted(
      line({
        domains: ['gmail.com', 'fabrikamcapital.de', 'co.uk'],
        phones: ['+1 555 555 5555', '+49 30 5550 1234'],
        contacts: [{ email: 'nope' }, { email: 'b@fabrikamcapital.de', locale: 'xx-!!' }],
      }),
    );
    expect(r.tenant.domains).toEqual(['fabrikamcapital.de']);
    expect(r.tenant.phones).toEqual(['+493055501234']);
    expect(r.tenant.contacts).toEqual([{ email: 'b@fabrikamcapital.de', name: null, roles: [], locale: 'en-US' }]);
    expect(r.warnings.map((w) => w.field)).toEqual([
      'domains[0]',
      'domains[2]',
      'phones[0]',
      'contacts[0].email',
      'contacts[1].locale',
    ]);
  });

  it('defaults the locale to en-US and keeps unknown roles', () => {
    const r = parseTenantLine(line({ contacts: [{ email: 'a@x.com', roles: ['Custom'], locale: '' }] }));
    expect(r.ok && r.tenant.contacts).toEqual([{ email: 'a@x.com', name: null, roles: ['Custom'], locale: 'en-US' }]);
  });

  it('accepts free-mail contact addresses (only domains are restricted)', () => {
    const r = parseTenantLine(line({ contacts: [{ email: 'Founder@Gmail.com', roles: ['GlobalAdmin'] }] }));
    expect(r.ok && r.tenant.contacts[0]!.email).toBe('founder@gmail.com');
  });

  it('drops an operator domain given in Unicode or upper case in the configuration too', () => {
    const r = parseTenantLine(line({ domains: ['bücher.de'] }), { operatorDomains: ['BÜCHER.de'] });
    expect(r.ok && r.tenant.domains).toEqual([]);
    expect(r.ok && r.warnings).toEqual([
      { field: 'domains[0]', reason: '"bücher.de": is an operator domain; dropped' },
    ]);
    // label-wise: notmicrosoft.com is not microsoft.com
    const other = parseTenantLine(line({ domains: ['notmicrosoft.com'] }), { operatorDomains: ['microsoft.com'] });
    expect(other.ok && other.tenant.domains).toEqual(['notmicrosoft.com']);
  });
});
