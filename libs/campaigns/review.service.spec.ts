import { Readable } from 'node:stream';
import { BadInputError, ConflictError, NotFoundError } from '../common/errors.js';
import type { AuditEntry, AuditService } from '../audit/audit.service.js';
import type { DirectoryRepository } from '../directory/directory.repository.js';
import type { AnalysisService } from './analysis.service.js';
import type { CampaignsRepository } from './campaigns.repository.js';
import type { ExposureRepository } from '../exposure/exposure.repository.js';
import { ReviewService, groupOf } from './review.service.js';

const csv = (text: string) => Readable.from([text]);

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
  justification?: string | null;
  assignedTo?: string | null;
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
    resolveReview: async (
      _c: string,
      key: string,
      tenantId: string | null,
      by: string,
      justification: string | null,
    ) => {
      const i = items.find((x) => x.reviewKey === key)!;
      Object.assign(i, {
        resolved: true,
        resolvedTenantId: tenantId,
        resolvedBy: by,
        resolvedAt: new Date(0),
        justification,
      });
    },
    assignReviews: async (_c: string, ids: string[], to: string | null) => {
      for (const i of items) if (ids.includes(i.id)) i.assignedTo = to;
      return ids;
    },
    attributionsOf: async () => new Map(),
    moveStatus: async (_id: string, from: string, to: string) =>
      campaign.status === from ? ((campaign.status = to), true) : false,
  } as unknown as CampaignsRepository;
  const directory = {
    tenantNames: async (ids: string[]) => ids.map((id) => ({ id, name: `name of ${id.slice(-1)}` })),
  } as unknown as DirectoryRepository;
  const analysis = { decide: async (id: string) => void decided.push(id) } as unknown as AnalysisService;
  const service = new ReviewService(
    repo,
    directory,
    analysis,
    { record: async (e: AuditEntry) => void audit.push(e) } as unknown as AuditService,
    { recordsById: async () => [] } as unknown as ExposureRepository,
  );
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

  it('keeps the reason with the resolution and in the audit event', async () => {
    const s = setup('ready', [item('i1', [A, B])]);
    const v = await s.service.resolve('i1', A, 'alice', 'the signature names Contoso');
    expect(v.resolution?.justification).toBe('the signature names Contoso');
    expect(s.audit[0]!.details).toMatchObject({ justification: 'the signature names Contoso' });
  });

  it('resolves what a filter takes, skips the items the answer cannot apply to, and decides once', async () => {
    const weakAB = item('i1', [A, B], ['weakSignalOnly']);
    const weakAX = item('i2', [A, X], ['weakSignalOnly']);
    const weakBX = item('i3', [B, X], ['weakSignalOnly']);
    const other = item('i4', [A, B], ['conflictedDomain']);
    const s = setup('ready', [weakAB, weakAX, weakBX, other]);
    const out = await s.service.resolveMatching(C, { trigger: 'weakSignalOnly' }, A, 'why', 'alice');
    expect(out.resolved.map((i) => i.reviewItemId)).toEqual(['i1', 'i2']);
    expect(out.skipped).toEqual([{ reviewItemId: 'i3', reason: `tenant ${A} is not a candidate of this item` }]);
    expect(weakBX.resolved).toBe(false);
    expect(other.resolved).toBe(false);
    expect(s.decided).toEqual([C]);
    await expect(
      s.service.resolveMatching(C, { candidate: '00000000-0000-4000-8000-0000000000ff' }, null, 'w', 'a'),
    ).rejects.toThrow(NotFoundError);
  });

  it('imports resolutions from CSV: every usable line applied, each other refused with its line and reason', async () => {
    const I1 = '00000000-0000-4000-8000-000000000001';
    const I2 = '00000000-0000-4000-8000-000000000002';
    const s = setup('ready', [item(I1, [A, B]), item(I2, [A, B])]);
    const file = [
      'Review Item Id,tenant_id,Justification',
      `${I1},${A},"signature: ""Contoso, Ltd."""`,
      `${I2},${X},wrong tenant`,
      `${I1},none,again`,
      `not-a-guid,none,x`,
      `${I2},none,`,
      `00000000-0000-4000-8000-000000000009,none,unknown`,
    ].join('\n');
    const out = await s.service.importResolutions(C, csv(file), 'alice');
    expect(out.resolved).toBe(1);
    expect(out.refused.map((r) => r.line)).toEqual([3, 4, 5, 6, 7]);
    expect(out.refused[0]!.reason).toContain('not a candidate');
    expect(out.refused[1]!.reason).toContain('already on line 2');
    expect(out.refused[2]!.reason).toContain('reviewItemId: must be a GUID');
    expect(out.refused[3]!.reason).toContain('justification');
    expect(out.refused[4]!.reason).toContain('not an item of this campaign');
    expect(s.items[0]).toMatchObject({ resolvedTenantId: A, justification: 'signature: "Contoso, Ltd."' });
    expect(s.items[1]!.resolved).toBe(false);
    expect(s.decided).toEqual([C]);
  });

  it('refuses a resolutions file without the needed columns, changing nothing', async () => {
    const s = setup('ready', [item('i1', [A, B])]);
    await expect(s.service.importResolutions(C, csv('id,tenant\ni1,none'), 'alice')).rejects.toThrow(
      /lacks the column\(s\) reviewItemId, tenantId, justification/,
    );
    expect(s.decided).toEqual([]);
  });

  it('assigns by filter and by id, audited, and refuses ids that are not open items of the campaign', async () => {
    const I1 = '00000000-0000-4000-8000-000000000001';
    const I2 = '00000000-0000-4000-8000-000000000002';
    const s = setup('ready', [item(I1, [A, B]), item(I2, [A, X])]);
    const out = await s.service.assign(C, { filter: { candidate: B } }, 'bob', 'alice');
    expect(out.assigned).toBe(1);
    expect(s.items[0]!.assignedTo).toBe('bob');
    expect(s.audit.at(-1)).toMatchObject({ action: 'review.assign', subject: 'bob' });
    await expect(
      s.service.assign(C, { reviewItemIds: ['00000000-0000-4000-8000-000000000009'] }, 'bob', 'alice'),
    ).rejects.toThrow(NotFoundError);
    expect((await s.service.list(C, { filter: { assignee: null } })).map((i) => i.reviewItemId)).toEqual([I2]);
  });
});
