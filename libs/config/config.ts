import { z } from 'zod';
import { parseAcsConnectionString } from '../mail/acs-connection-string.js';

/**
 * Every setting the three processes read, validated once at start-up. Defaults work on a
 * machine where PostgreSQL and Redis listen on their standard local ports.
 */
const list = z
  .string()
  .transform((s) => s.split(',').map((x) => x.trim().toLowerCase()).filter(Boolean));

const bool = z
  .enum(['true', 'false', '1', '0', 'yes', 'no'])
  .transform((v) => v === 'true' || v === '1' || v === 'yes');

export const configSchema = z.object({
  DATABASE_URL: z
    .string()
    .regex(/^postgres(ql)?:\/\//, 'must be a postgresql:// URL')
    .default('postgresql://postgres@127.0.0.1:5432/impact'),
  DATABASE_POOL_SIZE: z.coerce.number().int().min(1).max(200).default(10),
  REDIS_URL: z.string().regex(/^rediss?:\/\//, 'must be a redis:// URL').default('redis://127.0.0.1:6379'),
  /** key prefix for every BullMQ queue, so several deployments (or test runs) share one Redis */
  QUEUE_PREFIX: z.string().regex(/^[A-Za-z0-9_:-]+$/, 'letters, digits, _ : - only').default('impact'),
  /** the operator's own mail domains: they identify no tenant */
  OPERATOR_DOMAINS: list.default([]),
  HOST: z.string().default('127.0.0.1'),
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  /** operator API credentials, `name:token` pairs separated by commas; none means the operator API refuses everyone */
  OPERATOR_TOKENS: z
    .string()
    .default('')
    .transform((s, ctx) => {
      const out: { name: string; token: string }[] = [];
      for (const pair of s.split(',').map((x) => x.trim()).filter(Boolean)) {
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
  INGEST_MAX_UPLOAD_BYTES: z.coerce.number().int().min(1024).default(2 * 1024 ** 3),
  INGEST_BATCH_SIZE: z.coerce.number().int().min(1).max(50_000).default(2000),
  /** through the API, the approver must differ from the campaign's creator unless this is true */
  ALLOW_SELF_APPROVAL: bool.default(false),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  LOG_PRETTY: bool.default(false),
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
}).superRefine((c, ctx) => {
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
