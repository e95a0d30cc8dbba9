import { describe, expect, it } from '@jest/globals';
import type { AttributedElement, RecordAttribution } from './attribution.types.js';
import { attributeRecord } from './attribute-record.js';
import { DirectoryIndex } from './directory-index.js';
import { OPERATOR_DOMAINS, T, record, tenant, worldTenants, type RecordSpec } from './attribution.test-helpers.js';
import type { ExposureRecordInput } from '../exposure/exposure.types.js';
import { normalizeRecord } from '../exposure/rules/normalize-record.js';

const index = DirectoryIndex.build(worldTenants(), OPERATOR_DOMAINS);
const attribute = (spec: RecordSpec, idx = index): RecordAttribution => attributeRecord(record(spec), idx);

const el = (ra: RecordAttribution, kind: AttributedElement['kind'], key: string): AttributedElement => {
  const found = ra.elements.find((e) => e.kind === kind && e.key === key);
  if (!found) throw new Error(`no ${kind} ${key} in ${JSON.stringify(ra.elements.map((e) => `${e.kind}:${e.key}`))}`);
  return found;
};
const owners = (e: AttributedElement) => e.owners.map((o) => o.tenantId);

describe('attributeRecord: strong signals', () => {
  it('a tenantIds entry that exists in the directory is strong and owns the record-level elements', () => {
    const ra = attribute({
      kind: 'document',
      tenantIds: [T.fabrikam.toUpperCase()],
      hasBody: true,
      projectIds: ['prj-1'],
    });
    expect(ra.strongTenants).toEqual([T.fabrikam]);
    expect(ra.signals).toContainEqual({ tenantId: T.fabrikam, signal: 'tenantId', status: 'strong' });
    expect(el(ra, 'content', 'content').owners).toEqual([{ tenantId: T.fabrikam, signal: 'tenantId' }]);
    expect(owners(el(ra, 'project', 'PRJ-1'))).toEqual([T.fabrikam]);
    expect(ra.review).toBeNull();
  });

  it('an unknown tenant id is ignored, and says so', () => {
    const ra = attribute({ kind: 'document', tenantIds: ['99999999-9999-4999-8999-999999999999'], hasBody: true });
    expect(ra.strongTenants).toEqual([]);
    expect(ra.signals).toEqual([]);
    expect(el(ra, 'content', 'content')).toMatchObject({ owners: [], unowned: 'noStrongTenant' });
    expect(ra.evidence).toContain('unknown tenant id 99999999-9999-4999-8999-999999999999: ignored');
  });

  it('an address on a verified domain (or its subdomain) is strong, with the domain as its signal', () => {
    const ra = attribute({ from: 'Lena.Horvat@Contoso.com', to: ['ops@eu.contoso.com'] });
    expect(ra.strongTenants).toEqual([T.contoso]);
    expect(el(ra, 'address', 'lena.horvat@contoso.com').owners).toEqual([
      { tenantId: T.contoso, signal: 'verifiedDomain:contoso.com' },
    ]);
    expect(owners(el(ra, 'address', 'ops@eu.contoso.com'))).toEqual([T.contoso]);
  });

  it('suffix look-alike: notcontoso.com is never contoso.com', () => {
    const ra = attribute({ from: 'eve@notcontoso.com', hasBody: true });
    expect(ra.strongTenants).toEqual([]);
    expect(el(ra, 'address', 'eve@notcontoso.com')).toMatchObject({ owners: [], unowned: 'unknown' });
    expect(ra.review).toBeNull();
  });

  it('subdomain subsidiary: the longest verified domain wins', () => {
    const ra = attribute({ from: 'x@a.labs.contoso.com', to: ['y@contoso.com'] });
    expect(el(ra, 'address', 'x@a.labs.contoso.com').owners).toEqual([
      { tenantId: T.contosoLabs, signal: 'verifiedDomain:labs.contoso.com' },
    ]);
    expect(owners(el(ra, 'address', 'y@contoso.com'))).toEqual([T.contoso]);
    expect(ra.strongTenants).toEqual([T.contoso, T.contosoLabs].sort());
  });

  it('homograph: a Cyrillic о in cоntoso.com matches nobody, even as a look-alike of a contact', () => {
    const ra = attribute({ from: 'admin@c\u043entoso.com', hasBody: true });
    expect(ra.strongTenants).toEqual([]);
    expect(ra.elements.find((e) => e.kind === 'address')).toMatchObject({ owners: [], unowned: 'confusable' });
    expect(ra.review).toBeNull();
  });

  it('homograph: a confusable domain matches nobody even when a tenant verified it or listed a contact on it', () => {
    const homograph = new URL('http://c\u043entoso.com').hostname;
    const idx = DirectoryIndex.build(
      [
        tenant(T.contoso, { domains: ['contoso.com'] }),
        tenant(T.fabrikam, { domains: [homograph], contacts: [{ email: `boss@${homograph}`, roles: [] }] }),
      ],
      [],
    );
    const ra = attribute({ from: `boss@${homograph}`, to: [`x@${homograph}`] }, idx);
    expect(ra.strongTenants).toEqual([]);
    expect(ra.review).toBeNull();
    expect(ra.elements.map((e) => e.unowned)).toEqual(['confusable', 'confusable']);
  });

  it('an exact contact address is strong, also on a domain nobody verified', () => {
    const ra = attribute({ to: ['IT@northwind-consulting.net'] });
    expect(el(ra, 'address', 'it@northwind-consulting.net').owners).toEqual([
      { tenantId: T.northwind, signal: 'contactAddress' },
    ]);
    expect(ra.strongTenants).toEqual([T.northwind]);
  });

  it("an exact contact address wins over the verified domain it sits on; on its own tenant's domain the domain explains it", () => {
    const idx = DirectoryIndex.build(
      [
        tenant(T.contoso, { domains: ['contoso.com'], contacts: [{ email: 'admin@contoso.com', roles: [] }] }),
        // a small customer whose tenant is run by a Contoso consultant
        tenant(T.northwind, {
          domains: ['northwindtraders.com'],
          contacts: [{ email: 'consultant@contoso.com', roles: [] }],
        }),
      ],
      [],
    );
    const ra = attribute({ from: 'consultant@contoso.com', to: ['admin@contoso.com'] }, idx);
    expect(el(ra, 'address', 'consultant@contoso.com').owners).toEqual([
      { tenantId: T.northwind, signal: 'contactAddress' },
    ]);
    expect(el(ra, 'address', 'admin@contoso.com').owners).toEqual([
      { tenantId: T.contoso, signal: 'verifiedDomain:contoso.com' },
    ]);
  });

  it('free mail: a listed contact identifies its tenant; any other free-mail address nobody', () => {
    const contact = attribute({ from: 'Contoso.IT@gmail.com' });
    expect(contact.strongTenants).toEqual([T.contoso]);
    expect(el(contact, 'address', 'contoso.it@gmail.com').owners).toEqual([
      { tenantId: T.contoso, signal: 'contactAddress' },
    ]);

    const stranger = attribute({ from: 'contoso.sales@gmail.com', hasBody: true });
    expect(stranger.strongTenants).toEqual([]);
    expect(el(stranger, 'address', 'contoso.sales@gmail.com')).toMatchObject({ owners: [], unowned: 'freeMail' });
  });

  it('free mail: even a tenant that verified a free-mail domain is not identified by it', () => {
    const idx = DirectoryIndex.build([tenant(T.contoso, { domains: ['contoso.com', 'gmail.com'] })], []);
    expect(attribute({ from: 'someone@gmail.com' }, idx).strongTenants).toEqual([]);
  });

  it('operator addresses and their subdomains belong to nobody, even when listed as a contact', () => {
    const idx = DirectoryIndex.build(
      [tenant(T.contoso, { domains: ['contoso.com'], contacts: [{ email: 'ana@microsoft.com', roles: [] }] })],
      OPERATOR_DOMAINS,
    );
    const ra = attribute({ from: 'ana@microsoft.com', to: ['bo@eu.microsoft.com'] }, idx);
    expect(ra.strongTenants).toEqual([]);
    expect(el(ra, 'address', 'ana@microsoft.com')).toMatchObject({ owners: [], operator: true, unowned: 'operator' });
    expect(el(ra, 'address', 'bo@eu.microsoft.com')).toMatchObject({ owners: [], operator: true });
  });

  it('an internal-only thread (operator people only) touches no tenant and raises no review', () => {
    const ra = attribute({
      from: 'ana@microsoft.com',
      to: ['bo@microsoft.com'],
      people: [{ name: 'Ana', email: 'ana@microsoft.com', phone: '+14255550199' }],
      subject: 'Internal sync',
      hasBody: true,
      files: [{ fileName: 'notes.docx', sha256: 'aa' }],
    });
    expect(ra.strongTenants).toEqual([]);
    expect(ra.signals).toEqual([]);
    expect(ra.review).toBeNull();
    expect(ra.elements.every((e) => e.owners.length === 0)).toBe(true);
    expect(el(ra, 'person', 'email:ana@microsoft.com').operator).toBe(true);
    expect(el(ra, 'phone', '+14255550199').operator).toBe(true);
  });
});

describe('attributeRecord: elements each to their own tenant', () => {
  const shared = () =>
    attribute({
      from: 'lena@contoso.com',
      to: ['bjorn.costa@fabrikamcapital.de', 'ana@microsoft.com'],
      people: [
        { name: 'Lena Horvat', email: 'lena@contoso.com', phone: '+16465551618' },
        { name: 'Bjorn Costa', email: 'bjorn.costa@fabrikamcapital.de' },
      ],
      companies: ['Contoso Ltd', 'Fabrikam Capital'],
      subject: 'SOW',
      hasBody: true,
      files: [{ fileName: 'SOW.pdf', sha256: 'ab' }],
      projectIds: ['PRJ-9'],
    });

  it('a record shared by two tenants gives each its own addresses, people, phones and company name', () => {
    const ra = shared();
    expect(ra.strongTenants).toEqual([T.contoso, T.fabrikam].sort());
    expect(owners(el(ra, 'person', 'email:lena@contoso.com'))).toEqual([T.contoso]);
    expect(owners(el(ra, 'person', 'email:bjorn.costa@fabrikamcapital.de'))).toEqual([T.fabrikam]);
    expect(el(ra, 'address', 'bjorn.costa@fabrikamcapital.de').owners).toEqual([
      { tenantId: T.fabrikam, signal: 'verifiedDomain:fabrikamcapital.de' },
    ]);
    // a person's phone number belongs to that person's tenant
    expect(owners(el(ra, 'phone', '+16465551618'))).toEqual([T.contoso]);
    // company names are weak, confirmed by each tenant's strong signal in the record
    expect(el(ra, 'company', 'contoso').owners).toEqual([{ tenantId: T.contoso, signal: 'companyName:contoso' }]);
    expect(owners(el(ra, 'company', 'fabrikam capital'))).toEqual([T.fabrikam]);
    expect(ra.signals).toContainEqual({ tenantId: T.contoso, signal: 'companyName:contoso', status: 'confirmed' });
    expect(ra.review).toBeNull();
  });

  it('files, projects and content belong to every strong tenant of the record', () => {
    const ra = shared();
    expect(owners(el(ra, 'file', 'sha256:ab')).sort()).toEqual([T.contoso, T.fabrikam].sort());
    expect(owners(el(ra, 'project', 'PRJ-9')).sort()).toEqual([T.contoso, T.fabrikam].sort());
    expect(owners(el(ra, 'content', 'content')).sort()).toEqual([T.contoso, T.fabrikam].sort());
  });

  it('a person without an address is owned through its phone only when its tenant is strong in the record', () => {
    const confirmed = attribute({
      from: 'lena@contoso.com',
      people: [{ name: 'Front desk', phone: '+14255550100' }],
    });
    expect(el(confirmed, 'person', 'name:front desk|+14255550100').owners).toEqual([
      { tenantId: T.contoso, signal: 'phone' },
    ]);
    expect(owners(el(confirmed, 'phone', '+14255550100'))).toEqual([T.contoso]);

    const alone = attribute({ people: [{ name: 'Front desk', phone: '+14255550100' }] });
    expect(el(alone, 'person', 'name:front desk|+14255550100')).toMatchObject({
      owners: [],
      pointsAt: [T.contoso],
      unowned: 'weakOnly',
    });
  });

  it('a person with an address is owned through the address, not its phone', () => {
    const ra = attribute({
      from: 'lena@contoso.com',
      people: [{ name: 'Guest', email: 'guest@unknown-corp.com', phone: '+14255550100' }],
    });
    expect(el(ra, 'person', 'email:guest@unknown-corp.com')).toMatchObject({ owners: [], unowned: 'unknown' });
    expect(el(ra, 'phone', '+14255550100').owners).toEqual([]);
  });
});

describe('attributeRecord: weak signals and review', () => {
  it('a company name alone, pointing at one tenant, is never strong: it raises a review with that candidate', () => {
    const ra = attribute({ subject: 'Fabrikam Capital deal', companies: ['FABRIKAM CAPITAL CORP'], hasBody: true });
    expect(ra.strongTenants).toEqual([]);
    expect(ra.review).toEqual({ candidates: [T.fabrikam], triggers: ['weakSignalOnly'] });
    expect(el(ra, 'company', 'fabrikam capital')).toMatchObject({ owners: [], pointsAt: [T.fabrikam] });
    expect(el(ra, 'content', 'content').owners).toEqual([]);
    expect(ra.signals).toEqual([{ tenantId: T.fabrikam, signal: 'companyName:fabrikam capital', status: 'review' }]);
  });

  it('a directory phone number alone raises a review with that candidate', () => {
    const ra = attribute({ phones: ['+12065550123'] });
    expect(ra.review).toEqual({ candidates: [T.woodgrove], triggers: ['weakSignalOnly'] });
    expect(el(ra, 'phone', '+12065550123')).toMatchObject({ owners: [], pointsAt: [T.woodgrove] });
  });

  it('a company name shared by two tenants, with no strong signal, goes to review with every tenant it names', () => {
    const ra = attribute({ companies: ['Tailspin Toys'], hasBody: true });
    expect(ra.review).toEqual({ candidates: [T.tailspinUs, T.tailspinDe].sort(), triggers: ['ambiguousWeakSignal'] });
    expect(ra.strongTenants).toEqual([]);
    expect(el(ra, 'company', 'tailspin toys')).toMatchObject({
      owners: [],
      unowned: 'ambiguous',
      pointsAt: [T.tailspinUs, T.tailspinDe].sort(),
    });
    expect(ra.signals.map((s) => s.status)).toEqual(['review', 'review']);
    expect(ra.evidence).toContain('company name "tailspin toys" names 2 tenants: review');
  });

  it("a shared company name stays nobody's even when one of its tenants is strong in the record", () => {
    const ra = attribute({ from: 'sales@tailspintoys.com', companies: ['Tailspin Toys'] });
    expect(ra.strongTenants).toEqual([T.tailspinUs]);
    expect(el(ra, 'company', 'tailspin toys').owners).toEqual([]);
    expect(ra.review).toBeNull();
  });

  it('an ambiguous contact address (listed by two tenants) is not strong: it raises a review', () => {
    const ra = attribute({ from: 'partner@adatum.com', hasBody: true });
    expect(ra.strongTenants).toEqual([]);
    expect(ra.review).toEqual({ candidates: [T.adatum, T.woodgrove].sort(), triggers: ['ambiguousContactAddress'] });
    expect(el(ra, 'address', 'partner@adatum.com')).toMatchObject({ owners: [], unowned: 'ambiguous' });
  });

  it('a domain verified by two tenants is not strong either: review', () => {
    const idx = DirectoryIndex.build(
      [tenant(T.contoso, { domains: ['contoso.com'] }), tenant(T.fabrikam, { domains: ['contoso.com'] })],
      [],
    );
    const ra = attribute({ from: 'a@contoso.com' }, idx);
    expect(ra.strongTenants).toEqual([]);
    expect(ra.review).toEqual({ candidates: [T.contoso, T.fabrikam].sort(), triggers: ['ambiguousVerifiedDomain'] });
  });

  it('a domain in conflict in the directory identifies none of its claimants, not even through a listed contact: review', () => {
    const imposter = '99999999-9999-4999-8999-999999999999';
    const idx = DirectoryIndex.build(
      [
        tenant(T.contoso, {
          domains: [],
          conflictedDomains: ['contoso.com'],
          contacts: [{ email: 'admin@contoso.com', roles: ['GlobalAdmin'] }],
        }),
        tenant(imposter, { name: 'Contoso Imposter', domains: [], conflictedDomains: ['contoso.com'] }),
        tenant(T.contosoLabs, { domains: ['labs.contoso.com'] }),
      ],
      [],
    );
    for (const from of ['lena@contoso.com', 'admin@contoso.com']) {
      const ra = attribute({ from, hasBody: true, files: [{ fileName: 'a.pdf', sha256: 'ab' }] }, idx);
      expect(ra.strongTenants).toEqual([]);
      expect(ra.review).toEqual({ candidates: [T.contoso, imposter].sort(), triggers: ['conflictedDomain'] });
      expect(ra.evidence).toContain('domain contoso.com is claimed by 2 tenants');
      expect(ra.elements.every((e) => e.owners.length === 0)).toBe(true);
    }
    // a subdomain verified by another tenant is no part of the conflict
    const labs = attribute({ from: 'x@labs.contoso.com' }, idx);
    expect(labs.strongTenants).toEqual([T.contosoLabs]);
    expect(labs.review).toBeNull();
    // a verified domain that is also in conflict (the owner's row) counts as the conflict
    const both = DirectoryIndex.build(
      [
        tenant(T.contoso, { domains: ['contoso.com'], conflictedDomains: ['contoso.com'] }),
        tenant(imposter, { conflictedDomains: ['contoso.com'] }),
      ],
      [],
    );
    expect(attribute({ from: 'a@contoso.com' }, both).strongTenants).toEqual([]);
  });

  it('conflicting strong signals: tenant id says A, the addresses say B → one review {A, B} and no strong attribution', () => {
    const ra = attribute({
      tenantIds: [T.fabrikam],
      from: 'lena@contoso.com',
      to: ['ana@microsoft.com'],
      people: [{ name: 'Lena', email: 'lena@contoso.com' }],
      hasBody: true,
      files: [{ fileName: 'a.pdf', sha256: 'cd' }],
    });
    expect(ra.strongTenants).toEqual([]);
    expect(ra.review).toEqual({ candidates: [T.contoso, T.fabrikam].sort(), triggers: ['conflictingStrongSignals'] });
    expect(ra.elements.every((e) => e.owners.length === 0)).toBe(true);
    expect(el(ra, 'address', 'lena@contoso.com')).toMatchObject({ pointsAt: [T.contoso], unowned: 'conflict' });
    expect(ra.signals).toEqual(
      expect.arrayContaining([
        { tenantId: T.fabrikam, signal: 'tenantId', status: 'suspended' },
        { tenantId: T.contoso, signal: 'verifiedDomain:contoso.com', status: 'suspended' },
      ]),
    );
  });

  it("no conflict when the tenant id's own addresses are in the record too (a partner thread)", () => {
    const ra = attribute({ tenantIds: [T.fabrikam], from: 'lena@contoso.com', to: ['bjorn.costa@fabrikamcapital.de'] });
    expect(ra.review).toBeNull();
    expect(ra.strongTenants).toEqual([T.contoso, T.fabrikam].sort());
  });

  it("no conflict when the only addresses are nobody's (operator, free mail)", () => {
    const ra = attribute({ tenantIds: [T.fabrikam], from: 'ana@microsoft.com', to: ['x@gmail.com'] });
    expect(ra.review).toBeNull();
    expect(ra.strongTenants).toEqual([T.fabrikam]);
  });
});

describe('attributeRecord: a phone number that is not valid is never evidence', () => {
  // the directory holds the number in E.164 shape; the exposed record writes it another way
  const notValid = '+11235550147';
  const idx = DirectoryIndex.build(
    [
      ...worldTenants().filter((t) => t.id !== T.northwind),
      tenant(T.northwind, { name: 'Northwind Traders', domains: ['northwindtraders.com'], phones: [notValid] }),
    ],
    OPERATOR_DOMAINS,
  );
  const fromInput = (input: Omit<ExposureRecordInput, 'recordId' | 'kind'>) =>
    attributeRecord(normalizeRecord({ recordId: 'R1', kind: 'contact', ...input }), idx);

  it('alone, it points at nobody and asks for no review, while the valid number written alike would', () => {
    const ra = fromInput({ people: [{ name: 'Front desk', phone: '+1 (123) 555-0147' }] });
    expect(ra.signals).toEqual([]);
    expect(ra.review).toBeNull();
    expect(ra.elements.filter((e) => e.kind === 'phone')).toEqual([]);
    expect(el(ra, 'person', `name:front desk|${notValid}`)).toMatchObject({
      owners: [],
      pointsAt: [],
      unowned: 'noSignal',
      otherPhone: notValid,
    });

    const valid = attributeRecord(
      normalizeRecord({
        recordId: 'R2',
        kind: 'contact',
        people: [{ name: 'Front desk', phone: '+1 (425) 555-0100' }],
      }),
      idx,
    );
    expect(valid.signals).toContainEqual({ tenantId: T.contoso, signal: 'phone', status: 'review' });
    expect(valid.review).not.toBeNull();
  });

  it('beside its tenant strong in the record, it still does not make the person that tenant’s', () => {
    const ra = fromInput({
      from: 'it@northwindtraders.com',
      people: [{ name: 'Front desk', phone: '+1 123 555 0147' }],
    });
    expect(ra.strongTenants).toEqual([T.northwind]);
    expect(el(ra, 'person', `name:front desk|${notValid}`)).toMatchObject({ owners: [], unowned: 'noSignal' });
    expect(ra.signals.filter((s) => s.signal === 'phone')).toEqual([]);
  });
});
