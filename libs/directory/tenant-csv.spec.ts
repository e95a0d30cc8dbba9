import { Readable } from 'node:stream';
import { csvColumnOf, csvDirectoryEntries, csvRowToTenant, type DirectoryEntry } from './tenant-csv.js';

const ID = '8dba4227-c384-425e-8b88-4bfa3fe03024';
const ID2 = '0b7aad77-873f-4677-ac39-3e5c37340026';

async function entries(text: string): Promise<DirectoryEntry[]> {
  const out: DirectoryEntry[] = [];
  for await (const e of csvDirectoryEntries(Readable.from([Buffer.from(text)]))) out.push(e);
  return out;
}

describe('csvRowToTenant', () => {
  it('splits lists by `;`, `,` or whitespace; phones and aliases keep their spaces', () => {
    expect(
      csvRowToTenant({
        tenantId: ID,
        name: 'Fabrikam',
        domains: 'a.com; b.com,c.com d.com',
        aliases: 'Fabrikam Capital; Fab, Inc.',
        phones: '+49 30 5550 1234, +1 425 555 0100',
        contactEmail: 'x@a.com',
        contactName: '',
        contactRoles: 'GlobalAdmin PrivacyReader',
        contactLocale: '',
      }),
    ).toEqual({
      tenantId: ID,
      name: 'Fabrikam',
      domains: ['a.com', 'b.com', 'c.com', 'd.com'],
      aliases: ['Fabrikam Capital', 'Fab, Inc.'],
      phones: ['+49 30 5550 1234', '+1 425 555 0100'],
      contacts: [{ email: 'x@a.com', name: null, roles: ['GlobalAdmin', 'PrivacyReader'], locale: null }],
    });
  });

  it('keeps a contact without an address as one, so that the import warns of it', () => {
    expect(csvRowToTenant({ tenantId: ID, name: 'F', contactName: 'Ann' }).contacts).toEqual([{ email: null }]);
    expect(csvRowToTenant({ tenantId: ID, name: 'F', contactEmail: '' }).contacts).toBeUndefined();
  });
});

describe('csvColumnOf', () => {
  it.each([
    ['contacts[0].email', 'contactEmail'],
    ['contacts[0]', 'contactEmail'],
    ['contacts[0].roles[1]', 'contactRoles'],
    ['contacts[0].locale', 'contactLocale'],
    ['contacts[0].name', 'contactName'],
    ['domains[3]', 'domains'],
    ['phones', 'phones'],
    ['name', 'name'],
  ])('%s comes from %s', (field, column) => expect(csvColumnOf(field)).toBe(column));
});

describe('csvDirectoryEntries', () => {
  it('merges adjacent rows, makes a tenant seen again an additive entry, and numbers rows by the line they start on', async () => {
    const got = await entries(
      'tenantId,name,domains,contactEmail,contactRoles\r\n' +
        `${ID},Fabrikam,a.com,x@a.com,GlobalAdmin\r\n` +
        `${ID},,b.com,y@a.com,"PrivacyReader\r\nBillingAdmin"\r\n` +
        `${ID2},Other,o.com,,\r\n` +
        `${ID},,c.com,x@a.com,PrivacyReader\r\n`,
    );
    expect(got.map((e) => (e.ok ? [e.line, e.tenant.id, e.additive, e.tenant.domains] : [e.line, e.reason]))).toEqual([
      [2, ID, false, ['a.com', 'b.com']],
      [5, ID2, false, ['o.com']],
      [6, ID, true, ['c.com']],
    ]);
    const first = got[0]!;
    expect(first.ok && first.tenant.contacts.map((c) => [c.email, c.roles])).toEqual([
      ['x@a.com', ['GlobalAdmin']],
      ['y@a.com', ['PrivacyReader', 'BillingAdmin']],
    ]);
  });

  it('rejects a row without a valid tenant id, and a tenant named on none of its rows', async () => {
    const got = await entries(`tenantId;name\nnope;X\n${ID};\n`);
    expect(got).toEqual([
      { line: 2, ok: false, reason: 'tenantId: "nope" is not a GUID' },
      { line: 3, ok: false, reason: 'name: required' },
    ]);
  });
});

describe('csvDirectoryEntries: rows whose cell count differs from the header', () => {
  it('imports a row short of trailing cells, or with extra ones, with a warning, and keeps the next rows', async () => {
    const text = [
      'tenantId,name,domains,contactEmail,contactName,contactRoles,contactLocale',
      `${ID},Fabrikam,fabrikam.com,ann@fabrikam.com,Ann,GlobalAdmin`,
      `${ID2},Contoso,contoso.com,bo@contoso.com,Bo,GlobalAdmin,fr-FR,extra`,
    ].join('\n');
    const got = await entries(text);
    expect(got.map((e) => e.ok)).toEqual([true, true]);
    const [a, b] = got as Extract<DirectoryEntry, { ok: true }>[];
    expect(a!.tenant).toMatchObject({
      id: ID,
      name: 'Fabrikam',
      domains: ['fabrikam.com'],
      contacts: [{ email: 'ann@fabrikam.com', roles: ['GlobalAdmin'], locale: 'en-US' }],
    });
    expect(b!.tenant).toMatchObject({
      id: ID2,
      name: 'Contoso',
      contacts: [{ email: 'bo@contoso.com', locale: 'fr-FR' }],
    });
    for (const e of [a!, b!])
      expect(e.warnings).toContainEqual(
        expect.objectContaining({ field: 'row', reason: expect.stringMatching(/number of cells/) }),
      );
  });
});
