import { Inject, Injectable, Logger } from '@nestjs/common';
import { InjectQueue } from '@nestjs/bullmq';
import { APP_CONFIG, type AppConfig } from '../config/config.js';
import { QUEUE } from '../queue/queues.js';
import { addJobs, jobIdOf, type JobQueue } from '../queue/jobs.js';
import { AuditService } from '../audit/audit.service.js';
import { DirectoryService } from '../directory/directory.service.js';
import { PRIVACY_ROLES } from '../auth/tenant-principal.js';
import { MAIL_TRANSPORT, deterministicOperationId, type MailTransport } from '../mail/mail-transport.js';
import { eventId, eventSubject, noticeEventBody, signedHeaders, type WebhookEventType } from './events.js';
import { postOnce, systemResolver, type OutboundPolicy } from './outbound.js';
import { WebhooksRepository, type NewDelivery } from './webhooks.repository.js';
import { disabledEmail } from './disabled-email.js';

/** A delivery job's result, in the shape the worker's outcome mapping takes. */
export type DeliveryOutcome =
  | { kind: 'done' }
  | { kind: 'skipped'; reason: string }
  | { kind: 'retry'; reason: string }
  | { kind: 'permanent'; reason: string };

/** Response bytes read at most, for the error text a tenant sees. */
const MAX_RESPONSE_BYTES = 4096;
const PAGE = 1000;

/**
 * Webhooks to the tenants' own tools: one delivery row per (event, endpoint) written before any
 * send, a deterministic job id per delivery, the row checked and claimed before each attempt, and
 * the same `webhook-id` on every attempt so a receiver drops a repeat (Standard Webhooks). Redis
 * only carries work: `reconcile` re-queues what PostgreSQL says is unfinished.
 */
@Injectable()
export class WebhookService {
  private readonly logger = new Logger(WebhookService.name);
  private readonly policy: OutboundPolicy;

  constructor(
    private readonly repo: WebhooksRepository,
    private readonly directory: DirectoryService,
    private readonly audit: AuditService,
    @Inject(MAIL_TRANSPORT) private readonly mail: MailTransport,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @InjectQueue(QUEUE.webhooks) private readonly queue: JobQueue<'webhooks'>,
  ) {
    this.policy = {
      allowedHosts: config.WEBHOOK_ALLOWED_HOSTS,
      connectTimeoutMs: config.WEBHOOK_CONNECT_TIMEOUT_MS,
      timeoutMs: config.WEBHOOK_TIMEOUT_MS,
      maxResponseBytes: MAX_RESPONSE_BYTES,
      resolver: systemResolver,
    };
  }

  /**
   * Notices were posted to their tenants' inboxes: one `notice.posted` per notice to every endpoint of
   * its tenant that subscribes and existed when it was posted. Safe to call again for the same
   * notices (a retried notice job does): the delivery rows and job ids are the same.
   */
  async noticesPosted(noticeIds: readonly string[]): Promise<void> {
    if (!noticeIds.length) return;
    await this.emit('notice.posted', noticeIds);
  }

  /**
   * Notices got a new revision: one `notice.updated` (an incident update) or `notice.withdrawn` per
   * notice and revision to every endpoint of its tenant that subscribes. Safe to call again: the
   * event id is made from the notice and the revision.
   */
  async noticesRevised(
    type: 'notice.updated' | 'notice.withdrawn',
    revisions: readonly { noticeId: string; revision: number }[],
  ): Promise<void> {
    if (!revisions.length) return;
    await this.emit(
      type,
      revisions.map((r) => r.noticeId),
      new Map(revisions.map((r) => [r.noticeId, r.revision])),
    );
  }

  private async emit(
    type: WebhookEventType,
    noticeIds: readonly string[],
    revisions?: ReadonlyMap<string, number>,
  ): Promise<void> {
    const subs = await this.repo.noticeSubscribers(noticeIds, type);
    if (!subs.length) return;
    const deliveries: NewDelivery[] = subs.map((s) => {
      const facts = { ...s, revision: revisions?.get(s.noticeId) };
      return {
        tenantId: s.tenantId,
        endpointId: s.endpointId,
        eventId: eventId(type, eventSubject(type, s.noticeId, facts.revision)),
        eventType: type,
        noticeId: s.noticeId,
        payload: noticeEventBody(type, facts, this.config.PUBLIC_BASE_URL),
      };
    });
    await this.enqueue(await this.repo.createDeliveries(deliveries));
  }

  private async enqueue(ids: readonly bigint[]): Promise<void> {
    if (!ids.length) return;
    await addJobs(
      this.queue,
      'deliver-webhook',
      ids.map((id) => ({ deliveryId: id.toString() })),
      {
        attempts: this.config.WEBHOOK_MAX_ATTEMPTS,
        backoff: { type: 'exponential', delay: this.config.WEBHOOK_RETRY_BASE_MS, jitter: 0.3 },
      },
    );
  }

  /** The delivery job: check the row, claim it, send once signed, record the result. */
  async deliver(deliveryId: bigint, lastAttempt: boolean): Promise<DeliveryOutcome> {
    const d = await this.repo.deliveryContext(deliveryId);
    if (!d) return { kind: 'skipped', reason: 'delivery or endpoint gone' };
    if (d.state === 'succeeded' || d.state === 'failed') return { kind: 'skipped', reason: `already ${d.state}` };
    if (!d.enabled) {
      await this.repo.giveUp(d.id, 'endpoint disabled');
      return { kind: 'skipped', reason: 'endpoint disabled' };
    }
    if (!(await this.repo.claim(d.id))) return { kind: 'skipped', reason: 'finished meanwhile' };
    const result = await postOnce(
      { url: d.url, headers: signedHeaders(d.secret, d.eventId, d.payload, new Date()), body: d.payload },
      this.policy,
    );
    if (result.ok) {
      await this.repo.recordResult(d.id, { state: 'succeeded', status: result.status, error: null });
      await this.repo.endpointSucceeded(d.endpointId);
      return { kind: 'done' };
    }
    const disabled = await this.repo.endpointFailed(d.endpointId, this.config.WEBHOOK_DISABLE_AFTER_MS, result.reason);
    const final = lastAttempt || disabled;
    await this.repo.recordResult(d.id, {
      state: final ? 'failed' : 'retrying',
      status: result.status,
      error: result.reason,
    });
    if (disabled) {
      this.logger.warn(`webhook endpoint ${d.endpointId} disabled after failing continuously`);
      await this.audit.record({
        actor: 'worker',
        action: 'webhook.endpoint.disabled',
        tenantId: d.tenantId,
        details: { endpointId: d.endpointId, reason: result.reason },
      });
      await this.notifyDisabled();
    }
    return final ? { kind: 'permanent', reason: result.reason } : { kind: 'retry', reason: result.reason };
  }

  /**
   * Emails the privileged admins of every tenant whose endpoint was disabled and who were not told
   * yet, once per disabling: the mark is set after the sends, and a repeat of a send carries the same
   * operation id, which the provider takes as the same message.
   */
  async notifyDisabled(): Promise<void> {
    for (const e of await this.repo.disabledUnnotified()) {
      const tenant = await this.directory.getTenant(e.tenantId).catch(() => null);
      const admins = (tenant?.contacts ?? []).filter((c) => c.roles.some((r) => PRIVACY_ROLES.includes(r)));
      let allSent = true;
      for (const c of admins) {
        const m = disabledEmail({
          tenantName: tenant?.name ?? '',
          url: e.url,
          reason: e.reason,
          inboxUrl: `${this.config.PUBLIC_BASE_URL.replace(/\/+$/, '')}/inbox`,
          afterMs: this.config.WEBHOOK_DISABLE_AFTER_MS,
        });
        const outcome = await this.mail.send({
          operationId: deterministicOperationId('webhook-disabled', e.id, e.disabledAt.toISOString(), c.email),
          to: { address: c.email },
          ...m,
        });
        if (outcome.status !== 'succeeded') {
          allSent = false;
          this.logger.warn(`webhook-disabled email for endpoint ${e.id} not sent: ${outcome.reason}`);
        }
      }
      if (allSent) await this.repo.markDisableNotified(e.id);
    }
  }

  /** Re-queues every unfinished delivery (worker start); jobs parked as failed get fresh attempts. */
  async reconcile(): Promise<number> {
    let n = 0;
    for (let after = 0n; ;) {
      const ids = await this.repo.pendingDeliveries(after, PAGE);
      if (!ids.length) break;
      await this.enqueue(ids);
      for (const id of ids) {
        const job = await this.queue.getJob(jobIdOf(this.queue, 'deliver-webhook', { deliveryId: id.toString() }));
        if (job && (await job.isFailed()))
          await job.retry('failed', { resetAttemptsMade: true, resetAttemptsStarted: true });
      }
      n += ids.length;
      after = ids[ids.length - 1]!;
    }
    await this.notifyDisabled();
    return n;
  }
}
