import { Injectable } from '@nestjs/common';
import { Metrics } from '../observability/metrics.js';
import { deterministicOperationId } from '../mail/mail-transport.js';
import { NoticeComposer } from '../notices/notice-composer.js';
import { NoticeRenderer } from '../notices/notice-renderer.js';
import { FALLBACK_LOCALE } from '../notices/template-engine.js';
import {
  NoticesRepository,
  writeKey,
  type NoticeContext,
  type NoticeTranslations,
  type NoticeWrite,
} from '../notices/notices.repository.js';
import { Batcher } from './batcher.js';
import { PRIVILEGED_ROLES } from './preview.service.js';
import { DispatchQueues } from './dispatch-queues.js';
import { CampaignCompletion } from './campaign-completion.js';
import { requireIdentifiedImpact } from './identified-impact.js';
import { sendingGate, type StepOutcome } from './step-outcome.js';
import { WebhookService } from '../webhooks/webhook.service.js';
import { RECIPIENT_ROLE } from '../recipients/recipients.repository.js';
import { IncidentsService } from '../incidents/incidents.service.js';
import type { IncidentTexts } from '../notices/incident-words.js';

/** notice jobs running at once share their reads and writes: at most this many in one batch, this many batches at once */
const NOTICE_BATCH = { maxBatch: 100, maxConcurrent: 2 };

interface NoticeStep {
  campaignId: string;
  tenantId: string;
}

type WriteResult = { noticeId: string | null; pending: bigint[] } | Error;

/**
 * The notice job: post the tenant's notice and its deliveries, then queue the emails. Jobs running
 * at the same time share their reads and writes (a batch is one round trip each way); each still
 * gets its own outcome, and a NoIdentifiedImpactError is its own.
 */
@Injectable()
export class NoticeJob {
  private readonly noticeBatches = new Batcher<NoticeStep, StepOutcome>(
    (items) => this.postNotices(items),
    NOTICE_BATCH,
  );

  constructor(
    private readonly repo: NoticesRepository,
    private readonly composer: NoticeComposer,
    private readonly renderer: NoticeRenderer,
    private readonly queues: DispatchQueues,
    private readonly completion: CampaignCompletion,
    private readonly metrics: Metrics,
    private readonly webhooks: WebhookService,
    private readonly incidents: IncidentsService,
  ) {}

  postNotice(campaignId: string, tenantId: string): Promise<StepOutcome> {
    return this.noticeBatches.submit({ campaignId, tenantId });
  }

  /** A batch of notice jobs: one read, one write (tenant by tenant if that fails), one enqueue. */
  private async postNotices(items: NoticeStep[]): Promise<(StepOutcome | Error)[]> {
    const out = new Array<StepOutcome | Error | undefined>(items.length);
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
    // the incidents' words once for the whole batch, each locale rendered once
    const words = await this.incidents.wordsOfCampaigns(unique.map((i) => items[i]!.campaignId));
    const writes: { i: number; w: NoticeWrite }[] = [];
    unique.forEach((i, j) => {
      try {
        const planned = this.planNotice(items[i]!, ctxs[j]!, words.get(items[i]!.campaignId) ?? null);
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
      const noticeIds = new Map<number, string>();
      for (const { i, w } of writes) {
        const r = written.get(writeKey(w.campaignId, w.tenantId));
        if (r instanceof Error) out[i] = r;
        else if (!r?.noticeId)
          out[i] = { kind: 'retry', reason: `tenant ${w.tenantId}: a concurrent notice is not visible yet` };
        else {
          pending.push(...r.pending);
          posted.push(i);
          noticeIds.set(i, r.noticeId);
          if (w.notice) this.metrics.noticesPosted.inc();
        }
      }
      try {
        await this.queues.enqueueEmails(pending);
        await this.webhooks.noticesPosted(posted.map((i) => noticeIds.get(i)!));
        for (const i of posted) out[i] = { kind: 'done' };
      } catch (e) {
        // the notices stand: a retry of these jobs finds them and queues their emails
        for (const i of posted) out[i] = e as Error;
      }
      for (const c of new Set(writes.map((x) => x.w.campaignId))) this.completion.touch(c);
    }
    return items.map((it, i) => out[i] ?? out[first.get(writeKey(it.campaignId, it.tenantId))!]!);
  }

  /** Writes a batch; if the batch statement fails, each tenant alone, so one bad row fails only its own job. */
  private async writeNotices(writes: NoticeWrite[]): Promise<Map<string, WriteResult>> {
    try {
      return await this.repo.writeNotices(writes);
    } catch (e) {
      const out = new Map<string, WriteResult>();
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
  private planNotice(
    { campaignId, tenantId }: NoticeStep,
    ctx: NoticeContext,
    words: IncidentTexts | null,
  ): StepOutcome | NoticeWrite {
    const c = ctx.campaign;
    if (!c) return { kind: 'skipped', reason: 'campaign gone' };
    const held = sendingGate(c.status);
    if (held) return held;
    requireIdentifiedImpact(campaignId, tenantId, ctx.decision?.decision);

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
          words,
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
        role: ct.roles.find((r) => (PRIVILEGED_ROLES as readonly string[]).includes(r) || r === RECIPIENT_ROLE)!,
        locale: ct.locale,
        operationId: deterministicOperationId('notification-email', campaignId, ct.email),
      })),
    };
  }
}
