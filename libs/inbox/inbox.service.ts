import { Injectable } from '@nestjs/common';
import { AuditService, type AuditEntry } from '../audit/audit.service.js';
import { NotFoundError } from '../common/errors.js';
import type { ExposureView } from '../attribution/exposure-view.js';
import { auditActor, mayReadDataPrivacy, type TenantPrincipal } from '../auth/tenant-principal.js';
import { projectExposureView } from './exposure-view.projection.js';
import { NoticeRenderer } from '../notices/notice-renderer.js';
import { InboxRepository, type Reader, type ViewPointFlag } from './inbox.repository.js';
import type { ListQuery } from './list-query.js';
import { toServiceUpdateMessage, type ServiceUpdateMessage } from './service-update-message.js';
import { TenantScope, type TenantTx } from './tenant-scope.js';

/** The one answer for a message that does not exist, is another tenant's, or is not for this reader's roles. */
export const MESSAGE_NOT_FOUND = 'message not found';

const MESSAGE_ID = /^MC\d{1,18}$/;

export const VIEW_POINT_ACTIONS = {
  markRead: { flag: 'isRead', value: true },
  markUnread: { flag: 'isRead', value: false },
  archive: { flag: 'isArchived', value: true },
  unarchive: { flag: 'isArchived', value: false },
  favorite: { flag: 'isFavorited', value: true },
  unfavorite: { flag: 'isFavorited', value: false },
} as const satisfies Record<string, { flag: ViewPointFlag; value: boolean }>;
export type ViewPointAction = keyof typeof VIEW_POINT_ACTIONS;

export const MAX_MESSAGE_IDS = 100;

const notFound = () => new NotFoundError(MESSAGE_NOT_FOUND);

/**
 * The tenant inbox (docs/contracts.md §4). Every call runs in one TenantScope transaction (row-level
 * security on), and every notice or exposure view it returns is written to the audit log in that
 * same transaction: a read that cannot be audited is not served.
 */
@Injectable()
export class InboxService {
  constructor(
    private readonly scope: TenantScope,
    private readonly repo: InboxRepository,
    private readonly audit: AuditService,
    private readonly renderer: NoticeRenderer,
  ) {}

  /**
   * `languages`: what the request states the reader reads, in order of preference (the
   * `Accept-Language` header's tags); the token's locale claim comes before them.
   */
  async list(
    p: TenantPrincipal,
    q: ListQuery,
    languages: readonly string[] = [],
  ): Promise<{ messages: ServiceUpdateMessage[]; hasMore: boolean }> {
    return this.scope.run(p.tenantId, async (tx) => {
      const rows = await this.repo.list(tx, this.reader(p, languages), q.filter, q.skip, q.top + 1);
      const page = rows.slice(0, q.top);
      // one notice per (campaign, tenant): one audit event per notice read
      await this.record(tx, p, 'inbox.message.list', page);
      return { messages: page.map(toServiceUpdateMessage), hasMore: rows.length > q.top };
    });
  }

  async get(p: TenantPrincipal, id: string, languages: readonly string[] = []): Promise<ServiceUpdateMessage> {
    if (!MESSAGE_ID.test(id)) throw notFound();
    return this.scope.run(p.tenantId, async (tx) => {
      const row = await this.repo.get(tx, this.reader(p, languages), id);
      if (!row) throw notFound();
      await this.record(tx, p, 'inbox.message.read', [row]);
      return toServiceUpdateMessage(row);
    });
  }

  /** This tenant's own exposed data for the notice's campaign, minimized. */
  async exposure(p: TenantPrincipal, id: string): Promise<ExposureView> {
    if (!MESSAGE_ID.test(id)) throw notFound();
    return this.scope.run(p.tenantId, async (tx) => {
      const found = await this.repo.exposureView(tx, this.reader(p), id);
      if (!found) throw notFound();
      await this.record(tx, p, 'inbox.exposure.read', [{ id, campaignId: found.campaignId }]);
      return projectExposureView(found.view ?? {});
    });
  }

  /**
   * Sets the reader's own view point on the given messages. All or nothing: when any id is not a
   * message this reader may see, nothing changes and the answer is the same 404 as for a missing id.
   */
  async apply(p: TenantPrincipal, action: ViewPointAction, messageIds: readonly string[]): Promise<void> {
    const ids = [...new Set(messageIds)];
    if (ids.length === 0 || ids.length > MAX_MESSAGE_IDS || !ids.every((id) => MESSAGE_ID.test(id))) throw notFound();
    const { flag, value } = VIEW_POINT_ACTIONS[action];
    await this.scope.run(p.tenantId, async (tx) => {
      const r = this.reader(p);
      const seen = await this.repo.visibleNotices(tx, r, ids);
      if (seen.length !== ids.length) throw notFound();
      await this.repo.setFlag(tx, r, ids, flag, value);
      await this.record(tx, p, `inbox.viewpoint.${action}`, seen);
    });
  }

  /**
   * Who reads, and the template locale to serve them: the token's locale claim, else the
   * request's languages, each falling back within its language, else en-US. A reader who states
   * no language at all reads each notice in the language it was written in (its tenant's first
   * admin's). The locale is a folder name from the templates listing, never text of the request.
   */
  private reader(p: TenantPrincipal, languages: readonly string[] = []): Reader {
    const stated = p.locale ? [p.locale, ...languages] : languages;
    const locale = stated.length > 0 ? this.renderer.pickLocale(stated) : null;
    return { tenantId: p.tenantId, userId: p.userId, mayReadDataPrivacy: mayReadDataPrivacy(p.roles), locale };
  }

  /** In the request's transaction: the events commit with the read, or neither happens. */
  private record(
    tx: TenantTx,
    p: TenantPrincipal,
    action: string,
    notices: readonly { id: string; campaignId: string }[],
  ): Promise<void> {
    const details = { userId: p.userId, roles: p.roles, issuer: p.issuer };
    const entries: AuditEntry[] = notices.map((n) => ({
      actor: auditActor(p),
      action,
      tenantId: p.tenantId,
      campaignId: n.campaignId,
      subject: n.id,
      details,
    }));
    return this.audit.recordMany(entries, tx);
  }
}
