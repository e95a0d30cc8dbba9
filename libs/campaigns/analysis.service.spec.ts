import type { AppConfig } from '../config/config.js';
import type { DirectoryTenant } from '../attribution/directory-index.js';
import { NotFoundError } from '../common/errors.js';
import { Metrics } from '../observability/metrics.js';
import { ANALYSIS_PAGING, AnalysisService } from './analysis.service.js';
import type { CampaignsRepository, StoredAttribution } from './campaigns.repository.js';
import type { DirectoryRepository } from '../directory/directory.repository.js';
import type { ExposureRepository } from '../exposure/exposure.repository.js';

const C = '6f1e2d3c-4b5a-4978-8695-a4b3c2d1e0f9';
const CONTOSO = '00000000-0000-4000-8000-00000000000a';
const FABRIKAM = '00000000-0000-4000-8000-00000000000b';

const directory: DirectoryTenant[] = [
  { id: CONTOSO, name: 'Contoso', aliases: [], domains: ['contoso.com'], phones: [], contacts: [] },
  { id: FABRIKAM, name: 'Fabrikam', aliases: [], domains: ['fabrikam.com'], phones: [], contacts: [] },
];

type Row = { record_id: string; fingerprint: string; data: string; cluster_id: string };
const record = (id: string, r: object, fingerprint = id): Row => ({
  record_id: id,
  fingerprint,
  cluster_id: `cluster-${fingerprint}`,
  data: JSON.stringify({ recordId: id, kind: 'email', ...r }),
});

type Outcome = { decisions: { tenantId: string; decision: string }[]; reviews: unknown[]; views: Map<string, unknown> };

/** The campaign tables an analysis reads and writes, in memory, paged as PostgreSQL pages them. */
class FakeAnalysisTables {
  stored = new Map<string, StoredAttribution>();
  resolved: { reviewKey: string; resolvedTenantId: string | null }[] = [];
  outcome: Outcome | null = null;
  recordPages = 0;
  constructor(readonly records: Row[]) {}

  find = async (id: string) => (id === C ? { id: C, datasetId: 'd' } : null);
  withCampaignLock = async <T>(_id: string, fn: () => Promise<T>) => fn();
  loadDirectory = async () => directory;
  clearAttributions = async () => void this.stored.clear();
  resolvedReviews = async () => this.resolved;
  recordPage = async (_d: string, after: { fingerprint: string; recordId: string } | null, limit: number) => {
    this.recordPages++;
    const sorted = [...this.records].sort((a, b) =>
      a.fingerprint === b.fingerprint
        ? a.record_id.localeCompare(b.record_id)
        : a.fingerprint.localeCompare(b.fingerprint),
    );
    const from = after
      ? sorted.findIndex((r) => r.fingerprint === after.fingerprint && r.record_id === after.recordId) + 1
      : 0;
    return sorted.slice(from, from + limit);
  };
  insertAttributions = async (_c: string, rows: StoredAttribution[]) => {
    for (const r of rows) this.stored.set(r.recordId, r);
  };
  indexTenantRecords = async () => undefined;
  attributionPage = async (_c: string, after: string | null, limit: number) =>
    [...this.stored.values()]
      .sort((a, b) => a.recordId.localeCompare(b.recordId))
      .filter((r) => after === null || r.recordId > after)
      .slice(0, limit)
      .map((r) => ({ record_id: r.recordId, item_key: r.itemKey, attribution: JSON.parse(r.attribution) as unknown }));
  tenantAttributionPage = async (
    _c: string,
    tenantIds: string[],
    after: { tenantId: string; recordId: string } | null,
    limit: number,
  ) =>
    [...this.stored.values()]
      .flatMap((r) => r.tenantIds.filter((t) => tenantIds.includes(t)).map((t) => ({ t, r })))
      .sort((a, b) => a.t.localeCompare(b.t) || a.r.recordId.localeCompare(b.r.recordId))
      .filter(({ t, r }) => !after || t > after.tenantId || (t === after.tenantId && r.recordId > after.recordId))
      .slice(0, limit)
      .map(({ t, r }) => ({
        tenant_id: t,
        record_id: r.recordId,
        item_key: r.itemKey,
        attribution: JSON.parse(r.attribution) as unknown,
      }));
  saveOutcome = async (
    _c: string,
    decisions: Outcome['decisions'],
    reviews: unknown[],
    views: AsyncIterable<{ tenantId: string; view: object }>,
  ) => {
    const v = new Map<string, unknown>();
    for await (const x of views) v.set(x.tenantId, x.view);
    this.outcome = { decisions, reviews, views: v };
  };
}

function setup(records: Row[]) {
  const tables = new FakeAnalysisTables(records);
  const service = new AnalysisService(
    tables as unknown as CampaignsRepository,
    tables as unknown as DirectoryRepository,
    tables as unknown as ExposureRepository,
    { OPERATOR_DOMAINS: ['provider.example'] } as unknown as AppConfig,
    new Metrics(),
  );
  return { tables, service };
}

const decisionOf = (o: Outcome | null, tenantId: string) => o?.decisions.find((d) => d.tenantId === tenantId)?.decision;

const world = () => [
  record('R1', { from: 'ana@provider.example', to: ['lena@contoso.com'], subject: 'Migration' }),
  // a copy of R1's item (same fingerprint): attributed once, stored under its own id
  record('R1-copy', { from: 'ana@provider.example', to: ['lena@contoso.com'], subject: 'Migration' }, 'R1'),
  record('R2', { from: 'ana@provider.example', to: ['someone@elsewhere.example'], subject: 'Nothing of ours' }),
  record('R3', { kind: 'contact', people: [{ name: 'Bo', email: 'bo@fabrikam.com' }] }),
];

describe('AnalysisService', () => {
  const paging = { ...ANALYSIS_PAGING };
  afterEach(() => Object.assign(ANALYSIS_PAGING, paging));

  it('attributes each item once, stores only records that touch a tenant, and decides with a view per affected tenant', async () => {
    const { service, tables } = setup(world());
    const summary = await service.attribute(C);
    expect(summary).toMatchObject({ records: 4, attributedRecords: 3, tenants: { affected: 2 } });
    expect([...tables.stored.keys()].sort()).toEqual(['R1', 'R1-copy', 'R3']);
    expect(decisionOf(tables.outcome, CONTOSO)).toBe('affected');
    expect(decisionOf(tables.outcome, FABRIKAM)).toBe('affected');
    expect([...tables.outcome!.views.keys()].sort()).toEqual([CONTOSO, FABRIKAM]);
    // each view holds only its own tenant's records
    expect(JSON.stringify(tables.outcome!.views.get(FABRIKAM))).not.toContain('contoso');
  });

  it('reaches the same outcome when every page holds one row', async () => {
    const whole = setup(world());
    await whole.service.attribute(C);
    Object.assign(ANALYSIS_PAGING, { page: 1, tenantWindow: 1 });
    const paged = setup(world());
    await paged.service.attribute(C);
    expect(paged.tables.recordPages).toBeGreaterThan(4);
    expect(paged.tables.outcome).toEqual(whole.tables.outcome);
  });

  it('decides again from the stored attributions, without reading a record', async () => {
    const { service, tables } = setup(world());
    await service.attribute(C);
    const first = tables.outcome;
    const pages = tables.recordPages;
    await service.decide(C);
    expect(tables.recordPages).toBe(pages);
    expect(tables.outcome).toEqual(first);
  });

  it('makes nobody affected through the operator’s own domain or a domain no tenant holds', async () => {
    const { service, tables } = setup([record('R2', { from: 'ana@provider.example', to: ['x@elsewhere.example'] })]);
    await expect(service.attribute(C)).resolves.toMatchObject({ attributedRecords: 0, tenants: { affected: 0 } });
    expect(tables.outcome!.views.size).toBe(0);
  });

  it('refuses a campaign that does not exist', async () => {
    await expect(setup([]).service.attribute('00000000-0000-4000-8000-000000000000')).rejects.toThrow(NotFoundError);
  });
});
