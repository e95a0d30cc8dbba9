/**
 * Incident updates and withdrawals, end to end (docs/contracts.md §5): two campaigns of one
 * incident are sent, an update is posted through the API (a new revision of every notice, exactly
 * once, unread again, no email without `notify`), a second one with `notify` (one email per address
 * and revision, counted apart from the campaign's own emails), and a notice sent in error is
 * withdrawn by two operators (the same one and the wrong roles refused, the exposure endpoint 404 at
 * once, the earlier revisions readable by the tenant and by no other tenant).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { INestApplicationContext } from '@nestjs/common';
import type { NestExpressApplication } from '@nestjs/platform-express';
import request from 'supertest';
import { createApiApp } from '../apps/api/src/create-app.js';
import { AuditModule } from '../libs/audit/audit.module.js';
import { DevIssuer } from '../libs/auth/dev-issuer.js';
import { CampaignLauncher } from '../libs/campaigns/campaign-launcher.js';
import { CampaignStatusView } from '../libs/campaigns/campaign-status.js';
import { UpdateJob } from '../libs/campaigns/update-job.js';
import { PrismaService } from '../libs/db/prisma.service.js';
import { ProcessorsModule } from '../libs/jobs/processors.module.js';
import { deterministicOperationId } from '../libs/mail/mail-transport.js';
import { QueueModule } from '../libs/queue/queue.module.js';
import { AcsEmulator } from './support/acs-emulator.js';
import { WebhookReceiver } from './support/webhook-receiver.js';
import { WebhookRegistrationService } from '../libs/webhooks/webhook-registration.service.js';
import { RevisionReconciler } from '../libs/campaigns/revision-reconciler.js';
import { NoticeRevisions } from '../libs/campaigns/notice-revisions.service.js';
import { IncidentsService } from '../libs/incidents/incidents.service.js';
import { serviceContext } from './support/app.js';
import { seedCampaign, until, type SeededCampaign } from './faults/harness.js';
import { runCli } from './support/cli.js';
import { isolate } from './support/isolation.js';

/** The operator CLI (compiled: run `npx tsc -p tsconfig.json` first) as operator `name`. */
function cli(name: string, args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return runCli(args, { OPERATOR_NAME: name });
}

const TOKENS = {
  alice: 'alice-token-0123456789',
  arne: 'arne-token-0123456789',
  sam: 'sam-token-01234567890',
  vera: 'vera-token-0123456789',
};

describe('incident updates and withdrawals (API, worker, inbox)', () => {
  const saved = { ...process.env };
  const dir = mkdtempSync(join(tmpdir(), 'updates-'));
  let api: NestExpressApplication;
  let worker: INestApplicationContext;
  let acs: AcsEmulator;
  let prisma: PrismaService;
  let A: SeededCampaign;
  let B: SeededCampaign;
  let incidentId: string;
  let receiver: WebhookReceiver;
  const as = (who: keyof typeof TOKENS) => ({ Authorization: `Bearer ${TOKENS[who]}` });
  const http = () => api.getHttpServer();

  const q = async <T extends object>(text: string, values: unknown[] = []) =>
    (await prisma.pool.query<T>(text, values)).rows;
  const notices = () =>
    q<{ id: string; tenant_id: string; revision: number; tags: string[]; body_html: string; locale: string }>(
      `SELECT id, tenant_id::text, revision, tags, body_html, locale FROM notices WHERE campaign_id = ANY($1::uuid[]) ORDER BY id`,
      [[A.campaignId, B.campaignId]],
    );
  /** the addresses the notice emails of a notice went to */
  const toldOf = async (noticeId: string) =>
    (
      await q<{ address: string }>(`SELECT address FROM deliveries WHERE notice_id = $1 AND kind = 'notice'`, [
        noticeId,
      ])
    ).map((r) => r.address);
  const waitForUpdate = (updateId: string) =>
    until(
      'the update on every notice, its emails finished',
      async () => {
        const r = await request(http()).get(`/v1/incidents/${incidentId}/updates/${updateId}`).set(as('vera'));
        return r.status === 200 && r.body.pending === 0 && r.body.emailsPending === 0 ? r.body : undefined;
      },
      60_000,
      100,
    );
  const tenantToken = async (tenantId: string) => {
    const [c] = await q<{ email: string }>(
      `SELECT email FROM tenant_contacts WHERE tenant_id = $1 AND 'GlobalAdmin' = ANY(roles) ORDER BY id LIMIT 1`,
      [tenantId],
    );
    return (await api.get(DevIssuer).issue(tenantId, c!.email)).token;
  };

  beforeAll(async () => {
    await isolate();
    acs = await AcsEmulator.start({ runningPolls: 1 });
    receiver = await new WebhookReceiver().start();
    Object.assign(process.env, {
      WEBHOOK_ALLOWED_HOSTS: '127.0.0.1',
      WEBHOOK_RETRY_BASE_MS: '100',
      OPERATOR_TOKENS: Object.entries(TOKENS)
        .map(([n, t]) => `${n}:${t}`)
        .join(','),
      OPERATOR_ROLES: 'alice:sender+approver,arne:approver,sam:sender,vera:viewer,carla:sender+approver',
      MAIL_TRANSPORT: 'acs',
      ACS_CONNECTION_STRING: acs.connectionString,
      ACS_POLL_INTERVAL_MS: '20',
      MAIL_RATE_PER_MINUTE: '100000',
      DEV_ISSUER_ENABLED: 'true',
      DEV_ISSUER_KEY_DIR: dir,
      ALLOW_SELF_APPROVAL: 'false',
    });
    for (const k of ['TENANT_JWKS_URL', 'TENANT_JWT_PUBLIC_KEY', 'TENANT_JWT_ISSUER', 'TENANT_JWT_AUDIENCE'])
      delete process.env[k];
    api = await createApiApp();
    await api.init();
    worker = await serviceContext(QueueModule, AuditModule, ProcessorsModule);
    prisma = api.get(PrismaService);
    A = await seedCampaign(prisma.pool, { tenants: 14, seed: 3, title: 'Updates A' });
    B = await seedCampaign(prisma.pool, { tenants: 10, seed: 4, title: 'Updates B' });
    // both campaigns tell of one incident: A's own
    [{ incident_id: incidentId }] = (await q<{ incident_id: string }>(
      `SELECT incident_id FROM campaigns WHERE id = $1`,
      [A.campaignId],
    )) as [{ incident_id: string }];
    await prisma.pool.query(`UPDATE campaigns SET incident_id = $1 WHERE id = $2`, [incidentId, B.campaignId]);
    const launcher = worker.get(CampaignLauncher);
    const status = worker.get(CampaignStatusView);
    for (const c of [A, B]) {
      await launcher.launch(c.campaignId, 'updates-operator');
      await until(
        `campaign ${c.campaignId} completed`,
        async () => (await status.status(c.campaignId)).status === 'completed',
        60_000,
        100,
      );
    }
    // the last notice's tenant subscribes after the notices were posted: it gets the later revisions' events
    const last = (await notices()).slice(-1)[0]!;
    const endpoint = await worker.get(WebhookRegistrationService).create(
      {
        tenantId: last.tenant_id,
        userId: 'hooks-admin',
        email: 'hooks@example.com',
        roles: ['GlobalAdmin'],
        issuer: 'test',
      },
      { url: receiver.url('/revisions'), events: ['notice.updated', 'notice.withdrawn'] },
    );
    receiver.on('/revisions', { secret: endpoint.secret });
  }, 180_000);

  afterAll(async () => {
    await worker?.close();
    await api?.close();
    await acs?.close();
    await receiver?.stop();
    process.env = saved;
    rmSync(dir, { recursive: true, force: true });
  });

  it('posts an update to every notice of the incident exactly once, unread again, and emails nobody without notify', async () => {
    const before = await notices();
    expect(before.length).toBe(A.affectedTenants.length + B.affectedTenants.length);
    const emailsBefore = acs.messages().length;
    // a reader who had read one notice sees it unread after the update
    const read = before[0]!;
    await prisma.pool.query(
      `INSERT INTO notice_view_points (notice_id, tenant_id, user_id, is_read) VALUES ($1, $2, 'reader-1', true)`,
      [read.id, read.tenant_id],
    );

    await request(http())
      .post(`/v1/incidents/${incidentId}/updates`)
      .set(as('vera'))
      .send({ texts: { 'en-US': 'x' } })
      .expect(403);
    const missingEn = await request(http())
      .post(`/v1/incidents/${incidentId}/updates`)
      .set(as('sam'))
      .send({ texts: { 'de-DE': 'nur Deutsch' } })
      .expect(400);
    expect(missingEn.body.error.message).toContain('en-US');
    await request(http())
      .post(`/v1/incidents/${incidentId}/updates`)
      .set(as('sam'))
      .send({ texts: { 'en-US': 'x', 'sv-SE': 'y' } })
      .expect(400);
    await request(http())
      .post(`/v1/incidents/00000000-0000-4000-8000-000000000000/updates`)
      .set(as('sam'))
      .send({ texts: { 'en-US': 'x' } })
      .expect(404);

    const posted = await request(http())
      .post(`/v1/incidents/${incidentId}/updates`)
      .set(as('sam'))
      .send({
        texts: {
          'en-US': 'We found **12 more** records. <script>alert(1)</script>',
          'de-DE': 'Wir fanden **12 weitere** Datensätze.',
        },
      })
      .expect(202);
    expect(posted.body).toMatchObject({ incidentId, notify: false, locales: ['de-DE', 'en-US'], createdBy: 'sam' });
    expect(new Set(posted.body.campaigns)).toEqual(new Set([A.campaignId, B.campaignId]));
    const progress = await waitForUpdate(posted.body.updateId);
    expect(progress.revised).toBe(before.length);

    const after = await notices();
    for (const n of after) {
      expect(n.revision).toBe(1);
      expect(n.tags.filter((t) => t === 'Updated message')).toHaveLength(1);
      expect(n.body_html.startsWith('<section class="notice-update"')).toBe(true);
      expect(n.body_html).toContain(n.locale === 'de-DE' ? '12 weitere' : '12 more');
      expect(n.body_html).not.toContain('<script>');
    }
    const revisions = await q<{ notice_id: string; n: number }>(
      `SELECT notice_id, count(*)::int AS n FROM notice_revisions WHERE update_id = $1 GROUP BY notice_id`,
      [posted.body.updateId],
    );
    expect(revisions.length).toBe(before.length);
    expect(revisions.every((r) => r.n === 1)).toBe(true);
    const [vp] = await q<{ is_read: boolean }>(`SELECT is_read FROM notice_view_points WHERE notice_id = $1`, [
      read.id,
    ]);
    expect(vp!.is_read).toBe(false);
    // no notify: no email, no delivery
    expect(acs.messages().length).toBe(emailsBefore);
    expect(await q(`SELECT 1 FROM deliveries WHERE kind = 'update'`)).toEqual([]);

    // the same job again (a retry, a second worker): nothing changes
    await expect(worker.get(UpdateJob).postUpdate(posted.body.updateId, A.campaignId)).resolves.toEqual({
      kind: 'done',
    });
    expect((await notices()).map((n) => n.revision)).toEqual(after.map((n) => n.revision));
  }, 90_000);

  it('with notify sends one update email per address and revision, counted apart from the campaign’s emails', async () => {
    const statusBefore = await request(http()).get(`/v1/campaigns/${A.campaignId}/status`).set(as('vera')).expect(200);
    const noticeEmails = acs.messages().length;
    const posted = await request(http())
      .post(`/v1/incidents/${incidentId}/updates`)
      .set(as('alice'))
      .send({ texts: { 'en-US': 'The endpoint is **closed** for good.' }, notify: true })
      .expect(202);
    await waitForUpdate(posted.body.updateId);
    const updateEmails = acs.messages().slice(noticeEmails);
    const expected: string[] = [];
    for (const n of await notices()) {
      expect(n.revision).toBe(2);
      for (const address of await toldOf(n.id))
        expected.push(deterministicOperationId('notice-update', n.id, '2', address));
    }
    expect(updateEmails.length).toBe(expected.length);
    expect(new Set(updateEmails.map((m) => m.operationId.toLowerCase()))).toEqual(
      new Set(expected.map((x) => x.toLowerCase())),
    );
    expect(new Set(updateEmails.map((m) => m.recipients[0])).size).toBe(updateEmails.length);
    for (const m of updateEmails) {
      expect(m.text).toMatch(/closed|geschlossen|closed for good/);
      expect(m.text).toContain('/inbox');
    }
    expect(updateEmails.some((m) => m.subject.startsWith('Aktualisierung'))).toBe(true);

    const statusAfter = await request(http()).get(`/v1/campaigns/${A.campaignId}/status`).set(as('vera')).expect(200);
    expect(statusAfter.body.status).toBe('completed');
    expect(statusAfter.body.counts.emails).toEqual(statusBefore.body.counts.emails);
    expect(statusAfter.body.counts.updateEmails.sent).toBe(
      (await q(`SELECT 1 FROM deliveries WHERE campaign_id = $1 AND kind = 'update'`, [A.campaignId])).length,
    );
    expect(statusAfter.body.progress).toEqual(statusBefore.body.progress);

    // the same job again sends nothing more
    await worker.get(UpdateJob).postUpdate(posted.body.updateId, B.campaignId);
    await new Promise((r) => setTimeout(r, 500));
    expect(acs.messages().length).toBe(noticeEmails + expected.length);
  }, 90_000);

  it('lists a notice’s earlier revisions to its tenant, in the reader’s language, and to nobody else', async () => {
    const [n] = await notices();
    const token = await tenantToken(n!.tenant_id);
    const path = `/v1/admin/serviceAnnouncement/messages/${n!.id}`;
    const msg = await request(http())
      .get(path)
      .set({ Authorization: `Bearer ${token}` })
      .expect(200);
    expect(msg.body.tags).toEqual(expect.arrayContaining(['Updated message']));
    expect(Date.parse(msg.body.lastModifiedDateTime)).toBeGreaterThan(Date.parse(msg.body.startDateTime));
    const revs = await request(http())
      .get(`${path}/revisions`)
      .set({ Authorization: `Bearer ${token}` })
      .expect(200);
    expect(revs.body.value.map((r: { revision: number }) => r.revision)).toEqual([1, 0]);
    expect(revs.body.value.map((r: { cause: string }) => r.cause)).toEqual(['update', 'posted']);
    expect(revs.body.value[1].body.content).not.toContain('notice-update');
    expect(revs.body.value[0].body.content).toContain('notice-update');

    const other = (await notices()).find((x) => x.tenant_id !== n!.tenant_id)!;
    const otherToken = await tenantToken(other.tenant_id);
    const refused = await request(http())
      .get(`${path}/revisions`)
      .set({ Authorization: `Bearer ${otherToken}` });
    expect(refused.status).toBe(404);
    expect(JSON.stringify(refused.body)).not.toContain(n!.id.slice(2, 6) + 'x');
  });

  it('withdraws a notice with two operators: the same operator and the wrong roles refused, the exposure gone at once', async () => {
    const [n] = (await notices()).slice(-1);
    const token = { Authorization: `Bearer ${await tenantToken(n!.tenant_id)}` };
    const path = `/v1/admin/serviceAnnouncement/messages/${n!.id}`;
    await request(http()).get(`${path}/exposure`).set(token).expect(200);
    const reason = { reason: 'the tenant’s domain was matched by a typo in the directory' };

    await request(http()).post(`/v1/notices/${n!.id}/withdrawal`).set(as('vera')).send(reason).expect(403);
    await request(http()).post(`/v1/notices/${n!.id}/withdrawal`).set(as('sam')).send({ reason: ' ' }).expect(400);
    await request(http()).post(`/v1/notices/MC1' OR 1=1/withdrawal`).set(as('sam')).send(reason).expect(400);
    await request(http()).post(`/v1/notices/MC999999999/withdrawal`).set(as('sam')).send(reason).expect(404);
    await request(http()).post(`/v1/notices/${n!.id}/withdrawal/approve`).set(as('arne')).expect(409); // nothing asked yet
    const asked = await request(http())
      .post(`/v1/notices/${n!.id}/withdrawal`)
      .set(as('alice'))
      .send(reason)
      .expect(201);
    expect(asked.body).toMatchObject({ noticeId: n!.id, status: 'requested', requestedBy: 'alice' });
    await request(http()).post(`/v1/notices/${n!.id}/withdrawal`).set(as('sam')).send(reason).expect(409);
    // the sender may not approve, the asker may not approve their own
    await request(http()).post(`/v1/notices/${n!.id}/withdrawal/approve`).set(as('sam')).expect(403);
    const self = await request(http()).post(`/v1/notices/${n!.id}/withdrawal/approve`).set(as('alice')).expect(409);
    expect(self.body.error.message).toContain('another operator');
    await request(http()).get(path).set(token).expect(200);
    await request(http()).get(`${path}/exposure`).set(token).expect(200);

    const emails = acs.messages().length;
    const approved = await request(http()).post(`/v1/notices/${n!.id}/withdrawal/approve`).set(as('arne')).expect(200);
    expect(approved.body).toMatchObject({ status: 'withdrawn', approvedBy: 'arne', revision: 3 });
    // at once: no waiting for a job
    await request(http()).get(`${path}/exposure`).set(token).expect(404);
    await request(http()).get(`${path}/attachments`).set(token).expect(404);
    const msg = await request(http()).get(path).set(token).expect(200);
    expect(msg.body.tags).toEqual(expect.arrayContaining(['Withdrawn', 'Updated message']));
    expect(msg.body.hasAttachments).toBe(false);
    // no fact about exposed data is left, and nothing to act on
    expect(msg.body.details.map((d: { name: string }) => d.name)).toEqual(['CampaignReference']);
    expect(msg.body.actionRequiredByDateTime).toBeNull();
    expect(msg.body.body.content).toMatch(/sent to your organization in error|irrtümlich/);
    const revs = await request(http()).get(`${path}/revisions`).set(token).expect(200);
    expect(revs.body.value.map((r: { revision: number }) => r.revision)).toEqual([2, 1, 0]);
    await request(http()).post(`/v1/notices/${n!.id}/withdrawal/approve`).set(as('arne')).expect(409);

    const told = await toldOf(n!.id);
    await until('the withdrawal emails', () => acs.messages().length >= emails + told.length, 30_000, 50);
    const sent = acs.messages().slice(emails);
    expect(sent.map((m) => m.recipients[0]).sort()).toEqual(told.map((a) => a.toLowerCase()).sort());
    expect(sent.every((m) => /error|irrtümlich/.test(m.subject))).toBe(true);
    const audit = await q<{ action: string; actor: string }>(
      `SELECT action, actor FROM audit_events WHERE subject = $1 AND action LIKE 'notice.%' ORDER BY id`,
      [n!.id],
    );
    expect(audit).toEqual([
      { action: 'notice.withdrawalRequest', actor: 'alice' },
      { action: 'notice.withdraw', actor: 'arne' },
    ]);

    // its tenant's endpoint got one signed event per revision: two updates, then the withdrawal
    await until('the revision events', () => receiver.accepted('/revisions').length >= 3, 30_000, 50);
    const events = receiver
      .accepted('/revisions')
      .map((r) => JSON.parse(r.body) as { type: string; data: { noticeId: string; revision: number } });
    expect(events.map((e) => [e.type, e.data.noticeId, e.data.revision])).toEqual([
      ['notice.updated', n!.id, 1],
      ['notice.updated', n!.id, 2],
      ['notice.withdrawn', n!.id, 3],
    ]);
    expect(receiver.accepted('/revisions').every((r) => r.verified)).toBe(true);
    expect(receiver.distinctAcceptedIds('/revisions')).toHaveLength(3);

    // a later update skips the withdrawn notice, and the database still refuses a notice for a tenant not affected
    const later = await request(http())
      .post(`/v1/incidents/${incidentId}/updates`)
      .set(as('sam'))
      .send({ texts: { 'en-US': 'A third word.' } })
      .expect(202);
    await waitForUpdate(later.body.updateId);
    const [w] = await q<{ revision: number }>(`SELECT revision FROM notices WHERE id = $1`, [n!.id]);
    expect(w!.revision).toBe(3);
    const [other] = (await notices()).filter((x) => x.id !== n!.id);
    expect(other!.revision).toBe(3);
    await expect(
      prisma.pool.query(
        `INSERT INTO notices (campaign_id, tenant_id, decision, title, category, severity, tags, is_major_change, services, details, body_html, locale)
         VALUES ($1, $2, 'not_affected', 't', 'stayInformed', 'high', '{}', false, '{}', '[]', 'b', 'en-US')`,
        [A.campaignId, A.otherTenants[0]],
      ),
    ).rejects.toThrow();
  }, 90_000);

  it('on the CLI: an update in two languages from files, and a withdrawal the same operator may not approve', async () => {
    const en = join(dir, 'update.en.md');
    const de = join(dir, 'update.de.md');
    writeFileSync(en, 'Posted from the **command line**.');
    writeFileSync(de, 'Von der **Kommandozeile**.');
    const refused = await cli('carla', [
      'incidents',
      'update',
      incidentId,
      '--file',
      en,
      '--file',
      de,
      '--locale',
      'de-DE',
    ]);
    expect(refused).toEqual({
      code: 1,
      stdout: '',
      stderr: 'error: --locale: give one --locale for each --file, in the same order (one file alone is en-US)\n',
    });
    const missing = await cli('carla', ['incidents', 'update', incidentId, '--file', de, '--locale', 'de-DE']);
    expect(missing.stderr).toBe('error: --locale: must include en-US\n');
    const posted = await cli('carla', [
      'incidents',
      'update',
      incidentId,
      '--file',
      en,
      '--locale',
      'en-US',
      '--file',
      de,
      '--locale',
      'de-de',
      '--wait',
      '--json',
    ]);
    expect(posted.code).toBe(0);
    const update = JSON.parse(posted.stdout) as {
      updateId: string;
      locales: string[];
      revised: number;
      createdBy: string;
    };
    expect(update).toMatchObject({ locales: ['de-DE', 'en-US'], createdBy: 'cli:carla' });
    // every notice but the withdrawn one
    expect(update.revised).toBe((await notices()).length - 1);
    const german = (await notices()).find((n) => n.locale === 'de-DE' && !n.tags.includes('Withdrawn'));
    if (german) expect(german.body_html).toContain('<strong>Kommandozeile</strong>');

    const target = (await notices()).find((n) => !n.tags.includes('Withdrawn'))!;
    const asked = await cli('carla', ['notices', 'withdraw', target.id, '--reason', 'sent in error', '--json']);
    expect(JSON.parse(asked.stdout)).toMatchObject({
      noticeId: target.id,
      status: 'requested',
      requestedBy: 'cli:carla',
    });
    expect(await cli('carla', ['notices', 'approve-withdrawal', target.id])).toEqual({
      code: 1,
      stdout: '',
      stderr: 'error: the approver must be another operator than the one who asked for the withdrawal (cli:carla)\n',
    });
    expect((await cli('sam', ['notices', 'approve-withdrawal', target.id])).stderr).toBe(
      'error: operator cli:sam lacks role approver\n',
    );
    expect((await cli('arne', ['notices', 'approve-withdrawal', "MC1' OR '1'='1"])).stderr).toBe(
      'error: noticeId: must be a message id such as MC1000042\n',
    );
    // another operator approves, through the API
    await request(http()).post(`/v1/notices/${target.id}/withdrawal/approve`).set(as('alice')).expect(200);
    const [row] = await q<{ revision: number; withdrawn_at: Date | null }>(
      `SELECT revision, withdrawn_at FROM notices WHERE id = $1`,
      [target.id],
    );
    expect(row!.withdrawn_at).not.toBeNull();
  }, 120_000);

  it('an update whose jobs Redis lost is posted by the start-up reconcile, once', async () => {
    // written as the API writes it, but never queued: as if Redis lost the jobs
    const update = await worker
      .get(IncidentsService)
      .createUpdate(incidentId, { texts: { 'en-US': 'Found again after a restart.' }, notify: true }, 'cli:carla');
    const before = await notices();
    const open = before.filter((n) => !n.tags.includes('Withdrawn'));
    const emails = acs.messages().length;
    expect(await worker.get(RevisionReconciler).reconcile()).toMatchObject({ updates: 2 });
    await waitForUpdate(update.id);
    const after = await notices();
    for (const n of open) expect(after.find((x) => x.id === n.id)!.revision).toBe(n.revision + 1);
    let told = 0;
    for (const n of open) told += (await toldOf(n.id)).length;
    await until('the update emails', () => acs.messages().length >= emails + told, 30_000, 50);
    // a second start finds nothing to do
    expect(await worker.get(RevisionReconciler).reconcile()).toEqual({ updates: 0, emails: 0 });
    await new Promise((r) => setTimeout(r, 300));
    expect(acs.messages().length).toBe(emails + told);
  }, 90_000);

  it('refuses an update while a campaign of the incident is still posting its notices', async () => {
    const C = await seedCampaign(prisma.pool, { tenants: 6, seed: 9, title: 'Updates C' });
    await prisma.pool.query(`UPDATE campaigns SET incident_id = $1, status = 'sending' WHERE id = $2`, [
      incidentId,
      C.campaignId,
    ]);
    const refused = await request(http())
      .post(`/v1/incidents/${incidentId}/updates`)
      .set(as('sam'))
      .send({ texts: { 'en-US': 'Too early.' } })
      .expect(409);
    expect(refused.body.error.message).toContain(`campaign ${C.campaignId} is still posting its notices (0 of`);
    expect(await q(`SELECT 1 FROM incident_updates WHERE texts ->> 'en-US' = 'Too early.'`)).toEqual([]);
    await prisma.pool.query(`UPDATE campaigns SET status = 'approved' WHERE id = $1`, [C.campaignId]);
  });

  it('with ALLOW_SELF_APPROVAL the asker may approve their own withdrawal, and the audit says so', async () => {
    const target = (await notices()).find((n) => !n.tags.includes('Withdrawn'))!;
    const revisions = worker.get(NoticeRevisions);
    await revisions.requestWithdrawal(target.id, { reason: 'demo' }, 'cli:dana');
    await expect(revisions.approveWithdrawal(target.id, 'dana', { requireSecondOperator: true })).rejects.toThrow(
      'the approver must be another operator than the one who asked for the withdrawal (cli:dana)',
    );
    const w = await revisions.approveWithdrawal(target.id, 'dana', { requireSecondOperator: false });
    expect(w).toMatchObject({ status: 'withdrawn', requestedBy: 'cli:dana', approvedBy: 'dana' });
    const [audit] = await q<{ details: { selfApproval?: boolean } }>(
      `SELECT details FROM audit_events WHERE subject = $1 AND action = 'notice.withdraw'`,
      [target.id],
    );
    expect(audit!.details.selfApproval).toBe(true);
  });
});
