import { randomBytes } from 'node:crypto';
import { Webhook } from 'standardwebhooks';
import { deterministicOperationId } from '../mail/mail-transport.js';

/**
 * What a tenant may subscribe to: `notice.posted` when a notice is posted, `notice.updated` for each
 * revision an incident update makes, `notice.withdrawn` when a withdrawal is approved. `reminder`
 * is accepted and not emitted yet.
 */
export const WEBHOOK_EVENTS = ['notice.posted', 'notice.updated', 'notice.withdrawn', 'reminder'] as const;
export type WebhookEventType = (typeof WEBHOOK_EVENTS)[number];

/** A new signing secret: `whsec_` + base64 of 32 random bytes (Standard Webhooks' format). */
export function newSigningSecret(): string {
  return `whsec_${randomBytes(32).toString('base64')}`;
}

/**
 * The `webhook-id` of an event: the same for every endpoint and every attempt of the same event, so
 * a receiver that keeps the ids it has seen drops a repeat (Standard Webhooks' idempotency rule).
 */
export function eventId(type: WebhookEventType, subject: string): string {
  return `msg_${deterministicOperationId('webhook-event', type, subject).replace(/-/g, '')}`;
}

/** The notice fields an event carries: no exposed data, only what points the reader to the inbox. */
export interface NoticeFacts {
  noticeId: string;
  tenantId: string;
  title: string;
  /** ISO 8601, UTC */
  postedAt: string;
  lastModifiedAt: string;
  /** the revision an update or withdrawal event announces */
  revision?: number;
}

/**
 * What an event's id is made from: the notice for `notice.posted` (once per notice), the notice and
 * the revision for an update or a withdrawal (once per revision, however often it is emitted).
 */
export function eventSubject(type: WebhookEventType, noticeId: string, revision?: number): string {
  return revision === undefined || type === 'notice.posted' ? noticeId : `${noticeId}@${revision}`;
}

/**
 * The body of a notice event, as Standard Webhooks suggests (`type`, `timestamp`, `data`). The
 * same text is stored with the delivery and sent, byte for byte, on every attempt.
 */
export function noticeEventBody(type: WebhookEventType, n: NoticeFacts, publicBaseUrl: string): string {
  const base = publicBaseUrl.replace(/\/+$/, '');
  return JSON.stringify({
    type,
    timestamp: n.lastModifiedAt,
    data: {
      eventId: eventId(type, eventSubject(type, n.noticeId, n.revision)),
      tenantId: n.tenantId,
      noticeId: n.noticeId,
      title: n.title,
      link: `${base}/inbox#${encodeURIComponent(n.noticeId)}`,
      apiLink: `${base}/v1/admin/serviceAnnouncement/messages/${encodeURIComponent(n.noticeId)}`,
      postedAt: n.postedAt,
      lastModifiedAt: n.lastModifiedAt,
      ...(n.revision !== undefined ? { revision: n.revision } : {}),
    },
  });
}

/** The three Standard Webhooks headers for one attempt (a new timestamp, so a new signature, each time). */
export function signedHeaders(secret: string, id: string, body: string, at: Date): Record<string, string> {
  return {
    'content-type': 'application/json',
    'user-agent': 'exposure-notify-webhooks/1',
    'webhook-id': id,
    'webhook-timestamp': String(Math.floor(at.getTime() / 1000)),
    'webhook-signature': new Webhook(secret).sign(id, at, body),
  };
}
