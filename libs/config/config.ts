import { BlockList, isIP } from 'node:net';
import { z } from 'zod';
import { parseAcsConnectionString } from '../mail/acs-connection-string.js';
import { parseOperatorRoles } from '../auth/operator-roles.js';

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

/** What the API, worker and CLI connect as: the application role, on the database db:setup creates. */
export const DEFAULT_DATABASE_URL = 'postgresql://impact_app@127.0.0.1:5432/impact';
/** The role that owns the schema and runs the migrations, when DATABASE_OWNER_URL does not name one. */
export const DEFAULT_OWNER_ROLE = 'impact_owner';
/** The role that creates the roles and the database, when DATABASE_ADMIN_URL does not name one: the local superuser. */
export const DEFAULT_ADMIN_ROLE = 'postgres';

const postgresUrl = z
  .string()
  .regex(/^postgres(ql)?:\/\//, 'must be a postgresql:// URL')
  .refine((s) => URL.canParse(s), 'must be a postgresql:// URL');

/**
 * The worker's recovery settings (apps/worker, libs/queue/job-locks.ts). A shape of its own: the
 * BullMQ worker options are fixed when the processor classes are defined, so they are read from
 * the environment then, with the same rules as the rest of the configuration.
 */
export const WORKER_RECOVERY_SHAPE = {
  /** how often a worker re-queues what PostgreSQL says is unfinished (0: only at start, on resume and after Redis lost its data) */
  RECONCILE_INTERVAL_MS: z.coerce.number().int().min(0).max(86_400_000).default(30_000),
  /** how often one worker of the fleet looks for notices due a reminder (0: never, as on a worker that must not send them) */
  REMINDER_INTERVAL_MS: z.coerce.number().int().min(0).max(86_400_000).default(60_000),
  /** how long a notice or email job's lock lasts without renewal: a crashed worker's job is free again after at most this */
  JOB_LOCK_MS: z.coerce.number().int().min(1000).max(600_000).default(10_000),
  /** the same for an analysis job, whose steps run longer between two chances to renew the lock */
  ANALYSIS_LOCK_MS: z.coerce.number().int().min(1000).max(3_600_000).default(60_000),
  /** how often workers look for jobs whose lock expired and put them back */
  JOB_STALLED_INTERVAL_MS: z.coerce.number().int().min(500).max(600_000).default(5000),
  /** how often one job may be put back that way before it is parked as failed (reconciliation brings it back) */
  JOB_MAX_STALLED: z.coerce.number().int().min(1).max(1000).default(10),
};

export const configSchema = z
  .object({
    /** the application role (not the owner of the schema, never a superuser): docs/design.md "Database roles" */
    DATABASE_URL: postgresUrl.default(DEFAULT_DATABASE_URL),
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
    /**
     * what each operator may do, `name:role+role` entries separated by commas (roles: viewer,
     * reviewer, approver, sender, admin); names as in OPERATOR_TOKENS and the CLI's OPERATOR_NAME.
     * Unset: every operator has every role. Set: an operator it does not list is a viewer.
     */
    OPERATOR_ROLES: z
      .string()
      .transform((s, ctx) => {
        try {
          return parseOperatorRoles(s);
        } catch (e) {
          ctx.addIssue({ code: 'custom', message: (e as Error).message });
          return z.NEVER;
        }
      })
      .optional(),
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
    /** the approver must differ from the campaign's creator (API and CLI alike) unless this is true: demos only */
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

    ...WORKER_RECOVERY_SHAPE,

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
    /**
     * application permissions (Graph's `roles` of an app-only token, such as ServiceMessage.Read.All)
     * that let an application read its own tenant's notices, exposure views and attachments; none: app-only tokens are refused
     */
    TENANT_APP_PERMISSIONS: z
      .string()
      .transform((s) =>
        s
          .split(',')
          .map((x) => x.trim())
          .filter(Boolean),
      )
      .pipe(z.array(z.string().regex(/^[A-Za-z][A-Za-z0-9_.-]{0,63}$/, 'must be permission names, comma-separated')))
      .default([]),
    /** inbox requests a minute per verified user, and per client address (counted in Redis, across every API process) */
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

    // ── webhooks to the tenants' own tools (libs/webhooks) ──
    /**
     * host names webhooks may reach although they resolve to a private or loopback address, and
     * over plain http (a receiver on this machine in tests, a partner's private link); exact names
     */
    WEBHOOK_ALLOWED_HOSTS: list.default([]),
    /** endpoints a tenant may register at most */
    WEBHOOK_MAX_ENDPOINTS: z.coerce.number().int().min(1).max(100).default(5),
    /** an endpoint whose deliveries have failed without a success for this long is disabled and its tenant's admins emailed */
    WEBHOOK_DISABLE_AFTER_MS: z.coerce.number().int().min(0).default(86_400_000),
    /** how long connecting to an endpoint (TLS included) may take, and the whole request */
    WEBHOOK_CONNECT_TIMEOUT_MS: z.coerce.number().int().min(50).max(60_000).default(5000),
    WEBHOOK_TIMEOUT_MS: z.coerce.number().int().min(100).max(120_000).default(15_000),
    /** attempts per delivery, the first retry after this many ms, doubling each time */
    WEBHOOK_MAX_ATTEMPTS: z.coerce.number().int().min(1).max(50).default(12),
    WEBHOOK_RETRY_BASE_MS: z.coerce.number().int().min(50).max(3_600_000).default(10_000),
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

/** The same server and database as `url`, as another role (no password unless given). */
function asRole(url: string, user: string, database?: string): string {
  const u = new URL(url);
  u.username = encodeURIComponent(user);
  u.password = '';
  if (database !== undefined) u.pathname = `/${encodeURIComponent(database)}`;
  return u.toString();
}

/** The database a postgresql:// URL names (its path), decoded. */
export function databaseOf(url: string): string {
  return decodeURIComponent(new URL(url).pathname.slice(1));
}

/** The role a postgresql:// URL logs in as, decoded. */
export function roleOf(url: string): string {
  return decodeURIComponent(new URL(url).username);
}

const databaseSetupSchema = z
  .object({
    DATABASE_URL: postgresUrl.default(DEFAULT_DATABASE_URL),
    /** the owner of the schema, who runs the migrations; by default DATABASE_URL's server and database as impact_owner */
    DATABASE_OWNER_URL: postgresUrl.optional(),
    /** a role that may create roles and databases; by default DATABASE_URL's server as postgres, database postgres */
    DATABASE_ADMIN_URL: postgresUrl.optional(),
  })
  .transform((c) => ({
    appUrl: c.DATABASE_URL,
    ownerUrl: c.DATABASE_OWNER_URL ?? asRole(c.DATABASE_URL, DEFAULT_OWNER_ROLE),
    adminUrl: c.DATABASE_ADMIN_URL ?? asRole(c.DATABASE_URL, DEFAULT_ADMIN_ROLE, 'postgres'),
  }))
  .superRefine((c, ctx) => {
    const problem = (path: string, message: string) => ctx.addIssue({ code: 'custom', path: [path], message });
    for (const [name, url] of [
      ['DATABASE_URL', c.appUrl],
      ['DATABASE_OWNER_URL', c.ownerUrl],
      ['DATABASE_ADMIN_URL', c.adminUrl],
    ] as const) {
      if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(roleOf(url)))
        return problem(name, 'must name a role of letters, digits and _ (user@host)');
      if (!/^[A-Za-z0-9_]+$/.test(databaseOf(url)))
        return problem(name, 'must name a database of letters, digits and _');
    }
    if (databaseOf(c.ownerUrl) !== databaseOf(c.appUrl))
      return problem('DATABASE_OWNER_URL', `must name the database of DATABASE_URL (${databaseOf(c.appUrl)})`);
    if (roleOf(c.ownerUrl) === roleOf(c.appUrl))
      return problem('DATABASE_URL', 'must name the application role, not the owner of the schema');
    if (roleOf(c.adminUrl) === roleOf(c.appUrl))
      return problem('DATABASE_URL', 'must name the application role, not the role of DATABASE_ADMIN_URL');
  });

/** The three connections of `npm run db:setup`: the application's, the owner's and the administrator's. */
export type DatabaseSetupUrls = z.infer<typeof databaseSetupSchema>;

/**
 * What db:setup reads (and only db:setup: the API, worker and CLI never see the owner's or the
 * administrator's credentials). The error names the first bad variable in one line.
 */
export function loadDatabaseSetupConfig(env: NodeJS.ProcessEnv = process.env): DatabaseSetupUrls {
  const clean = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
  const parsed = databaseSetupSchema.safeParse(clean);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new ConfigError(`configuration: ${String(issue.path[0] ?? 'environment')} ${issue.message}`);
  }
  return parsed.data;
}
