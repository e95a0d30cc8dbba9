import { Metrics } from '../observability/metrics.js';
import type { IncidentsService } from '../incidents/incidents.service.js';
import { deterministicOperationId } from '../mail/mail-transport.js';
import { NoticeComposer } from '../notices/notice-composer.js';
import { NoticeRenderer } from '../notices/notice-renderer.js';
import { TemplateEngine } from '../notices/template-engine.js';
import type { CampaignCompletion } from './campaign-completion.js';
import {
  writeKey,
  type NoticesRepository,
  type NoticeContext,
  type NoticeWrite,
} from '../notices/notices.repository.js';
import type { DispatchQueues } from './dispatch-queues.js';
import { NoIdentifiedImpactError } from './identified-impact.js';
import { NoticeJob } from './notice-job.js';
import { PAUSED_RECHECK_MS } from './step-outcome.js';
import type { WebhookService } from '../webhooks/webhook.service.js';

const C = '6f1e2d3c-4b5a-4978-8695-a4b3c2d1e0f9';
const T1 = '00000000-0000-4000-8000-000000000001';
const T2 = '00000000-0000-4000-8000-000000000002';

const renderer = new NoticeRenderer(new TemplateEngine());
const composer = new NoticeComposer(renderer);

/** What the repository would read for a tenant: affected, sending, two admins and a reader who gets nothing. */
function context(over: Partial<NoticeContext> = {}, status = 'sending'): NoticeContext {
  return {
    campaign: {
      id: C,
      status,
      title: '',
      supportUrl: 'https://support.example.com',
      supportPhone: null,
      supportEmail: 'privacy@example.com',
      respondBy: null,
      incidentDate: null,
    },
    decision: { decision: 'affected', records: 4 },
    tenant: { id: T1, name: 'Fabrikam' },
    dataCategories: ['Names', 'Email addresses'],
    noticeId: null,
    newNoticeId: 'MC1001',
    contacts: [
      { email: 'ana@fabrikam.example', roles: ['GlobalAdmin'], locale: 'de-DE' },
      { email: 'li@fabrikam.example', roles: ['MessageCenterReader', 'PrivacyReader'], locale: 'en-US' },
    ],
    ...over,
  };
}

/** The notice and delivery tables in memory, behaving as writeNotices does. */
class FakeNoticesRepository {
  contexts = new Map<string, NoticeContext>();
  writes: NoticeWrite[][] = [];
  /** tenants whose write fails (a row the database refuses) */
  refuse = new Set<string>();
  /** tenants whose notice another writer inserted first and that is not visible yet */
  raced = new Set<string>();
  private nextDelivery = 1n;

  noticeContexts = async (items: { campaignId: string; tenantId: string }[]) =>
    items.map((i) => this.contexts.get(i.tenantId)!);
  writeNotices = async (writes: NoticeWrite[]) => {
    this.writes.push(writes);
    const bad = writes.find((w) => this.refuse.has(w.tenantId));
    if (bad) throw new Error(`row of ${bad.tenantId} refused`);
    return new Map(
      writes.map((w) => [
        writeKey(w.campaignId, w.tenantId),
        this.raced.has(w.tenantId)
          ? { noticeId: null, pending: [] }
          : { noticeId: w.noticeId, pending: w.deliveries.map(() => this.nextDelivery++) },
      ]),
    );
  };
}

function setup() {
  const repo = new FakeNoticesRepository();
  const queued: bigint[][] = [];
  const queues = { enqueueEmails: async (ids: bigint[]) => void queued.push(ids) } as unknown as DispatchQueues;
  const touched: string[] = [];
  const completion = { touch: (id: string) => void touched.push(id) } as unknown as CampaignCompletion;
  const metrics = new Metrics();
  const hooked: string[][] = [];
  const webhooks = { noticesPosted: async (ids: string[]) => void hooked.push(ids) } as unknown as WebhookService;
  const job = new NoticeJob(
    repo as unknown as NoticesRepository,
    composer,
    renderer,
    queues,
    completion,
    metrics,
    webhooks,
    { wordsOfCampaigns: async () => new Map() } as unknown as IncidentsService,
  );
  return { job, repo, queued, touched, metrics, hooked };
}

describe('NoticeJob', () => {
  it("posts an affected tenant's notice with one delivery per privileged admin, then queues their emails", async () => {
    const s = setup();
    s.repo.contexts.set(T1, context());
    await expect(s.job.postNotice(C, T1)).resolves.toEqual({ kind: 'done' });
    const [[w]] = s.repo.writes as [[NoticeWrite]];
    expect(w.noticeId).toBe('MC1001');
    // the tenant's webhooks hear of the posted notice
    expect(s.hooked).toEqual([['MC1001']]);
    expect(w.notice).toMatchObject({ locale: 'de-DE', tags: expect.arrayContaining(['Data privacy']) });
    expect(Object.keys(w.notice!.translations!)).toEqual(['en-US']);
    expect(w.notice!.bodyHtml).toContain('MC1001');
    expect(w.deliveries).toEqual([
      {
        address: 'ana@fabrikam.example',
        role: 'GlobalAdmin',
        locale: 'de-DE',
        operationId: deterministicOperationId('notification-email', C, 'ana@fabrikam.example'),
      },
      {
        address: 'li@fabrikam.example',
        role: 'PrivacyReader',
        locale: 'en-US',
        operationId: deterministicOperationId('notification-email', C, 'li@fabrikam.example'),
      },
    ]);
    expect(s.queued).toEqual([[1n, 2n]]);
    expect(s.touched).toEqual([C]);
    expect((await s.metrics.noticesPosted.get()).values[0]!.value).toBe(1);
  });

  it.each(['not_affected', 'needs_review', null])(
    'never posts for a tenant whose decision is %s: the job fails with NoIdentifiedImpactError',
    async (decision) => {
      const s = setup();
      s.repo.contexts.set(T1, context({ decision: decision ? { decision, records: 4 } : null }));
      await expect(s.job.postNotice(C, T1)).rejects.toBeInstanceOf(NoIdentifiedImpactError);
      expect(s.repo.writes).toEqual([]);
      expect(s.queued).toEqual([]);
    },
  );

  it('keeps the refusal to its own job when a batch holds an affected and an unaffected tenant', async () => {
    const s = setup();
    s.repo.contexts.set(T1, context());
    s.repo.contexts.set(
      T2,
      context({ tenant: { id: T2, name: 'Other' }, decision: { decision: 'not_affected', records: 0 } }),
    );
    const [a, b] = await Promise.allSettled([s.job.postNotice(C, T1), s.job.postNotice(C, T2)]);
    expect(a).toEqual({ status: 'fulfilled', value: { kind: 'done' } });
    expect(b).toMatchObject({ status: 'rejected', reason: expect.any(NoIdentifiedImpactError) });
    expect(s.repo.writes.flat().map((w) => w.tenantId)).toEqual([T1]);
  });

  it('puts a paused campaign off, and ends the job of a cancelled or vanished one', async () => {
    const s = setup();
    s.repo.contexts.set(T1, context({}, 'paused'));
    await expect(s.job.postNotice(C, T1)).resolves.toEqual({ kind: 'deferred', ms: PAUSED_RECHECK_MS });
    s.repo.contexts.set(T1, context({}, 'cancelled'));
    await expect(s.job.postNotice(C, T1)).resolves.toEqual({ kind: 'skipped', reason: 'campaign is cancelled' });
    s.repo.contexts.set(T1, context({ campaign: null }));
    await expect(s.job.postNotice(C, T1)).resolves.toEqual({ kind: 'skipped', reason: 'campaign gone' });
    expect(s.repo.writes).toEqual([]);
  });

  it('retries when a concurrent writer won the notice and it is not visible yet, and when no number was drawn', async () => {
    const s = setup();
    s.repo.contexts.set(T1, context());
    s.repo.raced.add(T1);
    await expect(s.job.postNotice(C, T1)).resolves.toMatchObject({ kind: 'retry' });
    expect(s.queued).toEqual([[]]);
    s.repo.contexts.set(T1, context({ newNoticeId: null }));
    await expect(s.job.postNotice(C, T1)).resolves.toMatchObject({ kind: 'retry' });
  });

  it('gives up on a tenant without its exposure view: retrying cannot make one', async () => {
    const s = setup();
    s.repo.contexts.set(T1, context({ dataCategories: null }));
    await expect(s.job.postNotice(C, T1)).resolves.toMatchObject({ kind: 'permanent' });
    expect(s.repo.writes).toEqual([]);
  });

  it('writes only the deliveries again for a notice already posted, composing nothing', async () => {
    const s = setup();
    s.repo.contexts.set(T1, context({ noticeId: 'MC7', newNoticeId: null }));
    await expect(s.job.postNotice(C, T1)).resolves.toEqual({ kind: 'done' });
    expect(s.repo.writes[0]![0]).toMatchObject({ noticeId: 'MC7', notice: null });
    expect((await s.metrics.noticesPosted.get()).values[0]?.value ?? 0).toBe(0);
  });

  it('when a batch write fails, writes tenant by tenant so only the refused row fails its job', async () => {
    const s = setup();
    const [t3, t4] = ['00000000-0000-4000-8000-000000000003', '00000000-0000-4000-8000-000000000004'];
    for (const [t, n] of [
      [T1, 'MC1001'],
      [T2, 'MC1002'],
      [t3, 'MC1003'],
      [t4, 'MC1004'],
    ] as const)
      s.repo.contexts.set(t, context({ tenant: { id: t, name: t }, newNoticeId: n }));
    s.repo.refuse.add(T2);
    // the first two calls each start a batch at once; the next two wait and go together
    const results = await Promise.allSettled([t3, t4, T1, T2].map((t) => s.job.postNotice(C, t)));
    expect(s.repo.writes.map((b) => b.map((w) => w.tenantId))).toEqual([[t3], [t4], [T1, T2], [T1], [T2]]);
    expect(results.slice(0, 3)).toEqual(new Array(3).fill({ status: 'fulfilled', value: { kind: 'done' } }));
    expect(results[3]).toMatchObject({ status: 'rejected', reason: new Error(`row of ${T2} refused`) });
  });

  it('does a tenant asked for twice in one batch once, and answers both jobs', async () => {
    const s = setup();
    const t3 = '00000000-0000-4000-8000-000000000003';
    for (const t of [T1, T2, t3]) s.repo.contexts.set(t, context({ tenant: { id: t, name: t } }));
    const results = await Promise.all([T1, T2, t3, t3].map((t) => s.job.postNotice(C, t)));
    expect(results).toEqual(new Array(4).fill({ kind: 'done' }));
    expect(s.repo.writes.map((b) => b.map((w) => w.tenantId))).toEqual([[T1], [T2], [t3]]);
  });

  it('fails the jobs whose emails could not be queued: a retry finds the notice and queues them', async () => {
    const s = setup();
    s.repo.contexts.set(T1, context());
    (s.job as unknown as { queues: DispatchQueues }).queues.enqueueEmails = async () => {
      throw new Error('redis down');
    };
    await expect(s.job.postNotice(C, T1)).rejects.toThrow('redis down');
  });
});
