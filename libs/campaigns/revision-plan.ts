/**
 * The new revision of a notice an incident update or a withdrawal makes, from the notice as it
 * stands: pure, so what a revision says and who is emailed is tested without a database.
 */
import { deterministicOperationId } from '../mail/mail-transport.js';
import type { NoticeTranslations, RevisableNotice, RevisionWrite } from '../notices/notices.repository.js';
import {
  UPDATED_TAG,
  WITHDRAWN_TAG,
  withdrawnNotice,
  withTag,
  withUpdate,
  type UpdateTexts,
} from '../notices/revision-texts.js';

/** The revision's emails: one per address told of the notice, each with its own deterministic operation id. */
function revisionDeliveries(n: RevisableNotice, kind: 'notice-update' | 'notice-withdrawal') {
  const revision = String(n.revision + 1);
  const seen = new Set<string>();
  return n.recipients.flatMap((r) => {
    if (seen.has(r.address)) return [];
    seen.add(r.address);
    return [
      {
        address: r.address,
        role: r.role,
        locale: r.locale,
        operationId: deterministicOperationId(kind, n.id, revision, r.address),
      },
    ];
  });
}

/** Each translation of the notice, changed by `change` in its own locale. */
function translated(
  translations: NoticeTranslations | null,
  change: (locale: string, t: { title: string; bodyHtml: string }) => { title: string; bodyHtml: string },
): NoticeTranslations | null {
  if (!translations) return null;
  return Object.fromEntries(Object.entries(translations).map(([locale, t]) => [locale, change(locale, t)]));
}

/**
 * An update's revision: the dated update section on top of the body, in the notice's locale and in
 * each of its translations (each in its own words, else en-US), the `Updated message` tag once, and
 * with `notify` one `update` email per address its notice email went to.
 */
export function planUpdateRevision(
  n: RevisableNotice,
  update: { id: string; texts: UpdateTexts; notify: boolean },
  at: Date,
): RevisionWrite {
  return {
    noticeId: n.id,
    baseRevision: n.revision,
    cause: 'update',
    updateId: update.id,
    title: n.title,
    bodyHtml: withUpdate(n.bodyHtml, n.locale, at, update.texts),
    translations: translated(n.translations, (locale, t) => ({
      title: t.title,
      bodyHtml: withUpdate(t.bodyHtml, locale, at, update.texts),
    })),
    tags: withTag(n.tags, UPDATED_TAG),
    deliveries: update.notify ? revisionDeliveries(n, 'notice-update') : [],
  };
}

/**
 * A withdrawal's revision: the body replaced by the "sent in error" text in the notice's locale and
 * each translation's, the `Withdrawn` tag, and one `withdrawal` email per address told of the notice.
 */
export function planWithdrawalRevision(n: RevisableNotice): RevisionWrite {
  const own = withdrawnNotice(n.locale, n.id);
  return {
    noticeId: n.id,
    baseRevision: n.revision,
    cause: 'withdrawal',
    updateId: null,
    title: own.title,
    bodyHtml: own.bodyHtml,
    translations: translated(n.translations, (locale) => withdrawnNotice(locale, n.id)),
    tags: withTag(n.tags, WITHDRAWN_TAG),
    deliveries: revisionDeliveries(n, 'notice-withdrawal'),
  };
}
