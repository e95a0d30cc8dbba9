import { Inject, Injectable } from '@nestjs/common';
import { APP_CONFIG, type AppConfig } from '../config/config.js';
import { Metrics } from '../observability/metrics.js';
import { MAIL_TRANSPORT, type MailTransport } from '../mail/mail-transport.js';
import { NoticeRenderer } from '../notices/notice-renderer.js';
import { NoticesRepository, type EmailContext } from '../notices/notices.repository.js';
import type { RenderedEmail } from '../notices/notice-renderer.js';
import { PRIVILEGED_ROLES } from './preview.service.js';
import { SendRateLimiter } from './dispatch.send-rate.js';
import { DispatchQueues } from './dispatch-queues.js';
import { CampaignCompletion } from './campaign-completion.js';
import { requireIdentifiedImpact } from './identified-impact.js';
import { sendingGate, type StepOutcome } from './step-outcome.js';
import { RecipientsService } from '../recipients/recipients.service.js';
import { RECIPIENT_ROLE } from '../recipients/recipients.repository.js';
import { renderNotificationEmail } from './notification-email.js';
import { renderReminderEmail } from './reminder-email.js';
import { reminderGate } from './reminder-rule.js';
import { IncidentsService } from '../incidents/incidents.service.js';
import { laterEmailGate, renderRevisionEmail } from './revision-email.js';

/** Why a reminder is no longer worth sending at `now`, or null when it is. */
function staleReminder(d: Pick<EmailContext, 'noticeRead' | 'actionRequiredBy'>, now: Date): string | null {
  if (d.noticeRead) return 'the notice was read meanwhile';
  if (d.actionRequiredBy && d.actionRequiredBy.getTime() <= now.getTime()) return 'the act-by date has passed';
  return null;
}

/** The email job: checks the delivery row, sends once with the deterministic operation id, records the result. */
@Injectable()
export class EmailJob {
  /** MAIL_RATE_PER_MINUTE over any 60 s, shared by every worker through Redis (made on first use) */
  private sendRateLimiter?: SendRateLimiter;

  constructor(
    private readonly repo: NoticesRepository,
    private readonly renderer: NoticeRenderer,
    @Inject(MAIL_TRANSPORT) private readonly mail: MailTransport,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly queues: DispatchQueues,
    private readonly completion: CampaignCompletion,
    private readonly metrics: Metrics,
    private readonly recipients: RecipientsService,
    private readonly incidents: IncidentsService,
  ) {}

  async sendEmail(deliveryId: bigint, lastAttempt: boolean): Promise<StepOutcome> {
    // one read for the delivery, its campaign, the tenant's decision and name
    const d = await this.repo.emailContext(deliveryId);
    if (!d) return { kind: 'skipped', reason: 'delivery gone' };
    if (d.state === 'sent' || d.state === 'failed') return { kind: 'skipped', reason: `already ${d.state}` };
    const c = d.campaign;
    if (!c) return { kind: 'skipped', reason: 'campaign gone' };
    // the notice's email belongs to the campaign's sending; a reminder goes out after it completed
    // too (its act-by date nears long after), and a later revision's email whatever the campaign did since
    const held =
      d.kind === 'notice'
        ? sendingGate(c.status)
        : d.kind === 'reminder'
          ? reminderGate(c.status)
          : laterEmailGate(c.status);
    if (held) return held;
    requireIdentifiedImpact(d.campaignId, d.tenantId, d.decision);
    const stale = d.kind === 'reminder' ? staleReminder(d, new Date()) : null;
    if (stale) {
      // read between the reminder run and this send, or held (paused, queues lost) past the date
      await this.repo.recordSendResult(d.id, { state: 'failed', lastError: `not sent: ${stale}` });
      return { kind: 'skipped', reason: stale };
    }
    const refusal = await this.recipients.deliveryRefusal(d.tenantId, d.address, d.role);
    if (refusal) {
      await this.repo.recordSendResult(d.id, { state: 'failed', lastError: `not sent: ${refusal}` });
      return { kind: 'skipped', reason: refusal };
    }
    if (!(PRIVILEGED_ROLES as readonly string[]).includes(d.role) && d.role !== RECIPIENT_ROLE)
      return { kind: 'permanent', reason: `role ${d.role} may not receive data-privacy notices` };

    // the quota right before the send; a wait pauses the whole queue (no attempt is spent)
    this.sendRateLimiter ??= this.makeSendRateLimiter();
    const slot = await this.sendRateLimiter.take(d.id.toString());
    if (slot.waitMs > 0) return { kind: 'throttled', ms: slot.waitMs };
    if (!(await this.repo.claimForSend(d.id, ['queued', 'retrying', 'sending']))) {
      return { kind: 'skipped', reason: 'finished meanwhile' };
    }
    const email = await this.renderEmail(d, c);
    if (!email) {
      const reason = `no email is written for a ${d.kind} delivery without what it needs`;
      await this.repo.recordSendResult(d.id, { state: 'failed', lastError: reason });
      return { kind: 'permanent', reason };
    }
    const outcome = await this.mail.send({
      operationId: d.operationId,
      to: { address: d.address },
      subject: email.subject,
      html: email.html,
      text: email.text,
    });
    this.completion.touch(d.campaignId);
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

  /** The email of a delivery, by its kind; null when there is none to send (a kind this job does not write). */
  private async renderEmail(d: EmailContext, c: NonNullable<EmailContext['campaign']>): Promise<RenderedEmail | null> {
    switch (d.kind) {
      case 'notice':
        return renderNotificationEmail(this.renderer, {
          noticeId: d.noticeId,
          tenantName: d.tenantName ?? '',
          locale: d.locale,
          campaign: c,
          publicBaseUrl: this.config.PUBLIC_BASE_URL,
          // one read per job: the incident's words, every locale
          words: await this.incidents.wordsOfCampaign(d.campaignId),
        });
      case 'reminder':
        if (!d.actionRequiredBy) return null;
        return renderReminderEmail(this.renderer, {
          noticeId: d.noticeId,
          locale: d.locale,
          actionRequiredBy: d.actionRequiredBy,
          support: { url: c.supportUrl, phone: c.supportPhone, email: c.supportEmail },
          publicBaseUrl: this.config.PUBLIC_BASE_URL,
        });
      case 'update':
      case 'withdrawal': {
        const updateId = d.kind === 'update' ? await this.repo.updateOfRevision(d.noticeId, d.revision) : null;
        return renderRevisionEmail(d.kind, {
          noticeId: d.noticeId,
          locale: this.renderer.resolveLocale(d.locale),
          publicBaseUrl: this.config.PUBLIC_BASE_URL,
          texts: updateId ? (await this.incidents.findUpdate(updateId)).texts : null,
        });
      }
      default:
        return null;
    }
  }

  private makeSendRateLimiter(): SendRateLimiter {
    const store = this.queues.sendRateStore();
    return new SendRateLimiter(store.client, store.key, this.config.MAIL_RATE_PER_MINUTE, (ms) =>
      this.repo.recentSendAttempts(ms),
    );
  }
}
