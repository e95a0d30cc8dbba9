import { BlockList, isIP } from 'node:net';
import { z } from 'zod';
import { parseAcsConnectionString } from '../mail/acs-connection-string.js';

/**
 * Every setting the three processes read, validated once at start-up. Defaults work on a
 * machine where PostgreSQL and Redis listen on their standard local ports.
 */
const list = z.string().transform((s) =>
  s
    .split(',')
    .map((x) => x.trim().toLowerCase())
    .filter(Boolean),
);

const bool = z
  .enum(['true', 'false', '1', '0', 'yes', 'no'])
  .transform((v) => v === 'true' || v === '1' || v === 'yes');

const LOOPBACK = new BlockList();
LOOPBACK.addSubnet('127.0.0.0', 8, 'ipv4');
LOOPBACK.addAddress('::1', 'ipv6');

/** Whether a listen address or URL host name stays on this machine: 127.0.0.0/8, ::1 (also IPv4-mapped) or localhost. */
export function isLoopbackHost(host: string): boolean {
  const h = host
    .trim()
    .toLowerCase()
    .replace(/^\[(.*)\]$/, '$1');
  if (h === 'localhost') return true;
  const family = isIP(h);
  return family !== 0 && LOOPBACK.check(h, family === 4 ? 'ipv4' : 'ipv6');
}

export const configSchema = z
  .object({
    DATABASE_URL: z
      .string()
      .regex(/^postgres(ql)?:\/\//, 'must be a postgresql:// URL')
      .default('postgresql://postgres@127.0.0.1:5432/impact'),
    DATABASE_POOL_SIZE: z.coerce.number().int().min(1).max(200).default(10),
    REDIS_URL: z
      .string()
      .regex(/^rediss?:\/\//, 'must be a redis:// URL')
      .default('redis://127.0.0.1:6379'),
    /** key prefix for every BullMQ queue, so several deployments (or test runs) share one Redis */
    QUEUE_PREFIX: z
      .string()
      .regex(/^[A-Za-z0-9_:-]+$/, 'letters, digits, _ : - only')
      .default('impact'),
    /** the operator's own mail domains: they identify no tenant */
    OPERATOR_DOMAINS: list.default([]),
    HOST: z.string().default('127.0.0.1'),
    /** where tenants reach the API and the inbox page; emails link to `<PUBLIC_BASE_URL>/inbox` */
    PUBLIC_BASE_URL: z.url({ protocol: /^https?$/ }).default('http://127.0.0.1:3000'),
    PORT: z.coerce.number().int().min(0).max(65535).default(3000),
    /** operator API credentials, `name:token` pairs separated by commas; none means the operator API refuses everyone */
    OPERATOR_TOKENS: z
      .string()
      .default('')
      .transform((s, ctx) => {
        const out: { name: string; token: string }[] = [];
        for (const pair of s
          .split(',')
          .map((x) => x.trim())
          .filter(Boolean)) {
          const i = pair.indexOf(':');
          const name = pair.slice(0, i);
          const token = pair.slice(i + 1);
          if (i < 1 || token.length < 16) {
            ctx.addIssue({ code: 'custom', message: 'each entry must be name:token with a token of 16+ characters' });
            return z.NEVER;
          }
          out.push({ name, token });
        }
        return out;
      }),
    /** a line longer than this is quarantined without being parsed */
    INGEST_MAX_LINE_BYTES: z.coerce.number().int().min(1024).default(1_048_576),
    /** an HTTP upload larger than this is refused with 413 */
    INGEST_MAX_UPLOAD_BYTES: z.coerce
      .number()
      .int()
      .min(1024)
      .default(2 * 1024 ** 3),
    /**
     * gzip input (upload, CLI file, tenant directory) that expands past this many bytes is refused
     * with 413: the upload limit counts compressed bytes, which do not bound the work
     */
    INGEST_MAX_EXPANDED_BYTES: z.coerce
      .number()
      .int()
      .min(1024)
      .default(8 * 1024 ** 3),
    /** gzip input expanding more than this many times (after its first MiB) is refused with 413, as a likely bomb */
    INGEST_MAX_COMPRESSION_RATIO: z.coerce.number().min(2).default(200),
    INGEST_BATCH_SIZE: z.coerce.number().int().min(1).max(50_000).default(2000),
    /** through the API, the approver must differ from the campaign's creator unless this is true */
    ALLOW_SELF_APPROVAL: bool.default(false),
    LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
    LOG_PRETTY: bool.default(false),
    /** a bearer token for Prometheus alone (GET /metrics); operator tokens are accepted there too */
    METRICS_TOKEN: z
      .string()
      .min(16, 'must be 16+ characters')
      .max(512)
      .regex(/^[\x21-\x7e]+$/, 'must be printable ASCII without spaces')
      .optional(),
    /** the worker serves its counters at http://HOST:<this>/metrics; unset: the worker opens no port */
    WORKER_METRICS_PORT: z.coerce.number().int().min(1).max(65535).optional(),
    /** how long the readiness probe waits for PostgreSQL and for Redis */
    HEALTH_TIMEOUT_MS: z.coerce.number().int().min(50).max(30_000).default(1500),
    /** how emails leave: `acs` (Azure Communication Services) or `outbox` (.eml files); never chosen by NODE_ENV */
    MAIL_TRANSPORT: z.enum(['acs', 'outbox']).default('outbox'),
    /** `endpoint=https://...;accesskey=...`; required when MAIL_TRANSPORT=acs */
    ACS_CONNECTION_STRING: z
      .string()
      .superRefine((s, ctx) => {
        try {
          parseAcsConnectionString(s);
        } catch (e) {
          ctx.addIssue({ code: 'custom', message: (e as Error).message });
        }
      })
      .optional(),
    /** the From address: a sender on a domain verified in the ACS resource */
    MAIL_SENDER: z.email('must be an email address').default('DoNotReply@notify.example.com'),
    OUTBOX_DIR: z.string().min(1).default('./outbox'),
    /** how often a sent email's ACS operation is polled until Succeeded or Failed */
    ACS_POLL_INTERVAL_MS: z.coerce.number().int().min(10).max(60_000).default(2000),
    /** emails sent per minute at most (ACS's default quota for a custom domain is 30) */
    MAIL_RATE_PER_MINUTE: z.coerce.number().int().min(1).max(1_000_000).default(30),

    // ── tenant inbox: who may read (libs/auth) ──
    /** the tenants' identity provider's key set; or TENANT_JWT_PUBLIC_KEY; with either, ISSUER and AUDIENCE are required */
    TENANT_JWKS_URL: z.url({ protocol: /^https?$/, error: 'must be an http(s) URL' }).optional(),
    /** one public key (PEM `BEGIN PUBLIC KEY`, or a JWK as JSON) that signs tenant tokens */
    TENANT_JWT_PUBLIC_KEY: z.string().min(40, 'must be a PEM public key or a JWK').optional(),
    TENANT_JWT_ISSUER: z.string().min(1).max(500).optional(),
    /** the audience tenant tokens must name; also what the development issuer puts in its tokens */
    TENANT_JWT_AUDIENCE: z.string().min(1).max(500).optional(),
    /** seconds of clock skew allowed on exp/nbf */
    TENANT_JWT_CLOCK_TOLERANCE_S: z.coerce.number().int().min(0).max(300).default(30),
    /** the built-in development issuer (demo, tests); trusted by the API only when no external issuer is configured */
    DEV_ISSUER_ENABLED: bool.default(false),
    /** where the development issuer keeps its generated private key (dev-issuer-key.pem) */
    DEV_ISSUER_KEY_DIR: z.string().min(1).default('./.dev-issuer'),
    /** the development issuer's private key (PKCS#8 PEM) instead of a file */
    DEV_ISSUER_PRIVATE_KEY: z.string().min(40, 'must be a PKCS#8 PEM private key').optional(),
    DEV_ISSUER_TOKEN_TTL_S: z.coerce.number().int().min(60).max(86_400).default(3600),
    /**
     * how long a reader's roles read from the tenant directory are reused, per (tenant, address): a
     * role removed in the directory stops working within this window (0: read on every request)
     */
    TENANT_ROLES_CACHE_MS: z.coerce.number().int().min(0).max(60_000).default(60_000),
    /** inbox requests a minute per verified user, and per client address (every process counts its own) */
    INBOX_RATE_PER_USER: z.coerce.number().int().min(1).max(10_000_000).default(300),
    INBOX_RATE_PER_ADDRESS: z.coerce.number().int().min(1).max(10_000_000).default(1200),
    // ── the tenants' own notification recipients (libs/recipients) ──
    /** how long a recipient's confirmation link stays valid */
    RECIPIENT_CONFIRM_TTL_HOURS: z.coerce.number().int().min(1).max(720).default(168),
    /** adding an address again within this many minutes of its last confirmation email sends no other */
    RECIPIENT_RESEND_WINDOW_MINUTES: z.coerce.number().int().min(0).max(10_080).default(15),
    /** confirmation emails a tenant may cause in an hour */
    RECIPIENT_CONFIRMATIONS_PER_HOUR: z.coerce.number().int().min(1).max(10_000).default(10),
    /** failed operator authentications a client address may make in a minute before it waits (429) for the rest of it */
    OPERATOR_AUTH_MAX_FAILURES: z.coerce.number().int().min(1).max(10_000).default(10),
    /** how long a client may take to send a request's headers */
    REQUEST_HEADERS_TIMEOUT_MS: z.coerce.number().int().min(1000).max(600_000).default(20_000),
    /** a request body that sends no byte for this long is answered 408 and its connection closed, uploads included */
    REQUEST_BODY_IDLE_TIMEOUT_MS: z.coerce.number().int().min(100).max(600_000).default(30_000),
    /** a body other than an upload must have arrived whole within this long */
    REQUEST_BODY_TIMEOUT_MS: z.coerce.number().int().min(100).max(600_000).default(60_000),
  })
  .superRefine((c, ctx) => {
    if ((c.TENANT_JWKS_URL || c.TENANT_JWT_PUBLIC_KEY) && !(c.TENANT_JWT_ISSUER && c.TENANT_JWT_AUDIENCE)) {
      ctx.addIssue({
        code: 'custom',
        path: [c.TENANT_JWT_ISSUER ? 'TENANT_JWT_AUDIENCE' : 'TENANT_JWT_ISSUER'],
        message: 'is required with TENANT_JWKS_URL or TENANT_JWT_PUBLIC_KEY',
      });
    }
    if (c.TENANT_JWKS_URL && c.TENANT_JWT_PUBLIC_KEY) {
      ctx.addIssue({
        code: 'custom',
        path: ['TENANT_JWT_PUBLIC_KEY'],
        message: 'give either TENANT_JWKS_URL or TENANT_JWT_PUBLIC_KEY, not both',
      });
    }
    // the development issuer signs a token for anyone who names a listed contact: it must never be reachable from outside this machine
    if (c.DEV_ISSUER_ENABLED && !isLoopbackHost(c.HOST)) {
      ctx.addIssue({
        code: 'custom',
        path: ['HOST'],
        message: `must be a loopback address (127.0.0.0/8, ::1, localhost) while DEV_ISSUER_ENABLED is true, not "${c.HOST.slice(0, 100)}"`,
      });
    }
    if (c.DEV_ISSUER_ENABLED && !isLoopbackHost(new URL(c.PUBLIC_BASE_URL).hostname)) {
      ctx.addIssue({
        code: 'custom',
        path: ['PUBLIC_BASE_URL'],
        message:
          'must be a loopback URL (http://127.0.0.1:..., http://[::1]:..., http://localhost:...) while DEV_ISSUER_ENABLED is true',
      });
    }
    if (c.MAIL_TRANSPORT === 'acs' && !c.ACS_CONNECTION_STRING) {
      ctx.addIssue({ code: 'custom', path: ['ACS_CONNECTION_STRING'], message: 'is required when MAIL_TRANSPORT=acs' });
    }
  });

export type AppConfig = z.infer<typeof configSchema>;

export class ConfigError extends Error {}

/** Parses the environment; the error names the first bad variable in one line. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): AppConfig {
  const clean = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
  const parsed = configSchema.safeParse(clean);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const name = String(issue.path[0] ?? 'environment');
    throw new ConfigError(`configuration: ${name} ${issue.message}`);
  }
  return parsed.data;
}

export const APP_CONFIG = Symbol('APP_CONFIG');
