import { DirectoryService } from './directory.service.js';
import { DomainTakenError, type DirectoryRepository, type TenantRecord } from './directory.repository.js';
import type { TenantInput } from './tenant-line.js';

/**
 * An in-memory repository with the real one's contract: a batch is all or nothing, and a domain
 * held by a tenant outside the batch makes it throw DomainTakenError.
 */
class FakeRepository {
  tenants = new Map<string, TenantInput>();
  domains = new Map<string, string>();
  batches: number[] = [];
  /** domains another importer verifies between our check and our write */
  raceOnce = new Map<string, string>();

  async findDomainOwners(domains: readonly string[]) {
    return new Map(domains.filter((d) => this.domains.has(d)).map((d) => [d, this.domains.get(d)!]));
  }

  async writeTenants(batch: readonly TenantInput[]) {
    for (const [d, owner] of this.raceOnce) this.domains.set(d, owner);
    this.raceOnce.clear();
    const ids = new Set(batch.map((t) => t.id));
    const domains = new Map([...this.domains].filter(([, owner]) => !ids.has(owner)));
    for (const t of batch) for (const d of t.domains) {
      if (domains.has(d)) throw new DomainTakenError();
      domains.set(d, t.id);
    }
    this.domains = domains;
    this.batches.push(batch.length);
    return batch.map((t) => {
      const created = !this.tenants.has(t.id);
      this.tenants.set(t.id, t);
      return { id: t.id, created };
    });
  }

  async getTenant(id: string): Promise<TenantRecord | null> {
    const t = this.tenants.get(id);
    const at = new Date('2026-01-01T00:00:00Z');
    return t ? { id: t.id, name: t.name, aliases: t.aliases, phones: t.phones, domains: t.domains, contacts: t.contacts, createdAt: at, updatedAt: at } : null;
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
  const service = new DirectoryService(repo as unknown as DirectoryRepository, { OPERATOR_DOMAINS: operatorDomains });
  return { repo, service };
}

describe('DirectoryService.importTenants', () => {
  it('counts new and existing tenants, skips blank lines and numbers lines physically', async () => {
    const { repo, service } = setup();
    const r1 = await service.importTenants(from([tenant(1, ['a.com']), '', '   ', tenant(2, ['b.com']), '{bad']));
    expect(r1).toEqual({ imported: 2, updated: 0, rejected: [{ line: 5, reason: 'not valid JSON' }] });
    const r2 = await service.importTenants(from([tenant(1, ['a.com']), tenant(3, ['c.com'])]));
    expect(r2).toEqual({ imported: 1, updated: 1, rejected: [] });
    expect([...repo.tenants.keys()].sort()).toEqual([id(1), id(2), id(3)]);
  });

  it('rejects a domain claimed by another tenant in the database, naming only the domain', async () => {
    const { service } = setup();
    await service.importTenants(from([tenant(1, ['contoso.com'])]));
    const r = await service.importTenants(from([tenant(2, ['fabrikam.com', 'Contoso.COM'])]));
    expect(r).toEqual({ imported: 0, updated: 0, rejected: [{ line: 1, reason: 'domain contoso.com is already verified by another tenant' }] });
    expect(r.rejected[0]!.reason).not.toContain(id(1));
  });

  it('rejects a domain claimed earlier in the same file, across batches too', async () => {
    const { service } = setup();
    const filler = Array.from({ length: 600 }, (_, i) => tenant(100 + i, [`t${i}.com`]));
    const r = await service.importTenants(from([tenant(1, ['contoso.com']), tenant(2, ['contoso.com']), ...filler, tenant(3, ['contoso.com'])]));
    expect(r.imported).toBe(601);
    expect(r.rejected).toEqual([
      { line: 2, reason: 'domain contoso.com is already verified by another tenant' },
      { line: 603, reason: 'domain contoso.com is already verified by another tenant' },
    ]);
  });

  it('lets a subdomain belong to another tenant than its parent', async () => {
    const { service } = setup();
    const r = await service.importTenants(from([tenant(1, ['contoso.com']), tenant(2, ['labs.contoso.com'])]));
    expect(r).toEqual({ imported: 2, updated: 0, rejected: [] });
  });

  it('lets a domain move to another tenant once its holder gave it up earlier in the file', async () => {
    const { repo, service } = setup();
    await service.importTenants(from([tenant(1, ['contoso.com'])]));
    const r = await service.importTenants(from([tenant(2, ['contoso.com']), tenant(1, []), tenant(2, ['contoso.com'])]));
    // line 1: tenant 1 still holds it; line 2 gives it up; line 3 takes it (a re-import of 2: updated)
    expect(r).toEqual({ imported: 1, updated: 1, rejected: [{ line: 1, reason: 'domain contoso.com is already verified by another tenant' }] });
    expect(repo.domains.get('contoso.com')).toBe(id(2));
  });

  it('writes in batches of at most 500 and flushes before a tenant repeats', async () => {
    const { repo, service } = setup();
    const lines = Array.from({ length: 1200 }, (_, i) => tenant(i + 1));
    lines.splice(10, 0, tenant(3, [], { name: 'Tenant 3 renamed' }));
    const r = await service.importTenants(from(lines));
    expect(r).toEqual({ imported: 1200, updated: 1, rejected: [] });
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
    expect(r).toEqual({ imported: 40, updated: 0, rejected: [] });
    expect(repo.batches.length).toBeGreaterThan(1);
    expect(Math.max(...repo.batches) * lines[0]!.length).toBeLessThan(17 * 1024 * 1024);
  });

  it('turns a domain verified concurrently (unique violation) into a rejected line, keeping the others', async () => {
    const { repo, service } = setup();
    repo.raceOnce.set('raced.com', id(99));
    const r = await service.importTenants(from([tenant(1, ['a.com']), tenant(2, ['raced.com']), tenant(3, ['c.com'])]));
    expect(r).toEqual({ imported: 2, updated: 0, rejected: [{ line: 2, reason: 'domain raced.com is already verified by another tenant' }] });
    expect([...repo.tenants.keys()].sort()).toEqual([id(1), id(3)]);
  });

  it('rejects operator domains from the configuration', async () => {
    const { service } = setup(['microsoft.com']);
    const r = await service.importTenants(from([tenant(1, ['eu.microsoft.com'])]));
    expect(r.rejected).toEqual([{ line: 1, reason: 'domains[0] "eu.microsoft.com": is an operator domain' }]);
  });

  it('rejects an overlong line without parsing it', async () => {
    const { service } = setup();
    const r = await service.importTenants(from(['x'.repeat(1_048_577)]));
    expect(r.rejected).toEqual([{ line: 1, reason: 'line longer than 1048576 characters' }]);
  });
});

describe('DirectoryService lookups', () => {
  it('answers 400 for a malformed id and 404 for an unknown one', async () => {
    const { service } = setup();
    await expect(service.getTenant('nope')).rejects.toMatchObject({ status: 400 });
    await expect(service.getTenant(id(5))).rejects.toMatchObject({ status: 404 });
    await service.importTenants(from([tenant(5, ['five.com'])]));
    await expect(service.getTenant(id(5).toUpperCase())).resolves.toMatchObject({ tenantId: id(5), domains: ['five.com'] });
  });

  it('refuses pages out of range', async () => {
    const { service } = setup();
    await expect(service.listTenants({ take: 0 })).rejects.toMatchObject({ status: 400 });
    await expect(service.listTenants({ take: 1001 })).rejects.toMatchObject({ status: 400 });
    await expect(service.listTenants({ skip: -1 })).rejects.toMatchObject({ status: 400 });
    await expect(service.listTenants()).resolves.toEqual({ total: 0, skip: 0, take: 100, tenants: [] });
  });
});
