import { Inject, Injectable, Logger } from '@nestjs/common';
import { APP_CONFIG, type AppConfig } from '../config/config.js';
import { AuditService } from '../audit/audit.service.js';
import { DirectoryRepository } from '../directory/directory.repository.js';
import { AppError, BadInputError, ConflictError, NotFoundError } from '../common/errors.js';
import { auditActor, mayReadDataPrivacy, PRIVACY_ROLES, type TenantPrincipal } from '../auth/tenant-principal.js';
import { TenantScope } from '../inbox/tenant-scope.js';
import { MAIL_TRANSPORT, deterministicOperationId, type MailTransport } from '../mail/mail-transport.js';
import { TemplateEngine, FALLBACK_LOCALE } from '../notices/template-engine.js';
import { ConfirmationEmailRenderer } from './confirmation-email.js';
import { hashConfirmationToken, isConfirmationToken, newConfirmationToken } from './confirmation-token.js';
import { parseRecipientAddress } from './recipient-address.js';
import { CONFIRMATION_SENT, RECIPIENT_ROLE, RecipientsRepository, type RecipientRow } from './recipients.repository.js';

/** How many addresses a tenant may add beside its directory contacts. */
export const MAX_RECIPIENTS = 5;

/** The one answer of the confirmation link for anything but a valid, unused, unexpired token. */
export const LINK_NOT_VALID = 'this link is not valid';

export class ForbiddenError extends AppError {
  constructor(message: string) {
    super(message, 403, 'forbidden');
  }
}

export class TooManyConfirmationsError extends AppError {
  constructor(message: string) {
    super(message, 429, 'tooManyRequests');
  }
}

export class ConfirmationNotSentError extends AppError {
  constructor(message: string) {
    super(message, 502, 'confirmationNotSent');
  }
}

export interface RecipientView {
  id: string;
  address: string;
  locale: string;
  state: 'pending' | 'confirmed';
  addedBy: string;
  createdDateTime: string;
  confirmedDateTime: string | null;
}

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

const view = (r: RecipientRow): RecipientView => ({
  id: r.id,
  address: r.address,
  locale: r.locale,
  state: r.confirmedAt ? 'confirmed' : 'pending',
  addedBy: r.addedBy,
  createdDateTime: r.createdAt,
  confirmedDateTime: r.confirmedAt,
});

/**
 * A tenant's own notification recipients: a privileged admin adds up to five addresses, each
 * confirmed by its owner through an emailed single-use link before it receives anything; the
 * notice job then writes them a delivery row beside the directory's privileged contacts, and the
 * email job sends only while they are still confirmed.
 */
@Injectable()
export class RecipientsService {
  private readonly logger = new Logger(RecipientsService.name);
  private readonly confirmation = new ConfirmationEmailRenderer();

  constructor(
    private readonly scope: TenantScope,
    private readonly repo: RecipientsRepository,
    private readonly directory: DirectoryRepository,
    private readonly audit: AuditService,
    private readonly templates: TemplateEngine,
    @Inject(MAIL_TRANSPORT) private readonly mail: MailTransport,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  async list(p: TenantPrincipal): Promise<{ value: RecipientView[] }> {
    this.requireAdmin(p);
    const rows = await this.scope.run(p.tenantId, (tx) => this.repo.list(tx, p.tenantId));
    return { value: rows.map(view) };
  }

  /**
   * Adds an address (or answers the one already there). A new or still pending address gets a
   * confirmation email, unless one went to it within the resend window; the tenant's confirmation
   * emails are limited per hour. `confirmationSent` says whether this call sent one.
   */
  async add(
    p: TenantPrincipal,
    input: { address: unknown; locale?: unknown },
  ): Promise<RecipientView & { confirmationSent: boolean }> {
    this.requireAdmin(p);
    const parsed = parseRecipientAddress(input.address);
    if ('reason' in parsed) throw new BadInputError(parsed.reason);
    const { address } = parsed;
    const locale = this.locale(input.locale, p.locale);
    const windowS = this.config.RECIPIENT_RESEND_WINDOW_MINUTES * 60;
    const recent = await this.audit.recentOfTenant(p.tenantId, CONFIRMATION_SENT, address, windowS);
    const ttlHours = this.config.RECIPIENT_CONFIRM_TTL_HOURS;
    const { token, hash } = newConfirmationToken();

    const outcome = await this.scope.run(p.tenantId, async (tx) => {
      await this.repo.lockTenant(tx, p.tenantId);
      const existing = await this.repo.find(tx, p.tenantId, address);
      if (existing?.confirmedAt) return { row: existing, send: false };
      // a confirmation went to this address lately (to this row, or to one removed since): no
      // other now, and the link already sent stays the valid one
      const sentLately =
        recent.ofSubject > 0 || (existing !== null && existing.sentAgoS !== null && existing.sentAgoS < windowS);
      if (existing && sentLately) return { row: existing, send: false };
      if (!sentLately && recent.lastHour >= this.config.RECIPIENT_CONFIRMATIONS_PER_HOUR)
        throw new TooManyConfirmationsError(
          `this organization sent ${recent.lastHour} confirmation emails in the last hour: try again later`,
        );
      let row = existing;
      if (!row) {
        const all = await this.repo.list(tx, p.tenantId);
        if (all.length >= MAX_RECIPIENTS)
          throw new ConflictError(`at most ${MAX_RECIPIENTS} notification recipients: remove one first`);
        row = await this.repo.insert(tx, {
          tenantId: p.tenantId,
          address,
          locale,
          addedBy: p.email ?? p.userId,
          tokenHash: hash,
          ttlHours,
        });
      } else {
        await this.repo.renewToken(tx, row.id, hash, ttlHours);
      }
      if (sentLately) return { row, send: false };
      this.audit.recordMany(
        [
          {
            actor: auditActor(p),
            action: CONFIRMATION_SENT,
            tenantId: p.tenantId,
            subject: address,
            details: { recipientId: row.id, locale: row.locale, userId: p.userId },
          },
        ],
        tx,
      );
      return { row, send: true };
    });

    if (outcome.send) await this.sendConfirmation(p.tenantId, outcome.row, token, hash);
    return { ...view(outcome.row), confirmationSent: outcome.send };
  }

  /** Removes a recipient at once: later emails to it are not sent. 404 for an id that is not the tenant's. */
  async remove(p: TenantPrincipal, id: string): Promise<void> {
    this.requireAdmin(p);
    if (!GUID.test(id)) throw new NotFoundError('recipient not found');
    await this.scope.run(p.tenantId, async (tx) => {
      const removed = await this.repo.remove(tx, p.tenantId, id.toLowerCase());
      if (!removed) throw new NotFoundError('recipient not found');
      this.audit.recordMany(
        [
          {
            actor: auditActor(p),
            action: 'recipients.removed',
            tenantId: p.tenantId,
            subject: removed.address,
            details: { recipientId: id.toLowerCase(), userId: p.userId },
          },
        ],
        tx,
      );
    });
  }

  /** The confirmation link: true once for a valid token; false, with no detail, for anything else. */
  async confirm(token: unknown): Promise<boolean> {
    if (!isConfirmationToken(token)) return false;
    const r = await this.repo.confirm(hashConfirmationToken(token));
    if (!r) return false;
    await this.audit.record({
      actor: `recipient:${r.address}`,
      action: 'recipients.confirmed',
      tenantId: r.tenantId,
      subject: r.address,
    });
    return true;
  }

  /**
   * Why an email of a notice must not go to this delivery's address any more, or null: a tenant's
   * own recipient receives only while it is still there and confirmed (a removal stops the
   * emails not yet sent). Deliveries of directory contacts are not this service's to judge.
   */
  async deliveryRefusal(tenantId: string, address: string, role: string): Promise<string | null> {
    if (role !== RECIPIENT_ROLE) return null;
    return (await this.repo.isConfirmed(tenantId, address))
      ? null
      : 'the notification recipient was removed by the tenant';
  }

  /** What `campaigns preview` shows: who the emails of the affected tenants go to. */
  campaignCounts(campaignId: string): Promise<{ privilegedContacts: number; notificationRecipients: number }> {
    return this.repo.campaignCounts(campaignId, PRIVACY_ROLES);
  }

  private requireAdmin(p: TenantPrincipal): void {
    if (!mayReadDataPrivacy(p.roles))
      throw new ForbiddenError(`only ${PRIVACY_ROLES.join(' and ')} may manage notification recipients`);
  }

  /** A shipped template locale: the one asked for (exactly, any case), else the adder's, else en-US. */
  private locale(asked: unknown, adders: string | undefined): string {
    const available = this.templates.availableLocales();
    if (asked !== undefined && asked !== null && asked !== '') {
      const hit =
        typeof asked === 'string' ? available.find((l) => l.toLowerCase() === asked.toLowerCase()) : undefined;
      if (!hit) throw new BadInputError(`locale must be one of ${available.join(', ')}`);
      return hit;
    }
    return (adders && this.templates.sameLanguageFolder(adders)) || FALLBACK_LOCALE;
  }

  private async sendConfirmation(tenantId: string, row: RecipientRow, token: string, hash: string): Promise<void> {
    const base = this.config.PUBLIC_BASE_URL.replace(/\/+$/, '');
    const expiresAt = new Date(Date.now() + this.config.RECIPIENT_CONFIRM_TTL_HOURS * 3_600_000);
    const email = this.confirmation.render({
      locale: row.locale,
      tenantName: (await this.directory.tenantName(tenantId)) ?? '',
      link: `${base}/inbox/recipients/confirm?token=${token}`,
      expiresAt,
    });
    const outcome = await this.mail.send({
      operationId: deterministicOperationId('recipient-confirmation', row.id, hash),
      to: { address: row.address },
      subject: email.subject,
      html: email.html,
      text: email.text,
    });
    if (outcome.status !== 'succeeded') {
      this.logger.warn(`confirmation email to recipient ${row.id} not sent: ${outcome.reason}`);
      throw new ConfirmationNotSentError(
        'the address was added, but its confirmation email could not be sent: add it again later to resend',
      );
    }
  }
}
