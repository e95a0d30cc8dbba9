import { createHash } from 'node:crypto';
import { GUID } from '../common/guid.js';

/** One email to one recipient. The operation id makes a retry of the same message a no-op at the provider. */
export interface OutgoingEmail {
  /** deterministic UUID per (campaign, contact): see deterministicOperationId */
  operationId: string;
  to: { address: string; displayName?: string };
  subject: string;
  html: string;
  text: string;
  headers?: Record<string, string>;
}

export type SendOutcome =
  | { status: 'succeeded'; providerMessageId: string }
  /** permanent: retrying the same message cannot help (refused, invalid, Failed operation) */
  | { status: 'failed'; permanent: boolean; reason: string; providerMessageId?: string }
  /** the provider asked us to slow down; retryAfterMs is how long it asked for */
  | { status: 'throttled'; retryAfterMs: number; reason: string };

export interface MailTransport {
  readonly kind: 'acs' | 'outbox';
  /** Never throws for a provider answer: every result, including network trouble, is a SendOutcome. */
  send(email: OutgoingEmail): Promise<SendOutcome>;
}

export const MAIL_TRANSPORT = Symbol('MAIL_TRANSPORT');

/** Fixed namespace of this service's operation ids, so they never collide with another system's v5 ids. */
export const OPERATION_ID_NAMESPACE = '3b0f5c8e-7d1a-4c59-9b8e-2f4a6d1c7e90';

export function isUuid(value: string): boolean {
  return GUID.test(value);
}

/** RFC 4122 name-based UUID, version 5 (SHA-1). */
export function uuidV5(name: string, namespace: string): string {
  if (!isUuid(namespace)) throw new Error(`uuidV5: namespace is not a UUID: ${namespace}`);
  const ns = Buffer.from(namespace.replace(/-/g, ''), 'hex');
  const bytes = createHash('sha1').update(ns).update(name, 'utf8').digest().subarray(0, 16);
  bytes[6] = (bytes[6]! & 0x0f) | 0x50;
  bytes[8] = (bytes[8]! & 0x3f) | 0x80;
  const hex = bytes.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/**
 * The same parts always give the same UUID, and different part lists give different ones:
 * the parts are JSON-encoded so ('a:b','c') and ('a','b:c') cannot meet.
 */
export function deterministicOperationId(...parts: string[]): string {
  if (parts.length === 0) throw new Error('deterministicOperationId needs at least one part');
  return uuidV5(JSON.stringify(parts), OPERATION_ID_NAMESPACE);
}
