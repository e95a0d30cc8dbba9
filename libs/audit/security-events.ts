import { Injectable, Logger } from '@nestjs/common';
import { AuditService } from './audit.service.js';
import { EventThrottle } from './event-throttle.js';

/** Why a request was refused; the audit action is `security.<reason>`. */
export type SecurityEventReason =
  | 'operator_auth_failed'
  | 'operator_auth_throttled'
  | 'invalid_token'
  | 'refused_read'
  /** an authenticated operator asked for what their role does not allow */
  | 'operatorForbidden';

export const SECURITY_ACTOR = 'security';
export const SECURITY_EVENT_WINDOW_MS = 60_000;

/**
 * Refused requests as audit events, at most one per (reason, client address) a minute: the event
 * carries `count`, the refusals of that kind from that address since the previous event. Written
 * in the background: a refusal never waits on (or fails with) the audit log.
 */
@Injectable()
export class SecurityEvents {
  private readonly logger = new Logger('security');
  private readonly throttle = new EventThrottle(SECURITY_EVENT_WINDOW_MS);

  constructor(private readonly audit: AuditService) {}

  /**
   * `about`: who asked (when known) and for what; the client address is always recorded. `key`
   * throttles per something more than the address (an operator: two behind one proxy are two events);
   * `details` are added to the event's.
   */
  report(
    reason: SecurityEventReason,
    clientAddress: string,
    about: { actor?: string; tenantId?: string; subject?: string; key?: string; details?: Record<string, string> } = {},
  ): void {
    const count = this.throttle.hit(`${reason}\n${clientAddress}${about.key === undefined ? '' : `\n${about.key}`}`);
    if (count === null) return;
    this.audit
      .record({
        actor: about.actor ?? SECURITY_ACTOR,
        action: `security.${reason}`,
        tenantId: about.tenantId ?? null,
        subject: about.subject?.slice(0, 64) ?? null,
        details: { ...about.details, clientAddress, count, windowSeconds: SECURITY_EVENT_WINDOW_MS / 1000 },
      })
      .catch((err: unknown) =>
        this.logger.error(`security event ${reason} not audited: ${err instanceof Error ? err.message : String(err)}`),
      );
  }
}

/** The address a request came from, as Express resolves it (trust proxy settings included). */
export const clientAddress = (req: {
  ip?: string | undefined;
  socket?: { remoteAddress?: string | undefined };
}): string => req.ip ?? req.socket?.remoteAddress ?? 'unknown';
