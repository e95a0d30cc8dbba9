import { EmailClient, type EmailClientOptions, type EmailMessage } from '@azure/communication-email';
import { isLoopbackHost, parseAcsConnectionString } from './acs-connection-string.js';
import { isUuid, type MailTransport, type OutgoingEmail, type SendOutcome } from './mail-transport.js';

export interface AcsMailTransportOptions {
  /** `endpoint=...;accesskey=...` */
  connectionString: string;
  /** a sender on a domain verified in the ACS resource */
  senderAddress: string;
  /** how often the operation status is polled (the SDK's updateIntervalInMs); default 2000 */
  pollIntervalMs?: number;
  /**
   * How long one send may wait for a terminal status before it reports a transient failure;
   * a retry with the same operation id then picks the same operation up again. Default 10 minutes.
   */
  maxWaitMs?: number;
  /** extra EmailClient options (tests shorten retryOptions); TLS is decided here, not by the caller */
  clientOptions?: Omit<EmailClientOptions, 'allowInsecureConnection'>;
}

/** Used when a 429 carries no usable Retry-After. */
export const DEFAULT_RETRY_AFTER_MS = 60_000;

/** The fields of the SDK's RestError we read; checked by shape so we need not import core-rest-pipeline. */
interface RestErrorLike {
  name: 'RestError';
  message: string;
  code?: string;
  statusCode?: number;
  response?: { headers: { get(name: string): string | undefined } };
}

function isRestError(e: unknown): e is RestErrorLike {
  return typeof e === 'object' && e !== null && (e as { name?: unknown }).name === 'RestError';
}

/** retry-after-ms / x-ms-retry-after-ms (milliseconds) first, then Retry-After (seconds or an HTTP date). */
export function retryAfterMsFrom(
  headers: { get(name: string): string | undefined } | undefined,
  now = Date.now(),
): number {
  if (!headers) return DEFAULT_RETRY_AFTER_MS;
  for (const name of ['retry-after-ms', 'x-ms-retry-after-ms']) {
    const v = headers.get(name);
    if (v !== undefined && /^\d+(\.\d+)?$/.test(v.trim())) return Math.ceil(Number(v));
  }
  const ra = headers.get('retry-after')?.trim();
  if (ra) {
    if (/^\d+(\.\d+)?$/.test(ra)) return Math.ceil(Number(ra) * 1000);
    const at = Date.parse(ra);
    if (Number.isFinite(at)) return Math.max(0, at - now);
  }
  return DEFAULT_RETRY_AFTER_MS;
}

type TerminalBody = { id?: string; status?: string; error?: { code?: string; message?: string } };

/**
 * Sends through the real Azure Communication Services EmailClient. The operation id is passed as
 * ACS's `Operation-Id`, so the service itself refuses to send the same message twice.
 */
export class AcsMailTransport implements MailTransport {
  readonly kind = 'acs' as const;
  private readonly client: EmailClient;
  private readonly pollIntervalMs: number;
  private readonly maxWaitMs: number;

  constructor(private readonly options: AcsMailTransportOptions) {
    const { endpoint } = parseAcsConnectionString(options.connectionString);
    this.client = new EmailClient(options.connectionString, {
      ...options.clientOptions,
      // plain HTTP only ever to a local emulator; a remote endpoint must be TLS
      allowInsecureConnection: isLoopbackHost(endpoint.hostname),
    });
    this.pollIntervalMs = options.pollIntervalMs ?? 2000;
    this.maxWaitMs = options.maxWaitMs ?? 10 * 60_000;
  }

  async send(email: OutgoingEmail): Promise<SendOutcome> {
    if (!isUuid(email.operationId)) {
      return { status: 'failed', permanent: true, reason: `operation id is not a UUID: ${email.operationId}` };
    }
    const message: EmailMessage = {
      senderAddress: this.options.senderAddress,
      content: { subject: email.subject, plainText: email.text, html: email.html },
      recipients: {
        to: [{ address: email.to.address, ...(email.to.displayName ? { displayName: email.to.displayName } : {}) }],
      },
      ...(email.headers && Object.keys(email.headers).length > 0 ? { headers: email.headers } : {}),
      // sent on the wire as userEngagementTrackingDisabled: no tracking pixels or rewritten links
      disableUserEngagementTracking: true,
    };
    // The last body the service returned: a Failed operation surfaces as a plain Error from
    // core-lro, so the reason (and whether it failed at all) is read from here.
    let last: TerminalBody | undefined;
    const abortSignal = AbortSignal.timeout(this.maxWaitMs);
    try {
      const poller = await this.client.beginSend(message, {
        operationId: email.operationId,
        updateIntervalInMs: this.pollIntervalMs,
        abortSignal,
        onResponse: (raw) => {
          if (raw.status < 300 && raw.parsedBody && typeof raw.parsedBody === 'object')
            last = raw.parsedBody as TerminalBody;
        },
      });
      const result = await poller.pollUntilDone({ abortSignal });
      if (result.status === 'Succeeded')
        return { status: 'succeeded', providerMessageId: result.id || email.operationId };
      return this.operationFailed(result, email.operationId);
    } catch (e) {
      if (isRestError(e)) return this.fromRestError(e);
      if (last?.status === 'Failed' || last?.status === 'Canceled')
        return this.operationFailed(last, email.operationId);
      if (abortSignal.aborted) {
        return { status: 'failed', permanent: false, reason: `no final status from ACS within ${this.maxWaitMs} ms` };
      }
      // anything else (a broken connection surfacing oddly, an SDK surprise): let the queue retry
      return { status: 'failed', permanent: false, reason: e instanceof Error ? e.message : String(e) };
    }
  }

  private operationFailed(body: TerminalBody, operationId: string): SendOutcome {
    const code = body.error?.code;
    const msg = body.error?.message;
    const detail = [code, msg].filter(Boolean).join(': ') || 'no error detail';
    return {
      status: 'failed',
      permanent: true,
      reason: `ACS operation ${body.status ?? 'Failed'}: ${detail}`,
      providerMessageId: body.id || operationId,
    };
  }

  /** RestError is what the SDK throws after its own retries (3, for 429/503 with Retry-After and 5xx). */
  private fromRestError(e: RestErrorLike): SendOutcome {
    const status = e.statusCode;
    const reason = `ACS ${status ?? e.code ?? 'network error'}${e.code && status ? ` ${e.code}` : ''}: ${e.message}`;
    if (status === 429) return { status: 'throttled', retryAfterMs: retryAfterMsFrom(e.response?.headers), reason };
    if (status === undefined || status >= 500 || status === 408) return { status: 'failed', permanent: false, reason };
    return { status: 'failed', permanent: true, reason };
  }
}
