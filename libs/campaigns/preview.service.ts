import { Inject, Injectable } from '@nestjs/common';
import { APP_CONFIG, type AppConfig } from '../config/config.js';
import { BadInputError, NotFoundError } from '../common/errors.js';
import { DatasetsService } from '../exposure/datasets.service.js';
import { DirectoryRepository } from '../directory/directory.repository.js';
import { NoticesRepository } from '../notices/notices.repository.js';
import type { ExposureView } from '../attribution/exposure-view.js';
import { NoticeComposer, PREVIEW_MESSAGE_ID, type ServiceUpdateMessage } from '../notices/notice-composer.js';
import { NoticeRenderer } from '../notices/notice-renderer.js';
import { AuditService } from '../audit/audit.service.js';
import { CampaignsRepository } from './campaigns.repository.js';
import { RecipientsService } from '../recipients/recipients.service.js';
import { GUID } from '../common/guid.js';
import { renderNotificationEmail } from './notification-email.js';
import { IncidentsService } from '../incidents/incidents.service.js';
import { WORDS_FALLBACK_LOCALE } from '../notices/incident-words.js';

export interface DecisionRow {
  tenantId: string;
  tenantName: string | null;
  decision: 'affected' | 'not_affected' | 'needs_review';
  reasons: string[];
  dataCategories: string[];
  records: number;
}

export interface TenantPreview {
  tenantId: string;
  decision: 'affected' | 'not_affected' | 'needs_review';
  notice: ServiceUpdateMessage | null;
  exposure?: ExposureView;
  /** the email the tenant's privileged admins get, once per language they read (empty: no one to email) */
  emails?: PreviewEmail[];
  /** what the operator should know of this tenant's notice and emails: a locale without the incident's words of its own */
  warnings?: TenantPreviewWarning[];
}

/** The notice or an email is in a locale the incident has no words in: it carries the en-US ones inside that locale's template. */
export interface TenantPreviewWarning {
  kind: 'incidentTextFallback';
  /** the template locale of the notice or email */
  locale: string;
  /** the locale whose words it carries */
  used: string;
  message: string;
}

export interface PreviewEmail {
  /** the admins' locale; `used` is the template locale it falls back to when it has none of its own */
  locale: string;
  used: string;
  recipients: number;
  subject: string;
  text: string;
}

/**
 * Something an operator should know before a launch that does not stop it. A recipient whose
 * locale has no templates of its own gets the nearest (`fr-CA` → `fr-FR`, `sv-SE` → `en-US`).
 */
export interface LaunchWarning {
  kind: 'localeFallback';
  /** the contacts' locale as the directory holds it */
  requested: string;
  /** the template locale their notice and emails are written in */
  used: string;
  /** privileged contacts of affected tenants with that locale */
  recipients: number;
}

/** The roles that may read data-privacy notices and receive their emails (docs/contracts.md §1). */
export const PRIVILEGED_ROLES = ['GlobalAdmin', 'PrivacyReader'] as const;

/** What the operator sees before approving (docs/contracts.md §3 `campaigns preview`). */
@Injectable()
export class PreviewService {
  constructor(
    private readonly repo: CampaignsRepository,
    private readonly datasets: DatasetsService,
    private readonly directory: DirectoryRepository,
    private readonly notices: NoticesRepository,
    private readonly composer: NoticeComposer,
    private readonly renderer: NoticeRenderer,
    private readonly audit: AuditService,
    private readonly recipients: RecipientsService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly incidents: IncidentsService,
  ) {}

  async preview(campaignId: string) {
    const c = await this.repo.find(campaignId);
    if (!c) throw new NotFoundError(`campaign ${campaignId} not found`);
    const dataset = await this.datasets.show(c.datasetId);
    const decisions = await this.repo.decisions(campaignId);
    const names = new Map(
      (await this.directory.tenantNames(decisions.map((d) => d.tenantId))).map((t) => [t.id, t.name]),
    );
    const counts = { affected: 0, notAffected: 0, needsReview: 0 };
    for (const d of decisions) {
      if (d.decision === 'affected') counts.affected++;
      else if (d.decision === 'needs_review') counts.needsReview++;
      else counts.notAffected++;
    }
    // Tenants that nothing touched are not affected either (docs/contracts.md §3 allows leaving them out of the list).
    counts.notAffected += Math.max(0, (await this.directory.countTenants()) - decisions.length);
    return {
      campaignId,
      status: c.status,
      /** what would stop a launch: missing exposure views, templates that do not render */
      renderProblems: await this.renderCheck(campaignId),
      /** what an operator should know that does not stop a launch: locales that fall back to another */
      warnings: await this.warnings(campaignId),
      scope: dataset.scope,
      tenants: counts,
      /** who the affected tenants' emails go to: privileged contacts, and the tenants' own confirmed recipients besides */
      recipients: await this.recipients.campaignCounts(campaignId),
      decisions: decisions.map((d): DecisionRow => ({
        tenantId: d.tenantId,
        tenantName: names.get(d.tenantId) ?? null,
        decision: d.decision,
        reasons: d.reasons,
        dataCategories: d.dataCategories,
        records: d.records,
      })),
    };
  }

  /**
   * Exactly what the tenant will be able to see: the rendered notice and its exposure view, or
   * nothing. An operator reading one tenant's exposed data is audited (who, which campaign and
   * tenant, what decision), like a tenant's own read.
   */
  async previewTenant(campaignId: string, tenantId: string, actor: string): Promise<TenantPreview> {
    const preview = await this.renderTenantPreview(campaignId, tenantId);
    await this.audit.record({
      actor,
      action: 'campaign.previewTenant',
      campaignId,
      tenantId: preview.tenantId,
      details: { decision: preview.decision },
    });
    return preview;
  }

  private async renderTenantPreview(campaignId: string, tenantId: string): Promise<TenantPreview> {
    if (!GUID.test(tenantId)) throw new BadInputError('tenant must be a GUID');
    const c = await this.repo.find(campaignId);
    if (!c) throw new NotFoundError(`campaign ${campaignId} not found`);
    const [tenant] = await this.directory.tenantNames([tenantId.toLowerCase()]);
    if (!tenant) throw new NotFoundError(`tenant ${tenantId} not found`);
    const d = await this.repo.decision(campaignId, tenant.id);
    const decision = d?.decision ?? 'not_affected';
    if (decision !== 'affected') return { tenantId: tenant.id, decision, notice: null };
    const view = await this.notices.tenantExposureView(campaignId, tenant.id);
    if (!view) throw new NotFoundError(`no exposure view for tenant ${tenant.id}; analyze the campaign again`);
    const exposure = view.view as ExposureView;
    const words = await this.incidents.wordsOfCampaign(c.id);
    const noticeLocale = await this.tenantLocale(tenant.id);
    const notice = this.composer.compose({
      campaign: c,
      tenant: { id: tenant.id, name: tenant.name },
      messageId: null,
      dataCategories: exposure.dataCategories,
      records: d!.records,
      locale: noticeLocale,
      postedAt: new Date(),
      words,
    });
    const emailLocales = await this.recipientLocales(tenant.id);
    const emails = emailLocales.map(({ locale, recipients }) => {
      const email = renderNotificationEmail(this.renderer, {
        noticeId: notice.id,
        tenantName: tenant.name,
        locale,
        campaign: c,
        publicBaseUrl: this.config.PUBLIC_BASE_URL,
        words,
      });
      return {
        locale,
        used: this.renderer.resolveLocale(locale),
        recipients,
        subject: email.subject,
        text: email.text,
      };
    });
    const warnings = new Map<string, TenantPreviewWarning>();
    for (const locale of [noticeLocale, ...emailLocales.map((e) => e.locale)]) {
      const fallback = this.renderer.wordsFallback(words, locale);
      if (fallback && !warnings.has(fallback.locale))
        warnings.set(fallback.locale, {
          kind: 'incidentTextFallback',
          ...fallback,
          message: `the incident has no ${fallback.locale} text: ${fallback.locale} readers get the ${fallback.used} text (incidents text ${c.incidentId} --locale ${fallback.locale} --file FILE)`,
        });
    }
    return { tenantId: tenant.id, decision, notice, exposure, emails, warnings: [...warnings.values()] };
  }

  /**
   * Renders the notice and the email in every locale the campaign's affected tenants will get,
   * and checks every affected tenant has its exposure view. Returns the problems, if any: each
   * one stops a launch. A locale that falls back to another template locale is not one of them
   * (see `warnings`).
   */
  async renderCheck(campaignId: string): Promise<string[]> {
    const c = await this.repo.find(campaignId);
    if (!c) throw new NotFoundError(`campaign ${campaignId} not found`);
    const problems: string[] = [];
    const words = await this.incidents.wordsOfCampaign(c.id);
    if (!words.has(WORDS_FALLBACK_LOCALE))
      problems.push(
        `incident ${c.incidentId} has no ${WORDS_FALLBACK_LOCALE} text, the one every locale falls back to: write it with incidents text ${c.incidentId} --locale ${WORDS_FALLBACK_LOCALE} --file FILE`,
      );
    const affected = await this.repo.affectedTenants(campaignId);
    const missing = affected.length - (await this.notices.countExposureViews(campaignId, affected));
    if (missing > 0) problems.push(`${missing} affected tenant(s) have no exposure view: analyze again`);
    const locales = await this.directory.contactLocales(affected, PRIVILEGED_ROLES);
    for (const locale of new Set(['en-US', ...locales.map((r) => r.locale)])) {
      const ctx = {
        messageId: PREVIEW_MESSAGE_ID,
        tenantName: 'Preview',
        locale,
        dataCategories: ['Names', 'Email addresses'],
        recordCount: 1,
        actionRequiredBy: c.respondBy?.toISOString() ?? null,
        support: { url: c.supportUrl, phone: c.supportPhone, email: c.supportEmail },
        campaignRef: c.id,
        inboxUrl: null,
        words,
      };
      try {
        this.renderer.renderNotice(ctx);
        this.renderer.renderEmail(ctx);
        for (const p of this.renderer.checkContext(ctx)) problems.push(`${locale}: ${p}`);
      } catch (err) {
        problems.push(`${locale}: ${(err as Error).message}`);
      }
    }
    if (!c.supportUrl && !c.supportPhone && !c.supportEmail)
      problems.push('no support contact: give --support-url, --support-phone or --support-email');
    return [...new Set(problems)];
  }

  /** The fallbacks a launch would use, one per locale with the recipients it concerns, most recipients first. */
  async warnings(campaignId: string): Promise<LaunchWarning[]> {
    const rows = await this.directory.contactLocales(await this.repo.affectedTenants(campaignId), PRIVILEGED_ROLES);
    const byFallback = new Map<string, LaunchWarning>();
    for (const r of rows) {
      let fallback: { requested: string; used: string } | null;
      try {
        fallback = this.renderer.localeFallback(r.locale);
      } catch {
        continue; // no en-US folder at all: renderCheck reports that as a problem
      }
      if (!fallback) continue;
      const key = JSON.stringify([fallback.requested, fallback.used]);
      const seen = byFallback.get(key);
      if (seen) seen.recipients += r.recipients;
      else byFallback.set(key, { kind: 'localeFallback', ...fallback, recipients: r.recipients });
    }
    return [...byFallback.values()].sort(
      (a, b) => b.recipients - a.recipients || a.requested.localeCompare(b.requested),
    );
  }

  /** The locales of the tenant's privileged admins (who get the email), with how many read each. */
  private async recipientLocales(tenantId: string): Promise<{ locale: string; recipients: number }[]> {
    const counts = new Map<string, number>();
    for (const locale of await this.directory.contactLocalesOf(tenantId, PRIVILEGED_ROLES))
      counts.set(locale, (counts.get(locale) ?? 0) + 1);
    return [...counts].map(([locale, recipients]) => ({ locale, recipients }));
  }

  /** A notice is written in the language of the tenant's first privileged admin. */
  async tenantLocale(tenantId: string): Promise<string> {
    const [first] = await this.directory.contactLocalesOf(tenantId, PRIVILEGED_ROLES);
    return first ?? 'en-US';
  }
}
