import { randomBytes } from 'node:crypto';
import { Webhook } from 'standardwebhooks';
import { deterministicOperationId } from '../mail/mail-transport.js';

/**
 * What a tenant may subscribe to. Only `notice.posted` is emitted today: the product has no notice
 * updates, withdrawals or reminders yet, and when it does they are emitted under these names.
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
      eventId: eventId(type, n.noticeId),
      tenantId: n.tenantId,
      noticeId: n.noticeId,
      title: n.title,
      link: `${base}/inbox#${encodeURIComponent(n.noticeId)}`,
      apiLink: `${base}/v1/admin/serviceAnnouncement/messages/${encodeURIComponent(n.noticeId)}`,
      postedAt: n.postedAt,
      lastModifiedAt: n.lastModifiedAt,
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
