import type { AuditEntry, AuditService } from '../audit/audit.service.js';
import { CampaignCompletion } from './campaign-completion.js';
import type { CampaignsRepository } from './campaigns.repository.js';
import type { NoticesRepository } from '../notices/notices.repository.js';
import type { DispatchQueues, ParkedJobs } from './dispatch-queues.js';
import { DispatchReconciler } from './dispatch-reconciler.js';

const C = '6f1e2d3c-4b5a-4978-8695-a4b3c2d1e0f9';
const T = (n: number) => `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`;

type Counts = Awaited<ReturnType<NoticesRepository['dispatchCounts']>> &
  Awaited<ReturnType<CampaignsRepository['decisionCounts']>>;
const counts = (c: Partial<Counts>): Counts => ({
  affected: 0,
  notAffected: 0,
  needsReview: 0,
  notices: 0,
  queued: 0,
  sending: 0,
  sent: 0,
  failed: 0,
  retrying: 0,
  updateEmails: { queued: 0, sent: 0, failed: 0, retrying: 0 },
  withdrawalEmails: { queued: 0, sent: 0, failed: 0, retrying: 0 },
  ...c,
});

function campaignsRepo(status: string, n: Partial<Counts> = {}) {
  const c = { id: C, status };
  const affected = [T(1), T(2), T(3)];
  return {
    c,
    repo: {
      find: async () => c,
      list: async () => [c, { id: 'other', status: 'completed' }],
      moveStatus: async (_id: string, from: string, to: string) =>
        c.status === from ? ((c.status = to), true) : false,
      decisionCounts: async () => counts(n),
      // keyset pages of two
      affectedTenants: async (_c: string, after: string | null) => {
        const from = after ? affected.indexOf(after) + 1 : 0;
        return affected.slice(from, from + 2);
      },
    } as unknown as CampaignsRepository,
  };
}

describe('CampaignCompletion', () => {
  function setup(status: string, n: Partial<Counts>) {
    const { c, repo } = campaignsRepo(status, n);
    const audit: AuditEntry[] = [];
    const completion = new CampaignCompletion(
      { dispatchCounts: async () => counts(n) } as unknown as NoticesRepository,
      repo,
      { record: async (e: AuditEntry) => void audit.push(e) } as unknown as AuditService,
    );
    return { c, completion, audit };
  }

  it('completes a sending campaign once every affected tenant has its notice and no email is unfinished', async () => {
    const s = setup('sending', { affected: 2, notices: 2, sent: 3, failed: 1 });
    await expect(s.completion.checkCompletion(C)).resolves.toBe(true);
    expect(s.c.status).toBe('completed');
    expect(s.audit).toEqual([
      expect.objectContaining({ action: 'campaign.complete', details: { notices: 2, sent: 3, failed: 1 } }),
    ]);
  });

  it.each([
    ['a notice is missing', { affected: 3, notices: 2, sent: 2 }],
    ['an email is queued', { affected: 2, notices: 2, sent: 2, queued: 1 }],
    ['an email is being sent', { affected: 2, notices: 2, sent: 2, sending: 1 }],
    ['an email waits to retry', { affected: 2, notices: 2, sent: 2, retrying: 1 }],
  ])('does not complete while %s', async (_why, n) => {
    const s = setup('sending', n);
    await expect(s.completion.checkCompletion(C)).resolves.toBe(false);
    expect(s.c.status).toBe('sending');
    expect(s.audit).toEqual([]);
  });

  it('leaves a paused or cancelled campaign alone, even with everything done', async () => {
    for (const status of ['paused', 'cancelled']) {
      const s = setup(status, { affected: 1, notices: 1, sent: 1 });
      await expect(s.completion.checkCompletion(C)).resolves.toBe(false);
      expect(s.c.status).toBe(status);
    }
  });
});

describe('DispatchReconciler', () => {
  function setup(pages: {
    pendingMail: { id: string; tenantId: string; hasDeliveries: boolean; pending: bigint[] }[];
  }) {
    const { repo: campaigns } = campaignsRepo('sending');
    const parked: ParkedJobs = { notices: new Set(['p-n']), emails: new Set(['p-e']) };
    const calls: { kind: string; args: unknown[] }[] = [];
    const repo = {
      // keyset pages of two
      noticesWithPendingDeliveries: async (_c: string, after: string | null) => {
        const from = after ? pages.pendingMail.findIndex((n) => n.id === after) + 1 : 0;
        return pages.pendingMail.slice(from, from + 2);
      },
      // T(2) got its notice meanwhile: not queued again
      tenantsWithNotice: async (_c: string, ids: string[]) => new Set(ids.filter((t) => t === T(2))),
    } as unknown as NoticesRepository;
    const queues = {
      parked: async () => parked,
      enqueueEmails: async (...args: unknown[]) => void calls.push({ kind: 'emails', args }),
      enqueueNotices: async (...args: unknown[]) => void calls.push({ kind: 'notices', args }),
    } as unknown as DispatchQueues;
    const touched: string[] = [];
    const completion = { touch: (id: string) => void touched.push(id) } as unknown as CampaignCompletion;
    return { reconciler: new DispatchReconciler(repo, campaigns, queues, completion), calls, parked, touched };
  }

  it('queues every unfinished email, every notice without deliveries and every affected tenant without a notice, retrying parked jobs', async () => {
    const s = setup({
      pendingMail: [
        { id: 'MC1', tenantId: T(7), hasDeliveries: true, pending: [1n, 2n] },
        { id: 'MC2', tenantId: T(8), hasDeliveries: false, pending: [] },
        { id: 'MC3', tenantId: T(9), hasDeliveries: true, pending: [5n] },
      ],
    });
    await expect(s.reconciler.reconcile(C)).resolves.toEqual({ notices: 3, emails: 3 });
    expect(s.calls).toEqual([
      { kind: 'emails', args: [[1n, 2n], s.parked.emails] },
      { kind: 'notices', args: [C, [T(8)], s.parked.notices] },
      { kind: 'emails', args: [[5n], s.parked.emails] },
      { kind: 'notices', args: [C, [], s.parked.notices] },
      { kind: 'notices', args: [C, [T(1)], s.parked.notices] },
      { kind: 'notices', args: [C, [T(3)], s.parked.notices] },
    ]);
    expect(s.touched).toEqual([C]);
  });

  it('reconciles only the campaigns that are sending when a worker starts', async () => {
    const s = setup({ pendingMail: [] });
    await s.reconciler.reconcileAll();
    expect(s.touched).toEqual([C]);
  });
});
