import { BadInputError, ConflictError, NotFoundError } from '../common/errors.js';
import type { AuditEntry, AuditService } from '../audit/audit.service.js';
import type { DirectoryRepository } from '../directory/directory.repository.js';
import type { AnalysisService } from './analysis.service.js';
import type { CampaignsRepository } from './campaigns.repository.js';
import { ReviewService, groupOf } from './review.service.js';

const C = '6f1e2d3c-4b5a-4978-8695-a4b3c2d1e0f9';
const A = '00000000-0000-4000-8000-00000000000a';
const B = '00000000-0000-4000-8000-00000000000b';
const X = '00000000-0000-4000-8000-00000000000c';

interface Item {
  id: string;
  campaignId: string;
  reviewKey: string;
  recordIds: string[];
  candidates: string[];
  triggers: string[];
  excerpts: string[];
  open: boolean;
  resolved: boolean;
  resolvedTenantId: string | null;
  resolvedBy: string | null;
  resolvedAt: Date | null;
}

const item = (id: string, candidates: string[], triggers = ['ambiguousWeakSignal']): Item => ({
  id,
  campaignId: C,
  reviewKey: `key-${id}`,
  recordIds: [`R-${id}`],
  candidates,
  triggers,
  excerpts: [],
  open: true,
  resolved: false,
  resolvedTenantId: null,
  resolvedBy: null,
  resolvedAt: null,
});

function setup(status: string, items: Item[]) {
  const campaign = { id: C, status };
  const decided: string[] = [];
  const audit: AuditEntry[] = [];
  const byId = new Map(items.map((i) => [i.id, i]));
  const repo = {
    find: async (id: string) => (id === C ? campaign : null),
    reviewItems: async (_c: string, f: { open?: boolean; resolved?: boolean }) =>
      items.filter(
        (i) => (f.open === undefined || i.open === f.open) && (f.resolved === undefined || i.resolved === f.resolved),
      ),
    reviewItemById: async (id: string) => byId.get(id) ?? null,
    resolveReview: async (_c: string, key: string, tenantId: string | null, by: string) => {
      const i = items.find((x) => x.reviewKey === key)!;
      Object.assign(i, { resolved: true, resolvedTenantId: tenantId, resolvedBy: by, resolvedAt: new Date(0) });
    },
    moveStatus: async (_id: string, from: string, to: string) =>
      campaign.status === from ? ((campaign.status = to), true) : false,
  } as unknown as CampaignsRepository;
  const directory = {
    tenantNames: async (ids: string[]) => ids.map((id) => ({ id, name: `name of ${id.slice(-1)}` })),
  } as unknown as DirectoryRepository;
  const analysis = { decide: async (id: string) => void decided.push(id) } as unknown as AnalysisService;
  const service = new ReviewService(repo, directory, analysis, {
    record: async (e: AuditEntry) => void audit.push(e),
  } as unknown as AuditService);
  return { service, campaign, decided, audit, items };
}

describe('ReviewService', () => {
  it('resolves an item of a ready campaign to one of its candidates and decides again', async () => {
    const s = setup('ready', [item('i1', [A, B])]);
    const v = await s.service.resolve('i1', A, 'alice');
    expect(v).toMatchObject({ resolved: true, resolution: { tenantId: A, by: 'alice' } });
    expect(v.candidates).toEqual([
      { tenantId: A, name: 'name of a' },
      { tenantId: B, name: 'name of b' },
    ]);
    expect(s.decided).toEqual([C]);
    expect(s.campaign.status).toBe('ready');
    expect(s.audit.map((e) => e.action)).toEqual(['review.resolve']);
  });

  it('resolves to none', async () => {
    const s = setup('ready', [item('i1', [A, B])]);
    await expect(s.service.resolve('i1', null, 'alice')).resolves.toMatchObject({ resolution: { tenantId: null } });
  });

  it('sends an approved campaign back to ready: the operator approves the decisions as they now are', async () => {
    const s = setup('approved', [item('i1', [A, B])]);
    await s.service.resolve('i1', B, 'alice');
    expect(s.campaign.status).toBe('ready');
    expect(s.audit.map((e) => e.action)).toEqual(['review.resolve', 'campaign.reviewChanged']);
  });

  it('refuses a tenant that is no candidate: an operator cannot make a tenant affected by review', async () => {
    const s = setup('ready', [item('i1', [A, B])]);
    await expect(s.service.resolve('i1', X, 'alice')).rejects.toThrow(BadInputError);
    expect(s.items[0]!.resolved).toBe(false);
    expect(s.decided).toEqual([]);
  });

  it.each(['draft', 'analyzing', 'sending', 'paused', 'completed', 'cancelled'])(
    'refuses to resolve while the campaign is %s',
    async (status) => {
      const s = setup(status, [item('i1', [A, B])]);
      await expect(s.service.resolve('i1', A, 'alice')).rejects.toThrow(ConflictError);
      expect(s.items[0]!.resolved).toBe(false);
      expect(s.decided).toEqual([]);
    },
  );

  it('answers an unknown item or campaign with not found', async () => {
    const s = setup('ready', [item('i1', [A, B])]);
    await expect(s.service.resolve('nope', A, 'alice')).rejects.toThrow(NotFoundError);
    await expect(s.service.list('00000000-0000-4000-8000-000000000000')).rejects.toThrow(NotFoundError);
  });

  it('resolves every open item of a group alike, and only those, deciding once', async () => {
    const shared = [item('i1', [A, B]), item('i2', [B, A])];
    const other = item('i3', [A, X]);
    const s = setup('ready', [...shared, other]);
    const g = groupOf(shared[0]!);
    expect(groupOf(shared[1]!)).toBe(g);
    expect(groupOf(other)).not.toBe(g);
    const out = await s.service.resolveGroup(C, g, A, 'alice');
    expect(out.items.map((i) => [i.reviewItemId, i.resolution?.tenantId])).toEqual([
      ['i1', A],
      ['i2', A],
    ]);
    expect(other.resolved).toBe(false);
    expect(s.decided).toEqual([C]);
  });

  it('refuses a group answer that is no candidate, and a group with nothing open', async () => {
    const s = setup('ready', [item('i1', [A, B])]);
    await expect(s.service.resolveGroup(C, groupOf(s.items[0]!), X, 'alice')).rejects.toThrow(BadInputError);
    await expect(s.service.resolveGroup(C, '0123456789abcdef', A, 'alice')).rejects.toThrow(NotFoundError);
    expect(s.items[0]!.resolved).toBe(false);
  });

  it('lists open items with their group and candidate names', async () => {
    const done = { ...item('i2', [A, B]), open: false };
    const s = setup('ready', [item('i1', [A, B]), done]);
    const list = await s.service.list(C);
    expect(list.map((i) => i.reviewItemId)).toEqual(['i1']);
    expect(list[0]).toMatchObject({ group: groupOf(s.items[0]!), resolution: null });
    expect((await s.service.list(C, { all: true })).map((i) => i.reviewItemId)).toEqual(['i1', 'i2']);
  });
});
