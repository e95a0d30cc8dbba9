import { Injectable, Logger } from '@nestjs/common';
import { InjectQueue } from '@nestjs/bullmq';
import { AuditService } from '../audit/audit.service.js';
import { BadInputError, ConflictError, NotFoundError } from '../common/errors.js';
import { DatasetsService } from '../exposure/datasets.service.js';
import { QUEUE } from '../queue/queues.js';
import { addJob, type JobQueue } from '../queue/jobs.js';
import { CampaignsRepository } from './campaigns.repository.js';
import { AnalysisService, type AnalysisProgress } from './analysis.service.js';
import type { CreateCampaignInput, SetReminderInput } from './campaign-input.js';
import { parseRemindBefore } from './reminder-duration.js';
import { transition, type CampaignAction } from './campaign-lifecycle.js';
import { sameOperator } from '../auth/operator-roles.js';
import { IncidentsService } from '../incidents/incidents.service.js';

export type Campaign = NonNullable<Awaited<ReturnType<CampaignsRepository['find']>>>;

/** The campaign's lifecycle and analysis; every operator action is audited. */
@Injectable()
export class CampaignsService {
  private readonly logger = new Logger(CampaignsService.name);

  constructor(
    private readonly repo: CampaignsRepository,
    private readonly datasets: DatasetsService,
    private readonly analysis: AnalysisService,
    private readonly audit: AuditService,
    @InjectQueue(QUEUE.analysis) private readonly analysisQueue: JobQueue<'analysis'>,
    private readonly incidents: IncidentsService,
  ) {}

  async get(id: string): Promise<Campaign> {
    const c = await this.repo.find(id);
    if (!c) throw new NotFoundError(`campaign ${id} not found`);
    return c;
  }

  async create(input: CreateCampaignInput, actor: string): Promise<Campaign> {
    const dataset = await this.datasets.show(input.datasetId);
    if (dataset.status !== 'ready')
      throw new ConflictError(`data set ${input.datasetId} is ${dataset.status}, not ready`);
    if (input.supportUrl && !/^https?:\/\//i.test(input.supportUrl))
      throw new BadInputError('support URL must start with https:// or http://');
    const respondBy = isoDate(input.respondBy, 'respond-by');
    const incidentDate = isoDate(input.incidentDate, 'incident-date');
    const remindBeforeSeconds = leadTime(input.remindBefore ?? null);
    // a reminder is timed from the act-by date: without one it would never be sent
    if (remindBeforeSeconds !== null && !respondBy)
      throw new BadInputError('remind-before needs a respond-by date: a reminder is sent that long before it');
    const incident = input.incidentId ? await this.incidents.get(input.incidentId) : null;
    const c = await this.repo.create({
      datasetId: input.datasetId,
      // without one, the database makes the campaign its own incident with en-US words from the
      // fixed narrative and these support contacts (prisma/migrations/*_incidents)
      ...(incident ? { incidentId: incident.id } : {}),
      // empty: each notice carries the template's title in the tenant's language
      title: input.title?.trim() ?? '',
      supportUrl: input.supportUrl ?? null,
      supportPhone: input.supportPhone ?? null,
      supportEmail: input.supportEmail ?? null,
      respondBy,
      incidentDate,
      remindBeforeSeconds,
      createdBy: actor,
    });
    await this.audit.record({
      actor,
      action: 'campaign.create',
      campaignId: c.id,
      // a new incident of its own is named here: its words come from the campaign's own values
      details: {
        datasetId: input.datasetId,
        incidentId: c.incidentId,
        ownIncident: !incident,
        ...(remindBeforeSeconds !== null ? { remindBeforeSeconds } : {}),
      },
    });
    return c;
  }

  /**
   * Turns reminders on (a lead time before the act-by date) or off, before or after the launch;
   * a cancelled campaign sends nothing more, so it is refused. Audited with the old and new value.
   */
  async setReminder(id: string, input: SetReminderInput, actor: string): Promise<Campaign> {
    const c = await this.get(id);
    const seconds = leadTime(input.remindBefore);
    if (seconds !== null && !c.respondBy)
      throw new ConflictError(`campaign ${id} has no respond-by date: a reminder is sent a lead time before it`);
    const changed = await this.repo.setRemindBefore(id, seconds);
    if (!changed) throw new ConflictError(`campaign ${id} is cancelled: it sends nothing more, reminders included`);
    await this.audit.record({
      actor,
      action: 'campaign.setReminder',
      campaignId: id,
      details: { from: changed.before, to: seconds },
    });
    return this.get(id);
  }

  /** Campaigns, newest first: status and the last analysis's counts (null until analyzed). */
  async list(skip: number, take: number) {
    const rows = await this.repo.list(skip, take);
    return {
      skip,
      take,
      campaigns: rows.map((c) => ({
        campaignId: c.id,
        datasetId: c.datasetId,
        incidentId: c.incidentId,
        title: c.title,
        status: c.status,
        createdBy: c.createdBy,
        createdAt: c.createdAt,
        approvedBy: c.approvedBy,
        counts: (c.analysis ?? null) as Record<string, unknown> | null,
      })),
    };
  }

  /** Applies a lifecycle move atomically (compare-and-set on the status) and audits it. */
  async move(
    id: string,
    action: CampaignAction,
    actor: string,
    data: Parameters<CampaignsRepository['moveStatus']>[3] = {},
    details: Record<string, boolean> = {},
  ): Promise<Campaign> {
    const c = await this.get(id);
    const t = transition(c.status, action);
    if (!t.ok) throw new ConflictError(t.reason);
    if (!(await this.repo.moveStatus(id, c.status, t.to, data))) {
      throw new ConflictError(`campaign ${id} changed while ${action} was applied; try again`);
    }
    await this.audit.record({
      actor,
      action: `campaign.${action}`,
      campaignId: id,
      details: { ...details, from: c.status, to: t.to },
    });
    return this.get(id);
  }

  /** Queues the analysis (attribution and decisions) on the worker. */
  async requestAnalysis(id: string, actor: string): Promise<Campaign> {
    const c = await this.move(id, 'analyze', actor, { lastError: null });
    await addJob(this.analysisQueue, 'analyze', { campaignId: id });
    return c;
  }

  /** The analysis job's work; a campaign that is not analyzing any more is left alone. */
  async runAnalysis(id: string, lastAttempt: boolean, onProgress?: (p: AnalysisProgress) => void): Promise<void> {
    const c = await this.repo.find(id);
    if (!c || c.status !== 'analyzing') return;
    try {
      const summary = await this.analysis.attribute(id, onProgress);
      await this.repo.update(id, { analysis: { ...summary } });
      await this.repo.moveStatus(id, 'analyzing', 'ready');
      await this.audit.record({
        actor: 'worker',
        action: 'campaign.analyzed',
        campaignId: id,
        details: { ...summary },
      });
    } catch (err) {
      this.logger.error(`analysis of campaign ${id} failed: ${(err as Error).message}`);
      if (lastAttempt) {
        await this.repo.moveStatus(id, 'analyzing', 'failed', { lastError: (err as Error).message.slice(0, 1000) });
        await this.audit.record({
          actor: 'worker',
          action: 'campaign.analysisFailed',
          campaignId: id,
          details: { error: (err as Error).message.slice(0, 1000) },
        });
      }
      throw err;
    }
  }

  /**
   * Four eyes: the approver must be another operator than the creator (`cli:alice` and the API's
   * `alice` are one person). `requireSecondOperator: false` (ALLOW_SELF_APPROVAL, demos) lets the
   * creator through, and the audit event says `selfApproval: true`.
   */
  async approve(id: string, actor: string, opts: { requireSecondOperator: boolean }): Promise<Campaign> {
    const c = await this.get(id);
    const selfApproval = sameOperator(c.createdBy, actor);
    if (opts.requireSecondOperator && selfApproval) {
      throw new ConflictError(
        `the approver must be another operator than the one who created the campaign (${c.createdBy})`,
      );
    }
    const open = await this.repo.reviewItems(id, { open: true, resolved: false });
    if (open.length)
      throw new ConflictError(`${open.length} review item(s) are unresolved; resolve them first (review list ${id})`);
    return this.move(
      id,
      'approve',
      actor,
      { approvedBy: actor, approvedAt: new Date() },
      selfApproval ? { selfApproval: true } : {},
    );
  }

  /** Takes an approval back before the launch: the campaign is ready again and needs a new approval. */
  withdrawApproval(id: string, actor: string): Promise<Campaign> {
    return this.move(id, 'withdrawApproval', actor, { approvedBy: null, approvedAt: null });
  }
}

/** The lead time in seconds (null: no reminders); the input schema has refused a bad one already. */
function leadTime(value: string | null): number | null {
  if (value === null) return null;
  const r = parseRemindBefore(value);
  if ('error' in r) throw new BadInputError(`remind-before ${r.error}`);
  return r.seconds;
}

function isoDate(value: string | undefined, name: string): Date | null {
  if (!value) return null;
  const d = new Date(value);
  if (Number.isNaN(d.getTime()) || !/^\d{4}-\d{2}-\d{2}/.test(value))
    throw new BadInputError(`${name} must be an ISO date (YYYY-MM-DD)`);
  return d;
}
