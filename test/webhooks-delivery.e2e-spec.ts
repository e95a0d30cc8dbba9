/**
 * Webhooks delivered by the real processors (in this process) from a real campaign launch, to a
 * receiver on 127.0.0.1 that verifies every signature: exactly one `notice.posted` per endpoint per
 * notice, to subscribers only; a receiver that fails and recovers gets it once; one that never
 * recovers is disabled and its tenant's privileged admins are emailed once; an endpoint whose name
 * resolves to loopback is never reached.
 */
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import type { INestApplicationContext } from '@nestjs/common';
import { serviceContext } from './support/app.js';
import { isolate } from './support/isolation.js';
import { WebhookReceiver } from './support/webhook-receiver.js';
import { QueueModule } from '../libs/queue/queue.module.js';
import { AuditModule } from '../libs/audit/audit.module.js';
import { ProcessorsModule } from '../libs/jobs/processors.module.js';
import { CampaignLauncher } from '../libs/campaigns/campaign-launcher.js';
import { CampaignStatusView } from '../libs/campaigns/campaign-status.js';
import { WebhookRegistrationService } from '../libs/webhooks/webhook-registration.service.js';
import { WebhookService } from '../libs/webhooks/webhook.service.js';
import type { TenantPrincipal } from '../libs/auth/tenant-principal.js';
import { seedCampaign, until, type SeededCampaign } from './faults/harness.js';

const DISABLE_AFTER_MS = 3000;

describe('webhooks from a campaign launch (PostgreSQL, Redis, a signature-verifying receiver)', () => {
  const saved = { ...process.env };
  const outbox = mkdtempSync(join(tmpdir(), 'webhooks-outbox-'));
  let app: INestApplicationContext;
  let pool: pg.Pool;
  let receiver: WebhookReceiver;
  let seeded: SeededCampaign;
  /** endpoint id → its receiver path */
  const pathOf = new Map<string, string>();
  const admin = (tenantId: string): TenantPrincipal => ({
    tenantId,
    userId: `admin-${tenantId}`,
    email: `admin@${tenantId}.example`,
    roles: ['GlobalAdmin'],
    issuer: 'test',
  });

  beforeAll(async () => {
    const { databaseUrl } = await isolate();
    receiver = await new WebhookReceiver().start();
    Object.assign(process.env, {
      MAIL_TRANSPORT: 'outbox',
      OUTBOX_DIR: outbox,
      MAIL_RATE_PER_MINUTE: '100000',
      PUBLIC_BASE_URL: 'https://notify.example.com',
      WEBHOOK_ALLOWED_HOSTS: '127.0.0.1',
      WEBHOOK_RETRY_BASE_MS: '100',
      WEBHOOK_MAX_ATTEMPTS: '30',
      WEBHOOK_DISABLE_AFTER_MS: String(DISABLE_AFTER_MS),
      WEBHOOK_TIMEOUT_MS: '5000',
    });
    pool = new pg.Pool({ connectionString: databaseUrl, max: 3 });
    seeded = await seedCampaign(pool, { tenants: 16, seed: 5, affectedShare: 0.7 });
    app = await serviceContext(QueueModule, AuditModule, ProcessorsModule);
  }, 120_000);

  afterAll(async () => {
    await app?.close();
    await pool?.end();
    await receiver?.stop();
    process.env = saved;
    rmSync(outbox, { recursive: true, force: true });
  });

  it('posts exactly one signed notice.posted per subscribing endpoint per notice, once a receiver recovers; disables one that never does', async () => {
    const reg = app.get(WebhookRegistrationService);
    const [t0, t1, t2, t3] = seeded.affectedTenants;
    const unaffected = seeded.otherTenants[0]!;
    const register = async (tenantId: string, path: string, events: string[], host = '127.0.0.1') => {
      const e = await reg.create(admin(tenantId), { url: receiver.url(path, host), events });
      receiver.on(path, { secret: e.secret });
      pathOf.set(e.id, path);
      return e;
    };
    await register(t0!, '/t0-a', ['notice.posted']);
    await register(t0!, '/t0-b', ['notice.posted', 'reminder']);
    await register(t0!, '/t0-reminders', ['reminder']); // subscribes to nothing emitted
    await register(t1!, '/t1-flaky', ['notice.posted']);
    receiver.on('/t1-flaky', { failFirst: 3 });
    const broken = await register(t2!, '/t2-down', ['notice.posted']);
    receiver.on('/t2-down', { alwaysFail: true });
    // a name that resolves to 127.0.0.1 but is not allow-listed: refused after resolution, never reached
    const rebinding = await reg.create(admin(t3!), {
      url: `https://localhost:${receiver.port}/t3`,
      events: ['notice.posted'],
    });
    await register(unaffected, '/unaffected', ['notice.posted']);

    const launcher = app.get(CampaignLauncher);
    const statusView = app.get(CampaignStatusView);
    await launcher.launch(seeded.campaignId, 'operator');
    await until(
      'campaign completed',
      async () => (await statusView.status(seeded.campaignId)).status === 'completed',
      120_000,
    );
    const notices = new Map(
      (
        await pool.query<{ id: string; tenant_id: string }>(
          'SELECT id, tenant_id::text FROM notices WHERE campaign_id = $1',
          [seeded.campaignId],
        )
      ).rows.map((r) => [r.tenant_id, r.id]),
    );
    const expected = ['/t0-a', '/t0-b', '/t1-flaky'];
    await until(
      'the receivers that work got theirs',
      () => expected.every((p) => receiver.accepted(p).length >= 1),
      60_000,
    );
    await until(
      'the broken endpoint disabled',
      async () =>
        (await pool.query('SELECT 1 FROM webhook_endpoints WHERE id = $1 AND NOT enabled', [broken.id])).rowCount === 1,
      60_000,
    );
    await until(
      'the rebinding endpoint given up on',
      async () =>
        (
          await pool.query(
            `SELECT 1 FROM webhook_deliveries WHERE endpoint_id = $1 AND last_error LIKE 'refused: localhost resolves to%loopback%'`,
            [rebinding.id],
          )
        ).rowCount === 1,
      60_000,
    );

    // exactly one event per (endpoint, notice), verified, with the notice's pointer and nothing more
    for (const [path, tenant] of [
      ['/t0-a', t0],
      ['/t0-b', t0],
      ['/t1-flaky', t1],
    ] as const) {
      const got = receiver.accepted(path);
      expect(got).toHaveLength(1);
      expect(got[0]!.verified).toBe(true);
      const body = JSON.parse(got[0]!.body);
      expect(body).toEqual({
        type: 'notice.posted',
        timestamp: expect.any(String),
        data: {
          eventId: got[0]!.headers['webhook-id'],
          tenantId: tenant,
          noticeId: notices.get(tenant!),
          title: expect.any(String),
          link: `https://notify.example.com/inbox#${notices.get(tenant!)}`,
          apiLink: `https://notify.example.com/v1/admin/serviceAnnouncement/messages/${notices.get(tenant!)}`,
          postedAt: expect.any(String),
          lastModifiedAt: expect.any(String),
        },
      });
    }
    const shown = receiver.accepted('/t0-a')[0]!;
    process.stderr.write(
      `webhook as received: ${JSON.stringify({ headers: shown.headers, body: shown.body }, null, 1)}\n`,
    );
    // the same event id for the same notice at two endpoints of one tenant (one event, two deliveries)
    expect(receiver.accepted('/t0-a')[0]!.headers['webhook-id']).toBe(
      receiver.accepted('/t0-b')[0]!.headers['webhook-id'],
    );
    // the flaky receiver saw the same id (and body) on every attempt, each attempt signed anew
    const flaky = receiver.requests.filter((r) => r.path === '/t1-flaky');
    expect(flaky.map((r) => r.status)).toEqual([500, 500, 500, 200]);
    expect(new Set(flaky.map((r) => r.headers['webhook-id'])).size).toBe(1);
    expect(new Set(flaky.map((r) => r.body)).size).toBe(1);
    expect(flaky.every((r) => r.verified)).toBe(true);
    // nothing for an unaffected tenant, a reminder-only endpoint, or the loopback name
    expect(receiver.requests.filter((r) => ['/unaffected', '/t0-reminders', '/t3'].includes(r.path))).toEqual([]);

    const rows = (
      await pool.query<{ endpoint_id: string; state: string; attempts: number; last_error: string | null }>(
        'SELECT endpoint_id::text, state, attempts, last_error FROM webhook_deliveries ORDER BY id',
      )
    ).rows;
    const byPath = (p: string) => rows.filter((r) => pathOf.get(r.endpoint_id) === p);
    expect(byPath('/t0-a')).toEqual([expect.objectContaining({ state: 'succeeded', attempts: 1 })]);
    expect(byPath('/t1-flaky')).toEqual([expect.objectContaining({ state: 'succeeded', attempts: 4 })]);
    expect(byPath('/t2-down')).toEqual([
      expect.objectContaining({ state: 'failed', last_error: 'HTTP 500: receiver is down' }),
    ]);
    expect(rows).toHaveLength(5); // t0-a, t0-b, t1-flaky, t2-down, t3 (localhost)
    // the flaky endpoint's failures ended with its success
    const flakyEndpoint = [...pathOf].find(([, p]) => p === '/t1-flaky')![0];
    expect(
      (await pool.query('SELECT failing_since, enabled FROM webhook_endpoints WHERE id = $1', [flakyEndpoint])).rows[0],
    ).toEqual({ failing_since: null, enabled: true });

    // the broken endpoint's tenant's privileged admins, each emailed once, naming the endpoint
    const admins = (
      await pool.query<{ email: string; tenant_id: string }>(
        `SELECT email, tenant_id::text FROM tenant_contacts WHERE tenant_id = ANY($1::uuid[]) AND roles && ARRAY['GlobalAdmin','PrivacyReader']`,
        [[t2, t3]],
      )
    ).rows;
    const disableEmails = () =>
      readdirSync(outbox)
        .filter((f) => f.endsWith('.eml'))
        .map((f) => readFileSync(join(outbox, f), 'utf8'))
        .filter((t) => t.includes('webhook endpoint'));
    // the worker's pass writes them one by one: wait for all of them before counting
    await until('disable emails', () => disableEmails().length >= admins.length, 30_000);
    await app.get(WebhookService).notifyDisabled(); // a second pass sends nothing more
    const emails = disableEmails();
    const recipients = emails.map((t) => /^To: .*?<?([^<>\s]+@[^<>\s]+)>?$/m.exec(t)![1]!.toLowerCase()).sort();
    expect(recipients).toEqual(admins.map((a) => a.email.toLowerCase()).sort());
    expect(emails.filter((t) => t.includes(`/t2-down`))).toHaveLength(admins.filter((a) => a.tenant_id === t2).length);
    const marked = await pool.query(
      'SELECT 1 FROM webhook_endpoints WHERE NOT enabled AND disable_notified_at IS NOT NULL',
    );
    expect(marked.rowCount).toBe(2);

    // the tenant turns it back on
    await reg.enable(admin(t2!), broken.id);
    expect((await reg.get(admin(t2!), broken.id)).enabled).toBe(true);
  }, 180_000);
});
