import { Inject, Injectable, Logger, OnModuleDestroy } from '@nestjs/common';
import { InjectQueue } from '@nestjs/bullmq';
import type { Queue } from 'bullmq';
import { APP_CONFIG, type AppConfig } from '../config/config.js';
import { renderNotificationEmail } from './notification-email.js';
import { Metrics } from '../observability/metrics.js';
import { AuditService } from '../audit/audit.service.js';
import { ConflictError } from '../common/errors.js';
import { QUEUE, jobId } from '../queue/queues.js';
import { MAIL_TRANSPORT, deterministicOperationId, type MailTransport } from '../mail/mail-transport.js';
import { NoticeComposer } from '../notices/notice-composer.js';
import { NoticeRenderer } from '../notices/notice-renderer.js';
import { FALLBACK_LOCALE } from '../notices/template-engine.js';
import { CampaignsRepository } from './campaigns.repository.js';
import {
  DispatchRepository,
  writeKey,
  type NoticeContext,
  type NoticeRow,
  type NoticeTranslations,
  type NoticeWrite,
} from './dispatch.repository.js';
import { Batcher } from './batcher.js';
import { CampaignsService, type Campaign } from './campaigns.service.js';
import { PRIVILEGED_ROLES, PreviewService } from './preview.service.js';
import { SendRateLimiter, type EvalClient } from './dispatch.send-rate.js';

const PAGE = 1000;
/** How long a job of a paused campaign waits before it looks again. */
const PAUSED_RECHECK_MS = 5000;
const COMPLETION_DEBOUNCE_MS = 300;
/** notice jobs running at once share their reads and writes: at most this many in one batch, this many batches at once */
const NOTICE_BATCH = { maxBatch: 100, maxConcurrent: 2 };

interface NoticeStep {
  campaignId: string;
  tenantId: string;
}

export type StepOutcome =
  | { kind: 'done' }
  | { kind: 'skipped'; reason: string }
  | { kind: 'deferred'; ms: number }
  | { kind: 'throttled'; ms: number }
  | { kind: 'retry'; reason: string }
  | { kind: 'permanent'; reason: string };

export class NoIdentifiedImpactError extends ConflictError {}

export const NOTICE_JOB_OPTS = {
  attempts: 10,
  backoff: { type: 'exponential', delay: 1000, jitter: 0.5 },
  removeOnComplete: true,
  removeOnFail: 5000,
};
export const EMAIL_JOB_OPTS = {
  attempts: 8,
  backoff: { type: 'exponential', delay: 5000, jitter: 0.5 },
  removeOnComplete: true,
  removeOnFail: 5000,
};

/**
 * Sending: launch and reconcile enqueue what PostgreSQL says is unfinished; the notice
 * job posts one notice per affected tenant and writes a delivery row per privileged contact; the
 * email job sends each delivery once. Redis only carries work: any of it can be lost and
 * `reconcile` puts it back, and the database rows make every step idempotent.
 */
@Injectable()
export class DispatchService implements OnModuleDestroy {
  private readonly logger = new Logger(DispatchService.name);
  private readonly completionTimers = new Map<string, NodeJS.Timeout>();
  private readonly noticeBatches = new Batcher<NoticeStep, StepOutcome>(
    (items) => this.postNotices(items),
    NOTICE_BATCH,
  );
  /** MAIL_RATE_PER_MINUTE over any 60 s, shared by every worker through Redis (made on first use) */
  private sendRateLimiter?: SendRateLimiter;

  constructor(
    private readonly repo: DispatchRepository,
    private readonly campaignsRepo: CampaignsRepository,
    private readonly campaigns: CampaignsService,
    private readonly preview: PreviewService,
    private readonly composer: NoticeComposer,
    private readonly renderer: NoticeRenderer,
    private readonly audit: AuditService,
    @Inject(MAIL_TRANSPORT) private readonly mail: MailTransport,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @InjectQueue(QUEUE.notices) private readonly noticesQueue: Queue,
    @InjectQueue(QUEUE.emails) private readonly emailsQueue: Queue,
    private readonly metrics: Metrics,
  ) {}

  onModuleDestroy(): void {
    for (const t of this.completionTimers.values()) clearTimeout(t);
  }

  // ── operator actions ──

  async launch(campaignId: string, actor: string): Promise<Campaign> {
    const c = await this.campaigns.get(campaignId);
    // render every notice's template once more before anything is sent: a broken template is
    // an operator error now, not a failed job later
    await this.preflight(c);
    // what preview warned of goes with the launch into the audit log: recipients whose language
    // has no templates and who are written to in another
    const warnings = c.status === 'approved' ? await this.preview.warnings(campaignId) : [];
    const moved = await this.campaigns.move(campaignId, 'launch', actor, { startedAt: new Date(), lastError: null });
    if (warnings.length) {
      this.logger.warn(
        `campaign ${campaignId} launched with locale fallbacks: ${warnings.map((w) => `${w.recipients} × ${JSON.stringify(w.requested)} → ${w.used}`).join(', ')}`,
      );
      await this.audit.record({
        actor,
        action: 'campaign.launch.warnings',
        campaignId,
        details: { warnings: warnings.map((w) => ({ ...w })) },
      });
    }
    await this.reconcile(campaignId);
    return moved;
  }

  async pause(campaignId: string, actor: string): Promise<Campaign> {
    return this.campaigns.move(campaignId, 'pause', actor);
  }

  async resume(campaignId: string, actor: string): Promise<Campaign> {
    const c = await this.campaigns.move(campaignId, 'resume', actor);
    await this.reconcile(campaignId);
    return c;
  }

  /**
   * Enqueues every unfinished step of a sending campaign from what PostgreSQL records: notices not
   * posted, deliveries not finished. Deterministic job ids make a repeat harmless.
   */
  async reconcile(campaignId: string): Promise<{ notices: number; emails: number }> {
    let notices = 0;
    let emails = 0;
    // jobs BullMQ parked as failed (stalled too often, attempts used up) while the record says
    // their work is not done: adding them again with the same id would do nothing
    const parked = {
      notices: await this.parkedJobIds(this.noticesQueue),
      emails: await this.parkedJobIds(this.emailsQueue),
    };
    // Mail first: at a launch nothing is posted yet, so this pass is empty, instead of chasing the
    // notices the workers post meanwhile (their jobs queue their own emails).
    for (let after: string | null = null; ;) {
      const page = await this.repo.noticesWithPendingDeliveries(campaignId, after, PAGE);
      if (!page.length) break;
      const pending = page.flatMap((n) => n.pending);
      await this.enqueueEmails(pending);
      await this.unpark(
        this.emailsQueue,
        parked.emails,
        pending.map((id) => jobId('email', id.toString())),
      );
      emails += pending.length;
      // a notice whose deliveries were never written goes through the notice job again
      const bare = page.filter((n) => !n.hasDeliveries);
      if (bare.length) {
        await this.noticesQueue.addBulk(
          bare.map((n) => ({
            name: 'post-notice',
            data: { campaignId, tenantId: n.tenantId },
            opts: { ...NOTICE_JOB_OPTS, jobId: jobId('notice', campaignId, n.tenantId) },
          })),
        );
        await this.unpark(
          this.noticesQueue,
          parked.notices,
          bare.map((n) => jobId('notice', campaignId, n.tenantId)),
        );
        notices += bare.length;
      }
      after = page[page.length - 1]!.id;
    }
    for (let after: string | null = null; ;) {
      const tenants = await this.repo.affectedWithoutNotice(campaignId, after, PAGE);
      if (!tenants.length) break;
      await this.noticesQueue.addBulk(
        tenants.map((tenantId) => ({
          name: 'post-notice',
          data: { campaignId, tenantId },
          opts: { ...NOTICE_JOB_OPTS, jobId: jobId('notice', campaignId, tenantId) },
        })),
      );
      await this.unpark(
        this.noticesQueue,
        parked.notices,
        tenants.map((tenantId) => jobId('notice', campaignId, tenantId)),
      );
      notices += tenants.length;
      after = tenants[tenants.length - 1]!;
    }
    this.touch(campaignId);
    return { notices, emails };
  }

  /** Ids of the jobs in a queue's failed set (BullMQ keeps up to removeOnFail of them). */
  private async parkedJobIds(queue: Queue): Promise<Set<string>> {
    const client = (await queue.getBackend().client) as unknown as {
      zrange(key: string, start: number, stop: number): Promise<string[]>;
    };
    return new Set(await client.zrange(queue.toKey('failed'), 0, -1));
  }

  /** Retries, with fresh attempts, those of the jobs that are parked in the failed set. */
  private async unpark(queue: Queue, parked: Set<string>, ids: string[]): Promise<void> {
    for (const id of ids) {
      if (!parked.has(id)) continue;
      const job = await queue.getJob(id);
      if (job && (await job.isFailed()))
        await job.retry('failed', { resetAttemptsMade: true, resetAttemptsStarted: true });
    }
  }

  /** Reconciles every campaign that is sending: run when a worker starts. */
  async reconcileAll(): Promise<void> {
    for (const c of await this.campaignsRepo.list(0, 1000)) {
      if (c.status === 'sending')
        await this.reconcile(c.id).catch((e: Error) => this.logger.error(`reconcile ${c.id}: ${e.message}`));
    }
  }

  // ── the choke point ──

  /**
   * The one gate every notice and every email passes: the tenant's decision in this campaign must
   * be `affected`. (The database enforces the same for notices with a foreign key and a check.)
   */
  async assertIdentifiedImpact(campaignId: string, tenantId: string): Promise<void> {
    const d = await this.repo.decision(campaignId, tenantId);
    this.requireIdentifiedImpact(campaignId, tenantId, d?.decision);
  }

  /** The gate itself, on a decision the caller has just read (the jobs read it with the rest of their context). */
  requireIdentifiedImpact(campaignId: string, tenantId: string, decision: string | null | undefined): void {
    if (decision !== 'affected') {
      throw new NoIdentifiedImpactError(
        `tenant ${tenantId} has no identified impact in campaign ${campaignId} (${decision ?? 'no decision'}): nothing may be sent`,
      );
    }
  }

  // ── jobs ──

  /**
   * The notice job: post the tenant's notice and its deliveries, then queue the emails. Jobs
   * running at the same time share their reads and writes (a batch is one round trip each way);
   * each still gets its own outcome, and a NoIdentifiedImpactError is its own.
   */
  postNotice(campaignId: string, tenantId: string): Promise<StepOutcome> {
    return this.noticeBatches.submit({ campaignId, tenantId });
  }

  /** A batch of notice jobs: one read, one write (tenant by tenant if that fails), one enqueue. */
  private async postNotices(items: NoticeStep[]): Promise<(StepOutcome | Error)[]> {
    const out: (StepOutcome | Error | undefined)[] = new Array(items.length);
    // the same tenant twice in one batch is done once
    const first = new Map<string, number>();
    const unique: number[] = [];
    items.forEach((it, i) => {
      const k = writeKey(it.campaignId, it.tenantId);
      if (!first.has(k)) {
        first.set(k, i);
        unique.push(i);
      }
    });
    const ctxs = await this.repo.noticeContexts(
      unique.map((i) => items[i]!),
      PRIVILEGED_ROLES,
    );
    const writes: { i: number; w: NoticeWrite }[] = [];
    unique.forEach((i, j) => {
      try {
        const planned = this.planNotice(items[i]!, ctxs[j]!);
        if ('kind' in planned) out[i] = planned;
        else writes.push({ i, w: planned });
      } catch (e) {
        out[i] = e as Error;
      }
    });
    if (writes.length) {
      const written = await this.writeNotices(writes.map((x) => x.w));
      const pending: bigint[] = [];
      const posted: number[] = [];
      for (const { i, w } of writes) {
        const r = written.get(writeKey(w.campaignId, w.tenantId));
        if (r instanceof Error) out[i] = r;
        else if (!r?.noticeId)
          out[i] = { kind: 'retry', reason: `tenant ${w.tenantId}: a concurrent notice is not visible yet` };
        else {
          pending.push(...r.pending);
          posted.push(i);
          if (w.notice) this.metrics.noticesPosted.inc();
        }
      }
      try {
        await this.enqueueEmails(pending);
        for (const i of posted) out[i] = { kind: 'done' };
      } catch (e) {
        // the notices stand: a retry of these jobs finds them and queues their emails
        for (const i of posted) out[i] = e as Error;
      }
      for (const c of new Set(writes.map((x) => x.w.campaignId))) this.touch(c);
    }
    return items.map((it, i) => out[i] ?? out[first.get(writeKey(it.campaignId, it.tenantId))!]!);
  }

  /** Writes a batch; if the batch statement fails, each tenant alone, so one bad row fails only its own job. */
  private async writeNotices(
    writes: NoticeWrite[],
  ): Promise<Map<string, { noticeId: string | null; pending: bigint[] } | Error>> {
    try {
      return await this.repo.writeNotices(writes);
    } catch (e) {
      const out = new Map<string, { noticeId: string | null; pending: bigint[] } | Error>();
      if (writes.length === 1) return out.set(writeKey(writes[0]!.campaignId, writes[0]!.tenantId), e as Error);
      for (const w of writes) {
        try {
          for (const [k, v] of await this.repo.writeNotices([w])) out.set(k, v);
        } catch (err) {
          out.set(writeKey(w.campaignId, w.tenantId), err as Error);
        }
      }
      return out;
    }
  }

  /** One tenant's step from what was read: an outcome now, or what to write. The choke point throws here. */
  private planNotice({ campaignId, tenantId }: NoticeStep, ctx: NoticeContext): StepOutcome | NoticeWrite {
    const c = ctx.campaign;
    if (!c) return { kind: 'skipped', reason: 'campaign gone' };
    if (c.status === 'paused') return { kind: 'deferred', ms: PAUSED_RECHECK_MS };
    if (c.status !== 'sending') return { kind: 'skipped', reason: `campaign is ${c.status}` };
    this.requireIdentifiedImpact(campaignId, tenantId, ctx.decision?.decision);

    let noticeId = ctx.noticeId;
    let notice: NoticeWrite['notice'] = null;
    if (!noticeId) {
      if (!ctx.tenant || !ctx.decision || !ctx.dataCategories)
        return { kind: 'permanent', reason: `tenant ${tenantId}: directory entry or exposure view missing` };
      // the id comes first, so the body can quote it; a conflicting insert only wastes a number
      if (!ctx.newNoticeId) return { kind: 'retry', reason: `no message number drawn for tenant ${tenantId}` };
      noticeId = ctx.newNoticeId;
      // written in the language of the tenant's first privileged admin (PreviewService.tenantLocale's
      // rule), and once more in each other language its admins read and in en-US, so the inbox can
      // serve every reader theirs (the same notice: one id, one row)
      const compose = (locale: string) =>
        this.composer.compose({
          campaign: c,
          tenant: ctx.tenant!,
          messageId: noticeId,
          dataCategories: ctx.dataCategories!,
          records: ctx.decision!.records,
          locale,
          postedAt: new Date(),
        });
      const locale = this.renderer.resolveLocale(ctx.contacts[0]?.locale ?? FALLBACK_LOCALE);
      const m = compose(locale);
      const translations: NoticeTranslations = {};
      for (const other of new Set([
        ...ctx.contacts.map((ct) => this.renderer.resolveLocale(ct.locale)),
        FALLBACK_LOCALE,
      ])) {
        if (other === locale) continue;
        const t = compose(other);
        translations[other] = { title: t.title, bodyHtml: t.body.content };
      }
      notice = {
        title: m.title,
        category: m.category,
        severity: m.severity,
        tags: m.tags,
        isMajorChange: m.isMajorChange,
        actionRequiredBy: m.actionRequiredByDateTime ? new Date(m.actionRequiredByDateTime) : null,
        services: m.services,
        details: m.details,
        bodyHtml: m.body.content,
        locale,
        translations,
      };
    }
    // the notice and its delivery rows are written in one statement: never a notice without its deliveries
    return {
      campaignId,
      tenantId,
      noticeId,
      notice,
      deliveries: ctx.contacts.map((ct) => ({
        address: ct.email,
        role: ct.roles.find((r) => (PRIVILEGED_ROLES as readonly string[]).includes(r))!,
        locale: ct.locale,
        operationId: deterministicOperationId('notification-email', campaignId, ct.email),
      })),
    };
  }

  /** The email job: checks the delivery row, sends once with the deterministic operation id, records the result. */
  async sendEmail(deliveryId: bigint, lastAttempt: boolean): Promise<StepOutcome> {
    // one read for the delivery, its campaign, the tenant's decision and name
    const d = await this.repo.emailContext(deliveryId);
    if (!d) return { kind: 'skipped', reason: 'delivery gone' };
    if (d.state === 'sent' || d.state === 'failed') return { kind: 'skipped', reason: `already ${d.state}` };
    const c = d.campaign;
    if (!c) return { kind: 'skipped', reason: 'campaign gone' };
    if (c.status === 'paused') return { kind: 'deferred', ms: PAUSED_RECHECK_MS };
    if (c.status !== 'sending') return { kind: 'skipped', reason: `campaign is ${c.status}` };
    this.requireIdentifiedImpact(d.campaignId, d.tenantId, d.decision);
    if (!(PRIVILEGED_ROLES as readonly string[]).includes(d.role))
      return { kind: 'permanent', reason: `role ${d.role} may not receive data-privacy notices` };

    // the quota right before the send; a wait pauses the whole queue (no attempt is spent)
    this.sendRateLimiter ??= new SendRateLimiter(
      async () => (await this.emailsQueue.getBackend().client) as unknown as EvalClient,
      this.emailsQueue.toKey('send-rate'),
      this.config.MAIL_RATE_PER_MINUTE,
      (ms) => this.repo.recentSendAttempts(ms),
    );
    const slot = await this.sendRateLimiter.take(d.id.toString());
    if (slot.waitMs > 0) return { kind: 'throttled', ms: slot.waitMs };
    if (!(await this.repo.claimForSend(d.id, ['queued', 'retrying', 'sending']))) {
      return { kind: 'skipped', reason: 'finished meanwhile' };
    }
    const email = renderNotificationEmail(this.renderer, {
      noticeId: d.noticeId,
      tenantName: d.tenantName ?? '',
      locale: d.locale,
      campaign: c,
      publicBaseUrl: this.config.PUBLIC_BASE_URL,
    });
    const outcome = await this.mail.send({
      operationId: d.operationId,
      to: { address: d.address },
      subject: email.subject,
      html: email.html,
      text: email.text,
    });
    this.touch(d.campaignId);
    switch (outcome.status) {
      case 'succeeded':
        await this.repo.recordSendResult(d.id, {
          state: 'sent',
          sent: true,
          providerMessageId: outcome.providerMessageId,
          lastError: null,
        });
        this.metrics.emailsSent.inc();
        return { kind: 'done' };
      case 'throttled':
        await slot.release(); // refused, so not a send: it does not use up the quota
        // a throttled send is no attempt: the provider refused before trying
        await this.repo.recordSendResult(d.id, { state: 'retrying', lastError: outcome.reason, attemptsDelta: -1 });
        return { kind: 'throttled', ms: outcome.retryAfterMs };
      case 'failed':
        this.metrics.emailsFailed.labels(String(outcome.permanent || lastAttempt)).inc();
        if (outcome.permanent || lastAttempt) {
          await this.repo.recordSendResult(d.id, { state: 'failed', lastError: outcome.reason });
          return { kind: 'permanent', reason: outcome.reason };
        }
        await this.repo.recordSendResult(d.id, { state: 'retrying', lastError: outcome.reason });
        return { kind: 'retry', reason: outcome.reason };
    }
  }

  private async enqueueEmails(ids: bigint[]): Promise<void> {
    if (!ids.length) return;
    await this.emailsQueue.addBulk(
      ids.map((id) => ({
        name: 'send-email',
        data: { deliveryId: id.toString() },
        opts: { ...EMAIL_JOB_OPTS, jobId: jobId('email', id.toString()) },
      })),
    );
  }

  // ── progress ──

  /** Schedules a completion check shortly after the last activity (trailing debounce). */
  touch(campaignId: string): void {
    const t = this.completionTimers.get(campaignId);
    if (t) clearTimeout(t);
    this.completionTimers.set(
      campaignId,
      setTimeout(() => {
        this.completionTimers.delete(campaignId);
        this.checkCompletion(campaignId).catch((e: Error) =>
          this.logger.error(`completion check ${campaignId}: ${e.message}`),
        );
      }, COMPLETION_DEBOUNCE_MS).unref(),
    );
  }

  /** Completes a sending campaign when every affected tenant has its notice and every email is finished. */
  async checkCompletion(campaignId: string): Promise<boolean> {
    const c = await this.campaignsRepo.find(campaignId);
    if (c?.status !== 'sending') return false;
    const n = await this.repo.counts(campaignId);
    if (n.notices < n.affected || n.queued + n.sending + n.retrying > 0) return false;
    if (await this.campaignsRepo.moveStatus(campaignId, 'sending', 'completed', { finishedAt: new Date() })) {
      await this.audit.record({
        actor: 'worker',
        action: 'campaign.complete',
        campaignId,
        details: { notices: n.notices, sent: n.sent, failed: n.failed },
      });
      this.logger.log(
        `campaign ${campaignId} completed: ${n.notices} notices, ${n.sent} emails sent, ${n.failed} failed`,
      );
    }
    return true;
  }

  async status(campaignId: string) {
    const c = await this.campaigns.get(campaignId);
    const n = await this.repo.counts(campaignId);
    const emailsTotal = n.queued + n.sending + n.sent + n.failed + n.retrying;
    const work = n.affected + emailsTotal;
    const done = n.notices + n.sent + n.failed;
    return {
      campaignId: c.id,
      status: c.status,
      counts: {
        tenants: { affected: n.affected, notAffected: n.notAffected, needsReview: n.needsReview },
        notices: { posted: n.notices, expected: n.affected },
        emails: {
          queued: n.queued + n.sending,
          sent: n.sent,
          failed: n.failed,
          retrying: n.retrying,
          total: emailsTotal,
        },
      },
      progress: {
        done,
        total: work,
        percent: work ? Math.floor((done / work) * 1000) / 10 : c.status === 'completed' ? 100 : 0,
      },
      startedAt: c.startedAt?.toISOString() ?? null,
      finishedAt: c.finishedAt?.toISOString() ?? null,
      approvedBy: c.approvedBy,
      lastError: c.lastError,
    };
  }

  async deliveries(
    campaignId: string,
    state: 'queued' | 'sending' | 'sent' | 'failed' | 'retrying' | undefined,
    skip: number,
    take: number,
  ) {
    await this.campaigns.get(campaignId);
    const rows = await this.repo.deliveries(campaignId, state, skip, take);
    return { campaignId, skip, take, value: rows.map((r) => ({ ...r, id: r.id.toString() })) };
  }

  /**
   * Before anything is sent: every affected tenant has its exposure view, and the notice and the
   * email render in every locale the campaign will use. A failure is an operator error now, not a
   * failed job later.
   */
  private async preflight(c: Campaign): Promise<void> {
    if (c.status !== 'approved') return; // the lifecycle move refuses with its own reason
    const problems = await this.preview.renderCheck(c.id);
    if (problems.length) throw new ConflictError(`nothing was sent: ${problems.slice(0, 5).join('; ')}`);
  }
}
