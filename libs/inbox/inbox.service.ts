import { Injectable } from '@nestjs/common';
import { AuditService, type AuditEntry } from '../audit/audit.service.js';
import { ForbiddenError, NotFoundError } from '../common/errors.js';
import type { ExposureView } from '../attribution/exposure-view.js';
import { auditActor, principalMayReadDataPrivacy, type TenantPrincipal } from '../auth/tenant-principal.js';
import {
  attachmentId,
  csvFileName,
  describeCsv,
  exposureCsv,
  exposureZip,
  type ServiceAnnouncementAttachment,
} from './exposure-attachment.js';
import { projectExposureView } from './exposure-view.projection.js';
import { NoticeRenderer } from '../notices/notice-renderer.js';
import { NoticesRepository, type Reader, type ViewPointFlag } from '../notices/notices.repository.js';
import type { ListQuery } from './list-query.js';
import {
  toMessageRevision,
  toServiceUpdateMessage,
  type InboxMessage,
  type MessageRevision,
} from './service-update-message.js';
import { TenantScope, type TenantTx } from './tenant-scope.js';

/** The one answer for a message that does not exist, is another tenant's, or is not for this reader's roles. */
export const MESSAGE_NOT_FOUND = 'message not found';

const MESSAGE_ID = /^MC\d{1,18}$/;

/** The one answer for an application asking to set a view point: they are kept per user. */
export const VIEW_POINTS_ARE_PER_USER =
  'view points are kept per user: an app-only token may read but not mark messages';

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

/** The one answer for a reader whose roles may not read data-privacy notices, so may not acknowledge one. */
export const ACKNOWLEDGE_NEEDS_PRIVACY_ROLE =
  'acknowledging a notice needs a role that may read data-privacy notices (GlobalAdmin or PrivacyReader)';

/** An acknowledgement as the inbox answers it. */
export interface Acknowledgement {
  id: string;
  isAcknowledged: true;
  acknowledgedDateTime: string;
}

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
    private readonly repo: NoticesRepository,
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
  ): Promise<{ messages: InboxMessage[]; hasMore: boolean; count?: number }> {
    return this.scope.run(p.tenantId, async (tx) => {
      const r = this.reader(p, languages);
      const rows = await this.repo.list(tx, r, q, q.skip, q.top + 1);
      const page = rows.slice(0, q.top);
      const count = q.count ? await this.repo.count(tx, r, q.filter) : undefined;
      // one notice per (campaign, tenant): one audit event per notice read
      this.record(tx, p, 'inbox.message.list', page);
      return {
        messages: page.map(toServiceUpdateMessage),
        hasMore: rows.length > q.top,
        ...(count !== undefined ? { count } : {}),
      };
    });
  }

  async get(p: TenantPrincipal, id: string, languages: readonly string[] = []): Promise<InboxMessage> {
    if (!MESSAGE_ID.test(id)) throw notFound();
    return this.scope.run(p.tenantId, async (tx) => {
      const row = await this.repo.get(tx, this.reader(p, languages), id);
      if (!row) throw notFound();
      this.record(tx, p, 'inbox.message.read', [row]);
      return toServiceUpdateMessage(row);
    });
  }

  /** The notice's earlier revisions, newest first, in the reader's language (a withdrawn or updated notice keeps them). */
  async revisions(p: TenantPrincipal, id: string, languages: readonly string[] = []): Promise<MessageRevision[]> {
    if (!MESSAGE_ID.test(id)) throw notFound();
    return this.scope.run(p.tenantId, async (tx) => {
      const found = await this.repo.revisions(tx, this.reader(p, languages), id);
      if (!found) throw notFound();
      this.record(tx, p, 'inbox.message.revisions', [{ id, campaignId: found.campaignId }]);
      return found.revisions.map(toMessageRevision);
    });
  }

  /** This tenant's own exposed data for the notice's campaign, minimized. */
  async exposure(p: TenantPrincipal, id: string): Promise<ExposureView> {
    return (await this.exposureOf(p, id, 'inbox.exposure.read')).view;
  }

  /** The notice's attachments: its exposure view as one CSV file (described, not its content). */
  async attachments(p: TenantPrincipal, id: string): Promise<ServiceAnnouncementAttachment[]> {
    const { view, lastModified } = await this.exposureOf(p, id, 'inbox.attachment.list');
    return [describeCsv(id, exposureCsv(view), lastModified)];
  }

  /** One attachment's description; an id that is not this message's attachment is not found. */
  async attachment(p: TenantPrincipal, id: string, aid: string): Promise<ServiceAnnouncementAttachment> {
    if (aid !== attachmentId(id)) throw notFound();
    const { view, lastModified } = await this.exposureOf(p, id, 'inbox.attachment.read');
    return describeCsv(id, exposureCsv(view), lastModified);
  }

  /** An attachment's content: the exposure view as CSV. */
  async attachmentContent(p: TenantPrincipal, id: string, aid: string): Promise<{ fileName: string; content: Buffer }> {
    if (aid !== attachmentId(id)) throw notFound();
    const { view } = await this.exposureOf(p, id, 'inbox.attachment.content');
    return { fileName: csvFileName(id), content: exposureCsv(view) };
  }

  /** Every attachment of the message in one zip (Graph's attachmentsArchive). */
  async attachmentsArchive(p: TenantPrincipal, id: string): Promise<Buffer> {
    const { view, lastModified } = await this.exposureOf(p, id, 'inbox.attachmentsArchive.read');
    return exposureZip(csvFileName(id), exposureCsv(view), new Date(lastModified));
  }

  /** The projected exposure view of a notice the reader may see, its read audited as `action`. */
  private async exposureOf(
    p: TenantPrincipal,
    id: string,
    action: string,
  ): Promise<{ view: ExposureView; lastModified: string }> {
    if (!MESSAGE_ID.test(id)) throw notFound();
    return this.scope.run(p.tenantId, async (tx) => {
      const found = await this.repo.exposureView(tx, this.reader(p), id);
      // no exposure view: the notice was withdrawn (its view deleted with the approval)
      if (!found || found.view === null) throw notFound();
      this.record(tx, p, action, [{ id, campaignId: found.campaignId }]);
      return { view: projectExposureView(found.view ?? {}), lastModified: found.lastModified };
    });
  }

  /**
   * Sets the reader's own view point on the given messages. All or nothing: when any id is not a
   * message this reader may see, nothing changes and the answer is the same 404 as for a missing id.
   */
  async apply(p: TenantPrincipal, action: ViewPointAction, messageIds: readonly string[]): Promise<void> {
    if (p.appId !== undefined) throw new ForbiddenError(VIEW_POINTS_ARE_PER_USER);
    const ids = [...new Set(messageIds)];
    if (ids.length === 0 || ids.length > MAX_MESSAGE_IDS || !ids.every((id) => MESSAGE_ID.test(id))) throw notFound();
    const { flag, value } = VIEW_POINT_ACTIONS[action];
    await this.scope.run(p.tenantId, async (tx) => {
      const r = this.reader(p);
      const seen = await this.repo.visibleNotices(tx, r, ids);
      if (seen.length !== ids.length) throw notFound();
      await this.repo.setFlag(tx, r, ids, flag, value);
      this.record(tx, p, `inbox.viewpoint.${action}`, seen);
    });
  }

  /**
   * The reader acknowledges a notice, once: the first acknowledgement stands and a repeat answers
   * it again. Per user, so an app-only token may not; a reader who may not read data-privacy
   * notices is refused whatever the id (the answer says nothing of the notice); a notice that is
   * not theirs is the same 404 as one that does not exist.
   */
  async acknowledge(p: TenantPrincipal, id: string): Promise<Acknowledgement> {
    if (p.appId !== undefined) throw new ForbiddenError(VIEW_POINTS_ARE_PER_USER);
    if (!principalMayReadDataPrivacy(p)) throw new ForbiddenError(ACKNOWLEDGE_NEEDS_PRIVACY_ROLE);
    if (!MESSAGE_ID.test(id)) throw notFound();
    return this.scope.run(p.tenantId, async (tx) => {
      const done = await this.repo.acknowledge(tx, this.reader(p), id, auditActor(p));
      if (!done) throw notFound();
      this.record(tx, p, 'inbox.message.acknowledge', [{ id, campaignId: done.campaignId }], {
        first: done.stored,
      });
      return { id, isAcknowledged: true, acknowledgedDateTime: done.acknowledgedAt };
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
    return { tenantId: p.tenantId, userId: p.userId, mayReadDataPrivacy: principalMayReadDataPrivacy(p), locale };
  }

  /** In the request's transaction: the events commit with the read, or neither happens. */
  private record(
    tx: TenantTx,
    p: TenantPrincipal,
    action: string,
    notices: readonly { id: string; campaignId: string }[],
    extra: Record<string, boolean> = {},
  ): void {
    const details = { userId: p.userId, roles: p.roles, issuer: p.issuer, ...extra };
    const entries: AuditEntry[] = notices.map((n) => ({
      actor: auditActor(p),
      action,
      tenantId: p.tenantId,
      campaignId: n.campaignId,
      subject: n.id,
      details,
    }));
    this.audit.recordMany(entries, tx);
  }
}
