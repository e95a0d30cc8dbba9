/**
 * An Azure Communication Services Email emulator for tests: a local HTTP server that speaks the
 * part of the ACS Email REST API the real `@azure/communication-email` EmailClient uses
 * (docs/toolchain.md, "Azure Communication Services Email offline").
 *
 * - `POST /emails:send?api-version=...`: HMAC-SHA256 signature checked with the access key, body
 *   validated, `Operation-Id` honoured (a repeated id answers the existing operation and records
 *   nothing), `202 {id, status:"Running"}` with `Operation-Location`.
 * - `GET /emails/operations/{id}?api-version=...`: `Running` for the first `runningPolls` reads,
 *   then `Succeeded`, or `Failed` with an error when a recipient is in `failAddresses`.
 * - Errors are `{error:{code,message}}` with an `x-ms-error-code` header, as ACS answers them.
 *
 * Every accepted message is recorded. Tests inject faults with `failNext`, `failAddresses` and a
 * per-minute quota, and count what was "delivered" with `countByRecipient`/`countByOperationId`.
 * Test support only: nothing in production code imports this.
 */
import { createHash, createHmac, randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface AcsEmulatorOptions {
  /** base64 access key; a random 32-byte key by default */
  accessKey?: string;
  /** status reads that still answer Running before the final status (default 1) */
  runningPolls?: number;
  /** accepted sends allowed in any 60 s window; more are answered 429 with Retry-After (default: no limit) */
  quotaPerMinute?: number;
  /** keep html and text of every message (default true; a benchmark of many messages may turn it off) */
  keepBodies?: boolean;
  /** added before every answer */
  latencyMs?: number;
  /** the signed x-ms-date may differ from our clock by this much (ACS allows 15 minutes) */
  maxClockSkewMs?: number;
  host?: string;
  port?: number;
}

/** A fault answered instead of the normal response. */
export type AcsFault =
  | {
      status: number;
      /** sent as Retry-After (seconds) */
      retryAfterSeconds?: number;
      /** sent as retry-after-ms */
      retryAfterMs?: number;
      code?: string;
      message?: string;
      /** which requests it applies to (default 'send') */
      on?: FaultTarget;
    }
  /** the connection is dropped without an answer (the client sees ECONNRESET) */
  | { drop: true; on?: FaultTarget };
export type FaultTarget = 'send' | 'status' | 'any';

export type OperationStatus = 'Running' | 'Succeeded' | 'Failed';

export interface RecordedEmail {
  operationId: string;
  /** whether the client chose the operation id (Operation-Id header) or we generated one */
  clientOperationId: boolean;
  sender: string;
  to: string[];
  cc: string[];
  bcc: string[];
  /** every recipient address, lower-cased */
  recipients: string[];
  subject: string;
  html?: string;
  text?: string;
  headers: Record<string, string>;
  replyTo: string[];
  userEngagementTrackingDisabled: boolean;
  receivedAt: Date;
  /** what the operation ends as (decided when accepted) */
  outcome: 'Succeeded' | 'Failed';
  error?: { code: string; message: string };
}

/** One request as it arrived: to check pauses (no send during a Retry-After) from the outside. */
export interface RequestLogEntry {
  /** Date.now() when the request arrived */
  at: number;
  kind: 'send' | 'status' | 'other';
  /** the status answered; null while unanswered or when the connection was dropped */
  status: number | null;
}

export interface AcsEmulatorStats {
  requests: number;
  sendRequests: number;
  statusRequests: number;
  accepted: number;
  /** sends with an operation id seen before: answered with the existing operation, not recorded */
  duplicates: number;
  authFailures: number;
  badRequests: number;
  injectedFaults: number;
  quotaRejections: number;
}

interface Operation {
  record: RecordedEmail;
  polls: number;
}

interface QueuedFault {
  remaining: number;
  fault: AcsFault;
}

const MAX_REQUEST_BYTES = 10 * 1024 * 1024; // ACS: 10 MB per request including attachments
const MAX_RECIPIENTS = 50;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const EMAIL = /^[^\s@<>()[\],;:"]+@[^\s@<>()[\],;:".]+(\.[^\s@<>()[\],;:".]+)+$/;
const WINDOW_MS = 60_000;

class HttpFailure extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

export class AcsEmulator {
  readonly accessKey: string;
  private readonly server: Server;
  private readonly defaults: Required<Omit<AcsEmulatorOptions, 'quotaPerMinute' | 'accessKey' | 'host' | 'port'>> & {
    quotaPerMinute?: number;
  };
  private runningPolls!: number;
  private quotaPerMinute?: number;
  private latencyMs!: number;
  private failing = new Set<string>();
  private faults: QueuedFault[] = [];
  private operations = new Map<string, Operation>();
  private records: RecordedEmail[] = [];
  /** accepted-send times, oldest first: the quota window and peak-rate figures */
  private acceptedAt: number[] = [];
  private counters!: AcsEmulatorStats;
  private log: RequestLogEntry[] = [];
  private waiters: { n: number; resolve: () => void }[] = [];
  private port = 0;
  private host: string;

  private constructor(opts: AcsEmulatorOptions) {
    this.accessKey = opts.accessKey ?? randomBytes(32).toString('base64');
    this.host = opts.host ?? '127.0.0.1';
    this.defaults = {
      runningPolls: opts.runningPolls ?? 1,
      quotaPerMinute: opts.quotaPerMinute,
      keepBodies: opts.keepBodies ?? true,
      latencyMs: opts.latencyMs ?? 0,
      maxClockSkewMs: opts.maxClockSkewMs ?? 15 * 60_000,
    };
    this.reset();
    this.server = createServer((req, res) => {
      this.handle(req, res).catch((e: unknown) => {
        if (!res.headersSent) this.error(res, 500, 'InternalServerError', `emulator: ${(e as Error).message}`);
      });
    });
    this.server.keepAliveTimeout = 5_000;
  }

  /** Starts an emulator on a free port of the loopback interface. */
  static async start(opts: AcsEmulatorOptions = {}): Promise<AcsEmulator> {
    const emu = new AcsEmulator(opts);
    await new Promise<void>((resolve, reject) => {
      emu.server.once('error', reject);
      emu.server.listen(opts.port ?? 0, emu.host, () => resolve());
    });
    emu.port = (emu.server.address() as AddressInfo).port;
    return emu;
  }

  /** `http://127.0.0.1:PORT` (no trailing slash) */
  get endpoint(): string {
    return `http://${this.host}:${this.port}`;
  }

  /** What the EmailClient takes: `endpoint=http://127.0.0.1:PORT/;accesskey=...` */
  get connectionString(): string {
    return this.connectionStringWithKey(this.accessKey);
  }

  /** The same endpoint with another key (to see a wrong key refused). */
  connectionStringWithKey(key: string): string {
    return `endpoint=${this.endpoint}/;accesskey=${key}`;
  }

  // ---- controls -------------------------------------------------------------------------------

  /** The next n matching requests are answered with the fault (queued after earlier failNext calls). */
  failNext(n: number, fault: AcsFault): void {
    if (n > 0) this.faults.push({ remaining: n, fault });
  }

  /** Messages accepted from now on that go to any of these addresses end Failed (replaces the set). */
  failAddresses(addresses: Iterable<string>): void {
    this.failing = new Set([...addresses].map((a) => a.toLowerCase()));
  }

  /** Turns the per-minute quota on (a number) or off (undefined). */
  setQuotaPerMinute(perMinute: number | undefined): void {
    this.quotaPerMinute = perMinute;
  }

  setRunningPolls(n: number): void {
    this.runningPolls = n;
  }

  setLatency(ms: number): void {
    this.latencyMs = ms;
  }

  /** Forgets every message, operation, fault and counter, and restores the start options. */
  reset(): void {
    this.runningPolls = this.defaults.runningPolls;
    this.quotaPerMinute = this.defaults.quotaPerMinute;
    this.latencyMs = this.defaults.latencyMs;
    this.failing = new Set();
    this.faults = [];
    this.operations = new Map();
    this.records = [];
    this.acceptedAt = [];
    this.log = [];
    this.counters = {
      requests: 0,
      sendRequests: 0,
      statusRequests: 0,
      accepted: 0,
      duplicates: 0,
      authFailures: 0,
      badRequests: 0,
      injectedFaults: 0,
      quotaRejections: 0,
    };
  }

  // ---- what happened ----------------------------------------------------------------------------

  /** Every accepted message (once per operation), oldest first. */
  messages(): RecordedEmail[] {
    return [...this.records];
  }

  /** Messages per recipient address (lower-cased); by default only those whose operation succeeded. */
  countByRecipient(opts: { includeFailed?: boolean } = {}): Map<string, number> {
    const out = new Map<string, number>();
    for (const r of this.records) {
      if (r.outcome !== 'Succeeded' && !opts.includeFailed) continue;
      for (const a of r.recipients) out.set(a, (out.get(a) ?? 0) + 1);
    }
    return out;
  }

  /** Accepted messages per operation id: always 1 each, unless the client sent without an Operation-Id. */
  countByOperationId(): Map<string, number> {
    const out = new Map<string, number>();
    for (const r of this.records) out.set(r.operationId, (out.get(r.operationId) ?? 0) + 1);
    return out;
  }

  /** The status the operation would answer now, or undefined for an unknown id. */
  operationStatus(operationId: string): OperationStatus | undefined {
    const op = this.operations.get(operationId.toLowerCase());
    return op ? this.statusOf(op) : undefined;
  }

  /** Every request since the start (or the last reset), in arrival order. */
  requestLog(): RequestLogEntry[] {
    return this.log.map((e) => ({ ...e }));
  }

  stats(): AcsEmulatorStats {
    return { ...this.counters };
  }

  /** The most messages accepted within any window of windowMs (default 60 s): to check a rate limit held. */
  peakAccepted(windowMs = WINDOW_MS): number {
    let best = 0;
    let lo = 0;
    for (let hi = 0; hi < this.acceptedAt.length; hi++) {
      while (this.acceptedAt[hi]! - this.acceptedAt[lo]! >= windowMs) lo++;
      best = Math.max(best, hi - lo + 1);
    }
    return best;
  }

  /** Resolves once at least n messages have been accepted (rejects after timeoutMs). */
  waitForMessages(n: number, timeoutMs = 30_000): Promise<void> {
    if (this.records.length >= n) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w !== waiter);
        reject(new Error(`ACS emulator: ${this.records.length} of ${n} messages after ${timeoutMs} ms`));
      }, timeoutMs);
      const waiter = {
        n,
        resolve: () => {
          clearTimeout(timer);
          resolve();
        },
      };
      this.waiters.push(waiter);
    });
  }

  async close(): Promise<void> {
    await new Promise<void>((resolve) => {
      this.server.close(() => resolve());
      this.server.closeAllConnections();
    });
  }

  // ---- HTTP -------------------------------------------------------------------------------------

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    this.counters.requests++;
    const entry: RequestLogEntry = { at: Date.now(), kind: 'other', status: null };
    this.log.push(entry);
    res.once('finish', () => (entry.status = res.statusCode));
    const body = await readBody(req, MAX_REQUEST_BYTES);
    if (this.latencyMs > 0) await new Promise((r) => setTimeout(r, this.latencyMs));
    const rawUrl = req.url ?? '/';
    const q = rawUrl.indexOf('?');
    const path = q < 0 ? rawUrl : rawUrl.slice(0, q);
    const query = new URLSearchParams(q < 0 ? '' : rawUrl.slice(q + 1));
    const isSend = req.method === 'POST' && path === '/emails:send';
    const statusMatch = req.method === 'GET' ? /^\/emails\/operations\/([^/]+)$/.exec(path) : null;
    entry.kind = isSend ? 'send' : statusMatch ? 'status' : 'other';
    if (isSend) this.counters.sendRequests++;
    if (statusMatch) this.counters.statusRequests++;

    try {
      if (body === null) throw new HttpFailure(413, 'RequestEntityTooLarge', 'The request is larger than 10 MB.');
      this.verifySignature(req, path, query, body);
      if (!isSend && !statusMatch) throw new HttpFailure(404, 'NotFound', `No route for ${req.method} ${path}.`);
      if (!query.get('api-version')) {
        throw new HttpFailure(400, 'MissingApiVersionParameter', 'The api-version query parameter is required.');
      }
      const fault = this.takeFault(isSend ? 'send' : 'status');
      if (fault) {
        this.counters.injectedFaults++;
        if ('drop' in fault) {
          req.socket.destroy();
          return;
        }
        const headers: Record<string, string> = {};
        if (fault.retryAfterSeconds !== undefined) headers['retry-after'] = String(fault.retryAfterSeconds);
        if (fault.retryAfterMs !== undefined) headers['retry-after-ms'] = String(fault.retryAfterMs);
        const code =
          fault.code ??
          (fault.status === 429 ? 'TooManyRequests' : fault.status >= 500 ? 'ServiceUnavailable' : 'BadRequest');
        this.error(res, fault.status, code, fault.message ?? `Injected fault ${fault.status}.`, headers);
        return;
      }
      if (isSend) this.send(req, res, body);
      else this.status(res, decodeURIComponent(statusMatch![1]!));
    } catch (e) {
      if (!(e instanceof HttpFailure)) throw e;
      if (e.status === 401) this.counters.authFailures++;
      else if (e.status === 400 || e.status === 413) this.counters.badRequests++;
      this.error(res, e.status, e.code, e.message);
    }
  }

  private send(req: IncomingMessage, res: ServerResponse, body: Buffer): void {
    const given = header(req, 'operation-id');
    if (given !== undefined && !UUID.test(given)) {
      throw new HttpFailure(400, 'InvalidOperationId', 'The Operation-Id header must be a UUID.');
    }
    const existing = given ? this.operations.get(given.toLowerCase()) : undefined;
    if (existing) {
      // idempotent: the same operation, nothing sent again
      this.counters.duplicates++;
      this.accepted(res, existing);
      return;
    }
    const msg = parseMessage(body);
    const now = Date.now();
    if (this.quotaPerMinute !== undefined) {
      const first = firstAfter(this.acceptedAt, now - WINDOW_MS);
      if (this.acceptedAt.length - first >= this.quotaPerMinute) {
        this.counters.quotaRejections++;
        // the window frees a slot when its oldest send turns 60 s old
        const oldest = this.acceptedAt[this.acceptedAt.length - this.quotaPerMinute]!;
        const retryAfter = Math.max(1, Math.ceil((oldest + WINDOW_MS - now) / 1000));
        this.error(res, 429, 'TooManyRequests', `Quota of ${this.quotaPerMinute} emails a minute exceeded.`, {
          'retry-after': String(retryAfter),
        });
        return;
      }
    }
    const id = (given ?? randomUUID()).toLowerCase();
    const failed = msg.recipients.filter((a) => this.failing.has(a));
    const record: RecordedEmail = {
      operationId: id,
      clientOperationId: given !== undefined,
      ...msg,
      ...(this.defaults.keepBodies ? {} : { html: undefined, text: undefined }),
      receivedAt: new Date(now),
      outcome: failed.length ? 'Failed' : 'Succeeded',
      ...(failed.length
        ? {
            error: {
              code: 'EmailDroppedAllRecipientsSuppressed',
              message: `Message not delivered: recipient ${failed.join(', ')} is suppressed or rejected the message.`,
            },
          }
        : {}),
    };
    const op: Operation = { record, polls: 0 };
    this.operations.set(id, op);
    this.records.push(record);
    this.acceptedAt.push(now);
    this.counters.accepted++;
    this.waiters = this.waiters.filter((w) => {
      if (this.records.length < w.n) return true;
      w.resolve();
      return false;
    });
    this.accepted(res, op);
  }

  private accepted(res: ServerResponse, op: Operation): void {
    const id = op.record.operationId;
    this.json(res, 202, this.operationBody(op), {
      'operation-location': `${this.endpoint}/emails/operations/${id}?api-version=2025-09-01`,
      'operation-id': id,
    });
  }

  private status(res: ServerResponse, id: string): void {
    const op = this.operations.get(id.toLowerCase());
    if (!op) throw new HttpFailure(404, 'NotFound', `Operation ${id} was not found.`);
    op.polls++;
    this.json(res, 200, this.operationBody(op));
  }

  private statusOf(op: Operation): OperationStatus {
    return op.polls > this.runningPolls ? op.record.outcome : 'Running';
  }

  private operationBody(op: Operation) {
    const status = this.statusOf(op);
    return { id: op.record.operationId, status, ...(status === 'Failed' ? { error: op.record.error } : {}) };
  }

  private takeFault(kind: 'send' | 'status'): AcsFault | undefined {
    const i = this.faults.findIndex((f) => (f.fault.on ?? 'send') === kind || f.fault.on === 'any');
    if (i < 0) return undefined;
    const q = this.faults[i]!;
    if (--q.remaining <= 0) this.faults.splice(i, 1);
    return q.fault;
  }

  /** HMAC-SHA256 over `VERB\n<path>?<query>\n<x-ms-date>;<host>;<x-ms-content-sha256>` with the decoded key. */
  private verifySignature(req: IncomingMessage, path: string, query: URLSearchParams, body: Buffer): void {
    const deny = (why: string) => new HttpFailure(401, 'Denied', `Denied by the resource provider. ${why}`);
    const auth = header(req, 'authorization');
    const m = auth ? /^HMAC-SHA256 SignedHeaders=([^&]+)&Signature=(.+)$/.exec(auth) : null;
    if (!m) throw deny('Missing or malformed HMAC-SHA256 Authorization header.');
    const signed = m[1]!.split(';').map((h) => h.toLowerCase());
    for (const required of ['x-ms-date', 'host', 'x-ms-content-sha256']) {
      if (!signed.includes(required)) throw deny(`SignedHeaders must include ${required}.`);
    }
    const date = header(req, 'x-ms-date');
    const when = date ? Date.parse(date) : NaN;
    if (!Number.isFinite(when) || Math.abs(Date.now() - when) > this.defaults.maxClockSkewMs) {
      throw deny('x-ms-date is missing or too far from the current time.');
    }
    const contentHash = createHash('sha256').update(body).digest('base64');
    if (header(req, 'x-ms-content-sha256') !== contentHash) throw deny('x-ms-content-sha256 does not match the body.');
    const values = signed.map((h) => header(req, h) ?? '');
    const qs = query.toString();
    const stringToSign = `${req.method!.toUpperCase()}\n${qs ? `${path}?${qs}` : path}\n${values.join(';')}`;
    const expected = createHmac('sha256', Buffer.from(this.accessKey, 'base64')).update(stringToSign).digest();
    const given = Buffer.from(m[2]!, 'base64');
    if (given.length !== expected.length || !timingSafeEqual(given, expected))
      throw deny('The signature does not match.');
  }

  private json(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
    const text = JSON.stringify(body);
    res.writeHead(status, {
      'content-type': 'application/json; charset=utf-8',
      'content-length': Buffer.byteLength(text),
      'x-ms-request-id': randomUUID(),
      ...headers,
    });
    res.end(text);
  }

  private error(
    res: ServerResponse,
    status: number,
    code: string,
    message: string,
    headers: Record<string, string> = {},
  ): void {
    this.json(res, status, { error: { code, message } }, { 'x-ms-error-code': code, ...headers });
  }
}

/** Index of the first element greater than t in an ascending array. */
function firstAfter(sorted: number[], t: number): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (sorted[mid]! > t) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

function header(req: IncomingMessage, name: string): string | undefined {
  const v = req.headers[name];
  return Array.isArray(v) ? v.join(', ') : v;
}

/** The whole body, or null when it is larger than max (the rest is drained). */
function readBody(req: IncomingMessage, max: number): Promise<Buffer | null> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size <= max) chunks.push(c);
    });
    req.on('end', () => resolve(size > max ? null : Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

type ParsedMessage = Pick<
  RecordedEmail,
  | 'sender'
  | 'to'
  | 'cc'
  | 'bcc'
  | 'recipients'
  | 'subject'
  | 'html'
  | 'text'
  | 'headers'
  | 'replyTo'
  | 'userEngagementTrackingDisabled'
>;

/** Validates the send body the way ACS does for the fields the SDK sends. */
function parseMessage(body: Buffer): ParsedMessage {
  const bad = (message: string) => new HttpFailure(400, 'BadRequest', message);
  let m: unknown;
  try {
    m = JSON.parse(body.toString('utf8'));
  } catch {
    throw bad('The request body is not valid JSON.');
  }
  if (!isObject(m)) throw bad('The request body must be a JSON object.');
  if (typeof m.senderAddress !== 'string' || !EMAIL.test(m.senderAddress)) {
    throw bad('senderAddress is required and must be an email address.');
  }
  const content = m.content;
  if (!isObject(content)) throw bad('content is required.');
  if (typeof content.subject !== 'string' || content.subject.trim() === '') throw bad('content.subject is required.');
  for (const k of ['plainText', 'html'] as const) {
    if (content[k] !== undefined && typeof content[k] !== 'string') throw bad(`content.${k} must be a string.`);
  }
  if (!content.plainText && !content.html) throw bad('content needs plainText or html.');

  const addresses = (v: unknown, where: string): string[] => {
    if (v === undefined || v === null) return [];
    if (!Array.isArray(v)) throw bad(`${where} must be an array.`);
    return v.map((a, i) => {
      if (!isObject(a) || typeof a.address !== 'string' || !EMAIL.test(a.address)) {
        throw bad(`${where}[${i}].address is not a valid email address.`);
      }
      if (a.displayName !== undefined && typeof a.displayName !== 'string')
        throw bad(`${where}[${i}].displayName must be a string.`);
      return a.address;
    });
  };
  if (!isObject(m.recipients)) throw bad('recipients is required.');
  const to = addresses(m.recipients.to, 'recipients.to');
  const cc = addresses(m.recipients.cc, 'recipients.cc');
  const bcc = addresses(m.recipients.bcc, 'recipients.bcc');
  const all = [...to, ...cc, ...bcc];
  if (all.length === 0) throw bad('At least one recipient is required.');
  if (all.length > MAX_RECIPIENTS) throw bad(`At most ${MAX_RECIPIENTS} recipients are allowed.`);

  const headers: Record<string, string> = {};
  if (m.headers !== undefined && m.headers !== null) {
    if (!isObject(m.headers)) throw bad('headers must be an object.');
    for (const [k, v] of Object.entries(m.headers)) {
      if (typeof v !== 'string') throw bad(`headers.${k} must be a string.`);
      headers[k] = v;
    }
  }
  if (m.userEngagementTrackingDisabled !== undefined && typeof m.userEngagementTrackingDisabled !== 'boolean') {
    throw bad('userEngagementTrackingDisabled must be a boolean.');
  }
  return {
    sender: m.senderAddress,
    to,
    cc,
    bcc,
    recipients: all.map((a) => a.toLowerCase()),
    subject: content.subject,
    ...(typeof content.html === 'string' ? { html: content.html } : {}),
    ...(typeof content.plainText === 'string' ? { text: content.plainText } : {}),
    headers,
    replyTo: addresses(m.replyTo, 'replyTo'),
    userEngagementTrackingDisabled: m.userEngagementTrackingDisabled === true,
  };
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
