import type { JobsOptions } from 'bullmq';
import { BadInputError, ConflictError, NotFoundError } from '../common/errors.js';
import type { AuditEntry, AuditService } from '../audit/audit.service.js';
import type { DatasetsService } from '../exposure/datasets.service.js';
import type { JobQueue } from '../queue/jobs.js';
import type { AnalysisService } from './analysis.service.js';
import type { CampaignsRepository } from './campaigns.repository.js';
import type { IncidentsService } from '../incidents/incidents.service.js';
import { CampaignsService, type Campaign } from './campaigns.service.js';

const ID = '6f1e2d3c-4b5a-4978-8695-a4b3c2d1e0f9';
const DATASET = '1a2b3c4d-5e6f-4a0b-8c1d-2e3f4a5b6c7d';

/** Campaigns in memory, with the repository's compare-and-set status move. */
class FakeCampaigns {
  readonly rows = new Map<string, Campaign>();
  openReviews = 0;
  /** the next moveStatus loses its race (another process moved the campaign first) */
  loseNextMove = false;

  add(status: string, extra: Partial<Campaign> = {}): Campaign {
    const c = { id: ID, datasetId: DATASET, status, createdBy: 'alice', title: '', ...extra } as Campaign;
    this.rows.set(c.id, c);
    return c;
  }
  // a copy, as a database read would give: a later move does not change what was read
  find = async (id: string) => {
    const c = this.rows.get(id);
    return c ? { ...c } : null;
  };
  create = async (data: Partial<Campaign>) => this.add('draft', { ...data, id: ID });
  update = async (id: string, data: Partial<Campaign>) => Object.assign(this.rows.get(id)!, data);
  list = async () => [...this.rows.values()];
  moveStatus = async (id: string, from: string, to: string, data: Partial<Campaign> = {}) => {
    const c = this.rows.get(id);
    if (this.loseNextMove) {
      this.loseNextMove = false;
      return false;
    }
    if (!c || c.status !== from) return false;
    Object.assign(c, data, { status: to });
    return true;
  };
  reviewItems = async (_id: string, filter: { open?: boolean; resolved?: boolean }) =>
    filter.open && filter.resolved === false ? new Array(this.openReviews).fill({}) : [];
  asRepository = () => this as unknown as CampaignsRepository;
}

class FakeAudit {
  readonly entries: AuditEntry[] = [];
  record = async (e: AuditEntry) => void this.entries.push(e);
  actions = () => this.entries.map((e) => e.action);
  asService = () => this as unknown as AuditService;
}

function setup(opts: { datasetStatus?: string; analysis?: () => Promise<object> } = {}) {
  const repo = new FakeCampaigns();
  const audit = new FakeAudit();
  const queued: { name: string; data: unknown; opts?: JobsOptions }[] = [];
  const queue = {
    name: 'analysis',
    add: async (name: string, data: unknown, o?: JobsOptions) => void queued.push({ name, data, opts: o }),
  } as unknown as JobQueue<'analysis'>;
  const datasets = { show: async () => ({ status: opts.datasetStatus ?? 'ready' }) } as unknown as DatasetsService;
  const analysis = {
    attribute: opts.analysis ?? (async () => ({ records: 3 })),
  } as unknown as AnalysisService;
  const incidents = {
    get: async (id: string) => ({ id }),
  } as unknown as IncidentsService;
  const service = new CampaignsService(repo.asRepository(), datasets, analysis, audit.asService(), queue, incidents);
  return { service, repo, audit, queued };
}

describe('CampaignsService', () => {
  it('refuses a campaign on a data set still ingesting, and a support URL that is not http(s)', async () => {
    const busy = setup({ datasetStatus: 'ingesting' });
    await expect(busy.service.create({ datasetId: DATASET }, 'alice')).rejects.toThrow(ConflictError);
    expect(busy.repo.rows.size).toBe(0);
    const { service, repo } = setup();
    await expect(service.create({ datasetId: DATASET, supportUrl: 'javascript:alert(1)' }, 'alice')).rejects.toThrow(
      BadInputError,
    );
    await expect(service.create({ datasetId: DATASET, respondBy: '12/31/2026' }, 'alice')).rejects.toThrow(
      'respond-by must be an ISO date',
    );
    expect(repo.rows.size).toBe(0);
  });

  it('creates a draft and audits who made it', async () => {
    const { service, audit } = setup();
    const c = await service.create({ datasetId: DATASET, supportEmail: 'privacy@example.com' }, 'alice');
    expect(c).toMatchObject({ status: 'draft', createdBy: 'alice', supportEmail: 'privacy@example.com' });
    expect(audit.entries).toEqual([expect.objectContaining({ actor: 'alice', action: 'campaign.create' })]);
  });

  it('refuses a move the lifecycle does not list, and one another process won meanwhile', async () => {
    const { service, repo, audit } = setup();
    repo.add('completed');
    await expect(service.move(ID, 'cancel', 'alice')).rejects.toThrow('cannot cancel a campaign that is completed');
    repo.rows.get(ID)!.status = 'sending';
    repo.loseNextMove = true;
    await expect(service.move(ID, 'pause', 'alice')).rejects.toThrow('changed while pause was applied');
    expect(audit.entries).toEqual([]);
    await expect(service.move('00000000-0000-4000-8000-000000000000', 'pause', 'a')).rejects.toThrow(NotFoundError);
  });

  it('refuses self-approval when a second operator is required, and allows it when not', async () => {
    const { service, repo, audit } = setup();
    repo.add('ready', { createdBy: 'alice' });
    await expect(service.approve(ID, 'alice', { requireSecondOperator: true })).rejects.toThrow(
      'the approver must be another operator',
    );
    expect(repo.rows.get(ID)!.status).toBe('ready');
    await expect(service.approve(ID, 'alice', { requireSecondOperator: false })).resolves.toMatchObject({
      status: 'approved',
      approvedBy: 'alice',
    });
    expect(audit.entries.at(-1)).toMatchObject({ action: 'campaign.approve', details: { selfApproval: true } });
  });

  it("knows the CLI's cli:alice and the API's alice for one operator", async () => {
    const { service, repo, audit } = setup();
    repo.add('ready', { createdBy: 'cli:alice' });
    await expect(service.approve(ID, 'alice', { requireSecondOperator: true })).rejects.toThrow(
      'the approver must be another operator',
    );
    await expect(service.approve(ID, 'cli:alicia', { requireSecondOperator: true })).resolves.toMatchObject({
      status: 'approved',
    });
    expect(audit.entries.at(-1)!.details).not.toHaveProperty('selfApproval');
  });

  it('withdraws an approval before the launch, and only then', async () => {
    const { service, repo, audit } = setup();
    repo.add('approved', { createdBy: 'alice', approvedBy: 'bob' });
    await expect(service.withdrawApproval(ID, 'carol')).resolves.toMatchObject({ status: 'ready', approvedBy: null });
    expect(audit.entries.at(-1)).toMatchObject({
      actor: 'carol',
      action: 'campaign.withdrawApproval',
      details: { from: 'approved', to: 'ready' },
    });
    await expect(service.withdrawApproval(ID, 'carol')).rejects.toThrow(
      'cannot withdrawApproval a campaign that is ready',
    );
    repo.rows.get(ID)!.status = 'sending';
    await expect(service.withdrawApproval(ID, 'carol')).rejects.toThrow(ConflictError);
  });

  it('refuses approval while review items are open, and approval of a campaign not analyzed', async () => {
    const { service, repo } = setup();
    repo.add('ready');
    repo.openReviews = 2;
    await expect(service.approve(ID, 'bob', { requireSecondOperator: true })).rejects.toThrow(
      '2 review item(s) are unresolved',
    );
    repo.openReviews = 0;
    repo.rows.get(ID)!.status = 'draft';
    await expect(service.approve(ID, 'bob', { requireSecondOperator: true })).rejects.toThrow(
      'cannot approve a campaign that is draft',
    );
    repo.rows.get(ID)!.status = 'ready';
    await expect(service.approve(ID, 'bob', { requireSecondOperator: true })).resolves.toMatchObject({
      status: 'approved',
    });
  });

  it('queues the analysis once per campaign, under its deterministic job id', async () => {
    const { service, repo, queued } = setup();
    repo.add('draft');
    await service.requestAnalysis(ID, 'alice');
    expect(repo.rows.get(ID)!.status).toBe('analyzing');
    expect(queued).toEqual([
      { name: 'analyze', data: { campaignId: ID }, opts: expect.objectContaining({ jobId: `analyze__${ID}` }) },
    ]);
    await expect(service.requestAnalysis(ID, 'alice')).rejects.toThrow(ConflictError);
    expect(queued).toHaveLength(1);
  });

  it('moves an analysis that fails on its last attempt to failed, and leaves earlier attempts to retry', async () => {
    const failing = setup({
      analysis: async () => {
        throw new Error('database went away');
      },
    });
    failing.repo.add('analyzing');
    await expect(failing.service.runAnalysis(ID, false)).rejects.toThrow('database went away');
    expect(failing.repo.rows.get(ID)!.status).toBe('analyzing');
    await expect(failing.service.runAnalysis(ID, true)).rejects.toThrow('database went away');
    expect(failing.repo.rows.get(ID)).toMatchObject({ status: 'failed', lastError: 'database went away' });
    expect(failing.audit.actions()).toEqual(['campaign.analysisFailed']);

    const ok = setup();
    ok.repo.add('analyzing');
    await ok.service.runAnalysis(ID, false);
    expect(ok.repo.rows.get(ID)).toMatchObject({ status: 'ready', analysis: { records: 3 } });
    // a campaign no longer analyzing (cancelled meanwhile) is left alone
    ok.repo.rows.get(ID)!.status = 'cancelled';
    await ok.service.runAnalysis(ID, true);
    expect(ok.repo.rows.get(ID)!.status).toBe('cancelled');
  });
});
