import { Readable } from 'node:stream';
import type { AuditService } from '../audit/audit.service.js';
import { DirectoryService } from './directory.service.js';
import type { DirectoryRepository, DomainConflict, TenantRecord, TenantWrite } from './directory.repository.js';
import type { TenantInput } from './tenant-line.js';

/**
 * An in-memory repository with the real one's contract: one owner per domain; a domain listed
 * by another tenant becomes its claim; an owner giving a domain up passes it to the earliest
 * claimant; additive writes add to what is stored.
 */
class FakeRepository {
  tenants = new Map<string, TenantInput>();
  domains = new Map<string, string>();
  /** domain → claimants in claim order */
  claims = new Map<string, string[]>();
  batches: number[] = [];

  async writeTenants(batch: readonly TenantWrite[]) {
    this.batches.push(batch.length);
    const written = batch.map(({ tenant: t, additive }) => {
      const before = this.tenants.get(t.id);
      const created = before === undefined;
      const merged: TenantInput =
        additive && before
          ? {
              ...t,
              name: t.name || before.name,
              aliases: [...new Set([...before.aliases, ...t.aliases])],
              phones: [...new Set([...before.phones, ...t.phones])],
              domains: [...new Set([...before.domains, ...t.domains])],
              contacts: [
                ...before.contacts,
                ...t.contacts.filter((c) => !before.contacts.some((b) => b.email === c.email)),
              ],
            }
          : t;
      this.tenants.set(t.id, merged);
      return { id: t.id, created };
    });
    const listed = (tenantId: string, d: string) =>
      batch.some((w) => w.tenant.id === tenantId && w.tenant.domains.includes(d));
    const replaced = new Set(batch.filter((w) => !w.additive).map((w) => w.tenant.id));
    for (const [d, owner] of [...this.domains]) if (replaced.has(owner) && !listed(owner, d)) this.domains.delete(d);
    for (const [d, cs] of this.claims)
      this.claims.set(
        d,
        cs.filter((c) => !replaced.has(c) || listed(c, d)),
      );
    const promote = () => {
      for (const [d, cs] of this.claims) {
        if (!this.domains.has(d) && cs.length) this.domains.set(d, cs.shift()!);
        if (cs.length === 0) this.claims.delete(d);
      }
    };
    promote();
    for (const { tenant: t } of batch) {
      for (const d of t.domains) {
        const owner = this.domains.get(d);
        if (owner === undefined) this.domains.set(d, t.id);
        else if (owner !== t.id) {
          const cs = this.claims.get(d) ?? [];
          if (!cs.includes(t.id)) cs.push(t.id);
          this.claims.set(d, cs);
        }
      }
    }
    const conflicts: DomainConflict[] = [...new Set(batch.flatMap((w) => w.tenant.domains))]
      .filter((d) => this.claims.get(d)?.length)
      .sort()
      .map((d) => ({ domain: d, tenantIds: [this.domains.get(d)!, ...this.claims.get(d)!] }));
    return { written, conflicts };
  }

  async listConflicts() {
    return [...this.claims].map(([domain, cs]) => ({
      domain,
      since: new Date('2026-01-01T00:00:00Z'),
      claimants: [this.domains.get(domain)!, ...cs].map((t) => ({ tenantId: t, name: this.tenants.get(t)!.name })),
    }));
  }

  async getTenant(id: string): Promise<TenantRecord | null> {
    const t = this.tenants.get(id);
    const at = new Date('2026-01-01T00:00:00Z');
    return t
      ? {
          id: t.id,
          name: t.name,
          aliases: t.aliases,
          phones: t.phones,
          domains: t.domains,
          contacts: t.contacts,
          createdAt: at,
          updatedAt: at,
        }
      : null;
  }

  async listTenants() {
    return { total: 0, tenants: [] };
  }
}

const id = (n: number) => `00000000-0000-4000-8000-${n.toString(16).padStart(12, '0')}`;
const tenant = (n: number, domains: string[] = [], extra: Record<string, unknown> = {}) =>
  JSON.stringify({ tenantId: id(n), name: `Tenant ${n}`, domains, ...extra });

async function* from(lines: string[]) {
  yield* lines;
}

function setup(operatorDomains: string[] = []) {
  const repo = new FakeRepository();
  const service = new DirectoryService(repo as unknown as DirectoryRepository, { OPERATOR_DOMAINS: operatorDomains }, {
    record: async () => undefined,
  } as unknown as AuditService);
  return { repo, service };
}

describe('DirectoryService.importTenants', () => {
  it('counts new and existing tenants, skips blank lines and numbers lines physically', async () => {
    const { repo, service } = setup();
    const r1 = await service.importTenants(from([tenant(1, ['a.com']), '', '   ', tenant(2, ['b.com']), '{bad']));
    expect(r1).toEqual({
      imported: 2,
      updated: 0,
      rejected: [{ line: 5, reason: 'not valid JSON' }],
      warnings: [],
      conflicts: [],
    });
    const r2 = await service.importTenants(from([tenant(1, ['a.com']), tenant(3, ['c.com'])]));
    expect(r2).toEqual({ imported: 1, updated: 1, rejected: [], warnings: [], conflicts: [] });
    expect([...repo.tenants.keys()].sort()).toEqual([id(1), id(2), id(3)]);
  });

  it('imports a tenant claiming a domain another tenant verified, and reports the conflict by line', async () => {
    const { repo, service } = setup();
    await service.importTenants(from([tenant(1, ['contoso.com'])]));
    const r = await service.importTenants(from([tenant(2, ['fabrikam.com', 'Contoso.COM'])]));
    expect(r).toEqual({
      imported: 1,
      updated: 0,
      rejected: [],
      warnings: [],
      conflicts: [{ line: 1, domain: 'contoso.com', tenantIds: [id(1), id(2)] }],
    });
    // the database keeps one owner; the claim is the conflict
    expect(repo.domains.get('contoso.com')).toBe(id(1));
    expect(repo.domains.get('fabrikam.com')).toBe(id(2));
    await expect(service.listConflicts()).resolves.toEqual([
      {
        domain: 'contoso.com',
        since: '2026-01-01T00:00:00.000Z',
        claimants: [
          { tenantId: id(1), name: 'Tenant 1' },
          { tenantId: id(2), name: 'Tenant 2' },
        ],
      },
    ]);
  });

  it('records a conflict on a domain claimed earlier in the same file, across batches too', async () => {
    const { service } = setup();
    const filler = Array.from({ length: 600 }, (_, i) => tenant(100 + i, [`t${i}.com`]));
    const r = await service.importTenants(
      from([tenant(1, ['contoso.com']), tenant(2, ['contoso.com']), ...filler, tenant(3, ['contoso.com'])]),
    );
    expect(r.imported).toBe(603);
    expect(r.rejected).toEqual([]);
    expect(r.conflicts).toEqual([
      { line: 2, domain: 'contoso.com', tenantIds: [id(1), id(2)] },
      { line: 603, domain: 'contoso.com', tenantIds: [id(1), id(2), id(3)] },
    ]);
  });

  it('settles a conflict when a claimant re-imports without the domain: the other claimant owns it', async () => {
    const { repo, service } = setup();
    await service.importTenants(from([tenant(1, ['contoso.com']), tenant(2, ['contoso.com', 'two.com'])]));
    // the imposter's corrected line
    const r = await service.importTenants(from([tenant(2, ['two.com'])]));
    expect(r.conflicts).toEqual([]);
    await expect(service.listConflicts()).resolves.toEqual([]);
    expect(repo.domains.get('contoso.com')).toBe(id(1));
    // the other way round: the first owner gives it up, the claimant owns it
    await service.importTenants(from([tenant(3, ['shared.com']), tenant(4, ['shared.com'])]));
    await service.importTenants(from([tenant(3, [])]));
    expect(repo.domains.get('shared.com')).toBe(id(4));
    await expect(service.listConflicts()).resolves.toEqual([]);
  });

  it('lets a subdomain belong to another tenant than its parent', async () => {
    const { service } = setup();
    const r = await service.importTenants(from([tenant(1, ['contoso.com']), tenant(2, ['labs.contoso.com'])]));
    expect(r).toEqual({ imported: 2, updated: 0, rejected: [], warnings: [], conflicts: [] });
  });

  it('lets a domain move to another tenant once its holder gave it up earlier in the file', async () => {
    const { repo, service } = setup();
    await service.importTenants(from([tenant(1, ['contoso.com'])]));
    const r = await service.importTenants(
      from([tenant(2, ['contoso.com']), tenant(1, []), tenant(2, ['contoso.com'])]),
    );
    // line 1 claims it while tenant 1 holds it; line 2 gives it up, so it passes to tenant 2
    expect(r).toMatchObject({ imported: 1, updated: 2, rejected: [] });
    expect(repo.domains.get('contoso.com')).toBe(id(2));
    await expect(service.listConflicts()).resolves.toEqual([]);
  });

  it('writes in batches of at most 500 and flushes before a tenant repeats', async () => {
    const { repo, service } = setup();
    const lines = Array.from({ length: 1200 }, (_, i) => tenant(i + 1));
    lines.splice(10, 0, tenant(3, [], { name: 'Tenant 3 renamed' }));
    const r = await service.importTenants(from(lines));
    expect(r).toEqual({ imported: 1200, updated: 1, rejected: [], warnings: [], conflicts: [] });
    expect(Math.max(...repo.batches)).toBeLessThanOrEqual(500);
    expect(repo.batches.reduce((a, b) => a + b, 0)).toBe(1201);
    expect(repo.tenants.get(id(3))!.name).toBe('Tenant 3 renamed');
  });

  it('flushes early when lines are large, so a batch holds a bounded amount of input', async () => {
    const { repo, service } = setup();
    const contacts = Array.from({ length: 1000 }, (_, i) => ({ email: `c${i}@big.example`, name: 'n'.repeat(500) }));
    const lines = Array.from({ length: 40 }, (_, i) => tenant(i + 1, [], { contacts }));
    expect(lines[0]!.length).toBeGreaterThan(500_000);
    const r = await service.importTenants(from(lines));
    expect(r).toEqual({ imported: 40, updated: 0, rejected: [], warnings: [], conflicts: [] });
    expect(repo.batches.length).toBeGreaterThan(1);
    expect(Math.max(...repo.batches) * lines[0]!.length).toBeLessThan(17 * 1024 * 1024);
  });

  it('drops operator domains from the configuration with a warning and imports the tenant', async () => {
    const { repo, service } = setup(['microsoft.com']);
    const r = await service.importTenants(from([tenant(1, ['eu.microsoft.com', 'one.com'])]));
    expect(r).toMatchObject({
      imported: 1,
      rejected: [],
      warnings: [{ line: 1, field: 'domains[0]', reason: '"eu.microsoft.com": is an operator domain; dropped' }],
    });
    expect(repo.tenants.get(id(1))!.domains).toEqual(['one.com']);
  });

  it('reports warnings with their line numbers, in line order', async () => {
    const { service } = setup();
    const r = await service.importTenants(
      from([
        tenant(1, ['gmail.com']),
        '',
        tenant(2, [], {
          phones: ['+1 555 555 5555'],
          contacts: [{ email: 'x' }, { email: 'ok@two.com', locale: '??' }],
        }),
      ]),
    );
    expect(r.imported).toBe(2);
    expect(r.warnings.map((w) => [w.line, w.field])).toEqual([
      [1, 'domains[0]'],
      [3, 'phones[0]'],
      [3, 'contacts[0].email'],
      [3, 'contacts[1].locale'],
    ]);
  });

  it('rejects an overlong line without parsing it', async () => {
    const { service } = setup();
    const r = await service.importTenants(from(['x'.repeat(1_048_577)]));
    expect(r.rejected).toEqual([{ line: 1, reason: 'line longer than 1048576 characters' }]);
  });
});

describe('DirectoryService.importTenantsCsv', () => {
  const csv = (text: string) => Readable.from([Buffer.from(text)]);

  it('merges the rows of one tenant, adjacent or not, and names the CSV column and the line a row starts on', async () => {
    const { repo, service } = setup();
    const text =
      '\ufefftenantId;name;domains;contactEmail;contactName;contactRoles;contactLocale\n' +
      `${id(1)};Tenant 1;"one.com\ngmail.com";a@one.com;Ann A.;GlobalAdmin;de-DE\n` +
      `${id(2)};Tenant 2;two.com;b@two.com;;GlobalAdmin,PrivacyReader;\n` +
      `${id(1)};;one.net;c@one.com;;PrivacyReader;xx-!!\n` +
      `not-a-guid;Tenant 3;three.com;;;;\n`;
    const r = await service.importTenantsCsv(csv(text));
    expect(r.imported).toBe(2);
    expect(r.updated).toBe(0);
    // the quoted line break makes the first row two lines long
    expect(r.rejected).toEqual([{ line: 6, reason: 'tenantId: "not-a-guid" is not a GUID' }]);
    expect(r.warnings).toEqual([
      { line: 2, field: 'domains', reason: '"gmail.com": is a free-mail domain; dropped' },
      { line: 5, field: 'contactLocale', reason: '"xx-!!": not a BCP-47 language tag; en-US used' },
    ]);
    const one = repo.tenants.get(id(1))!;
    expect(one.name).toBe('Tenant 1');
    expect(one.domains).toEqual(['one.com', 'one.net']);
    expect(one.contacts.map((c) => [c.email, c.name, c.roles, c.locale])).toEqual([
      ['a@one.com', 'Ann A.', ['GlobalAdmin'], 'de-DE'],
      ['c@one.com', null, ['PrivacyReader'], 'en-US'],
    ]);
    expect(repo.tenants.get(id(2))!.contacts[0]!.roles).toEqual(['GlobalAdmin', 'PrivacyReader']);
  });

  it('rejects a tenant named on none of its rows', async () => {
    const { service } = setup();
    const r = await service.importTenantsCsv(csv(`tenantId,name,domains\n${id(1)},,one.com\n`));
    expect(r).toMatchObject({ imported: 0, rejected: [{ line: 2, reason: 'name: required' }] });
  });
});

describe('DirectoryService lookups', () => {
  it('answers 400 for a malformed id and 404 for an unknown one', async () => {
    const { service } = setup();
    await expect(service.getTenant('nope')).rejects.toMatchObject({ status: 400 });
    await expect(service.getTenant(id(5))).rejects.toMatchObject({ status: 404 });
    await service.importTenants(from([tenant(5, ['five.com'])]));
    await expect(service.getTenant(id(5).toUpperCase())).resolves.toMatchObject({
      tenantId: id(5),
      domains: ['five.com'],
    });
  });

  it('refuses pages out of range', async () => {
    const { service } = setup();
    await expect(service.listTenants({ take: 0 })).rejects.toMatchObject({ status: 400 });
    await expect(service.listTenants({ take: 1001 })).rejects.toMatchObject({ status: 400 });
    await expect(service.listTenants({ skip: -1 })).rejects.toMatchObject({ status: 400 });
    await expect(service.listTenants()).resolves.toEqual({ total: 0, skip: 0, take: 100, tenants: [] });
  });
});
