import { ConflictError } from '../common/errors.js';
import type { AuditEntry, AuditService } from '../audit/audit.service.js';
import { transition, type CampaignAction, type CampaignStatus } from './campaign-lifecycle.js';
import { CampaignLauncher } from './campaign-launcher.js';
import type { CampaignsService, Campaign } from './campaigns.service.js';
import type { DispatchReconciler } from './dispatch-reconciler.js';
import type { LaunchWarning, PreviewService } from './preview.service.js';

const ID = '6f1e2d3c-4b5a-4978-8695-a4b3c2d1e0f9';

/** The campaign's status moves, with the real lifecycle rules, in memory. */
function fakeCampaigns(status: CampaignStatus) {
  const c = { id: ID, status } as Campaign;
  const moves: CampaignAction[] = [];
  const campaigns = {
    get: async () => ({ ...c }),
    move: async (_id: string, action: CampaignAction) => {
      const t = transition(c.status, action);
      if (!t.ok) throw new ConflictError(t.reason);
      moves.push(action);
      c.status = t.to;
      return { ...c };
    },
  };
  return { c, moves, campaigns: campaigns as unknown as CampaignsService };
}

function setup(status: CampaignStatus, opts: { problems?: string[]; warnings?: LaunchWarning[] } = {}) {
  const f = fakeCampaigns(status);
  const audit: AuditEntry[] = [];
  const reconciled: string[] = [];
  const preview = {
    renderCheck: async () => opts.problems ?? [],
    warnings: async () => opts.warnings ?? [],
  } as unknown as PreviewService;
  const reconciler = {
    reconcile: async (id: string) => (reconciled.push(id), { notices: 0, emails: 0 }),
  } as unknown as DispatchReconciler;
  const launcher = new CampaignLauncher(
    f.campaigns,
    preview,
    { record: async (e: AuditEntry) => void audit.push(e) } as unknown as AuditService,
    reconciler,
  );
  return { ...f, launcher, audit, reconciled };
}

describe('CampaignLauncher', () => {
  it.each(['draft', 'ready', 'analyzing', 'sending', 'completed', 'cancelled'] as const)(
    'refuses to launch a campaign that is %s, and queues nothing',
    async (status) => {
      const s = setup(status);
      await expect(s.launcher.launch(ID, 'alice')).rejects.toThrow(`cannot launch a campaign that is ${status}`);
      expect(s.reconciled).toEqual([]);
      expect(s.c.status).toBe(status);
    },
  );

  it('launches an approved campaign: sending, then everything PostgreSQL says is unsent is queued', async () => {
    const s = setup('approved');
    await expect(s.launcher.launch(ID, 'alice')).resolves.toMatchObject({ status: 'sending' });
    expect(s.reconciled).toEqual([ID]);
    expect(s.audit).toEqual([]);
  });

  it('refuses a launch whose notices do not render, before anything moves or is queued', async () => {
    const s = setup('approved', { problems: ['tenant T has no exposure view'] });
    await expect(s.launcher.launch(ID, 'alice')).rejects.toThrow('nothing was sent: tenant T has no exposure view');
    expect(s.c.status).toBe('approved');
    expect(s.reconciled).toEqual([]);
  });

  it('audits the locale fallbacks a launch goes ahead with', async () => {
    const warnings: LaunchWarning[] = [{ kind: 'localeFallback', requested: 'sv-SE', used: 'en-US', recipients: 2 }];
    const s = setup('approved', { warnings });
    await s.launcher.launch(ID, 'alice');
    expect(s.audit).toEqual([
      expect.objectContaining({ action: 'campaign.launch.warnings', details: { warnings }, actor: 'alice' }),
    ]);
  });

  it('pauses a sending campaign, and resumes it re-queueing what is unfinished', async () => {
    const s = setup('sending');
    await expect(s.launcher.pause(ID, 'alice')).resolves.toMatchObject({ status: 'paused' });
    expect(s.reconciled).toEqual([]);
    await expect(s.launcher.pause(ID, 'alice')).rejects.toThrow('cannot pause a campaign that is paused');
    await expect(s.launcher.resume(ID, 'alice')).resolves.toMatchObject({ status: 'sending' });
    expect(s.reconciled).toEqual([ID]);
    await expect(s.launcher.resume(ID, 'alice')).rejects.toThrow('cannot resume a campaign that is sending');
    expect(s.reconciled).toEqual([ID]);
  });

  it('cancels a sending or paused campaign, never a completed one', async () => {
    for (const status of ['sending', 'paused', 'approved'] as const) {
      const s = setup(status);
      await expect(s.launcher.cancel(ID, 'alice')).resolves.toMatchObject({ status: 'cancelled' });
    }
    const done = setup('completed');
    await expect(done.launcher.cancel(ID, 'alice')).rejects.toThrow('cannot cancel a campaign that is completed');
    expect(done.c.status).toBe('completed');
  });
});
