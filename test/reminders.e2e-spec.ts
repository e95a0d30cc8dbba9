/**
 * Reminders end to end against real PostgreSQL, Redis and the ACS emulator: when a campaign's
 * act-by date nears, a tenant whose notice nobody has read gets exactly one reminder per privileged
 * contact, however often or concurrently the run happens; a tenant where an admin read it (even if
 * the notice was marked unread since) gets none, and so do campaigns without reminders, paused or
 * cancelled ones, and notices whose act-by date is far off or past. Readers who may not read the
 * notice, or of another tenant, cannot mark it read to stop the reminder. Then the operator side:
 * the setting through the API and the CLI, refused with reasons, audited.
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import type { INestApplication, INestApplicationContext } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import request from 'supertest';
import { WorkerModule } from '../apps/worker/src/worker.module.js';
import { AcsEmulator } from './support/acs-emulator.js';
import { serviceContext } from './support/app.js';
import { until } from './support/async.js';
import { runCli } from './support/cli.js';
import { isolate } from './support/isolation.js';
import { postNotice, seedCampaign, seedTenant, type SeededTenant } from './support/inbox-seed.js';
import { createApiApp } from '../apps/api/src/create-app.js';
import { AuditModule } from '../libs/audit/audit.module.js';
import type { TenantPrincipal } from '../libs/auth/tenant-principal.js';
import { CampaignCompletion } from '../libs/campaigns/campaign-completion.js';
import { CampaignStatusView } from '../libs/campaigns/campaign-status.js';
import { CampaignsModule } from '../libs/campaigns/campaigns.module.js';
import { EmailJob } from '../libs/campaigns/email-job.js';
import { ReminderRun } from '../libs/campaigns/reminder-run.js';
import { PrismaService } from '../libs/db/prisma.service.js';
import { InboxModule } from '../libs/inbox/inbox.module.js';
import { InboxService } from '../libs/inbox/inbox.service.js';
import { ProcessorsModule } from '../libs/jobs/processors.module.js';
import { deterministicOperationId } from '../libs/mail/mail-transport.js';
import { NoticesRepository } from '../libs/notices/notices.repository.js';
import { QueueModule } from '../libs/queue/queue.module.js';
import type { CampaignStatus } from '../generated/prisma/client.js';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const PUBLIC_BASE = 'https://notify.example.com';

const principal = (tenantId: string, userId: string, roles: string[]): TenantPrincipal => ({
  tenantId,
  userId,
  roles,
  issuer: 'https://issuer.example.com',
});

describe('reminders (PostgreSQL, Redis, ACS emulator)', () => {
  const env = { ...process.env };
  let acs: AcsEmulator;
  let app: INestApplicationContext;
  /** a second process's view: the run without the email workers */
  let other: INestApplicationContext;
  let prisma: PrismaService;

  /** one campaign with a notice per tenant; `remind` null: reminders off */
  async function campaignWith(opts: {
    status: CampaignStatus;
    remindBeforeSeconds: number | null;
    respondBy: Date;
    tenants: SeededTenant[];
  }): Promise<{ campaignId: string; notices: string[] }> {
    const campaignId = await seedCampaign(prisma);
    await prisma.campaign.update({
      where: { id: campaignId },
      data: { status: opts.status, remindBeforeSeconds: opts.remindBeforeSeconds, respondBy: opts.respondBy },
    });
    const notices: string[] = [];
    for (const t of opts.tenants) notices.push(await postNotice(prisma, campaignId, t));
    return { campaignId, notices };
  }

  const reminderRows = (campaignId: string) =>
    prisma.delivery.findMany({ where: { campaignId, kind: 'reminder' }, orderBy: { id: 'asc' } });

  beforeAll(async () => {
    await isolate();
    acs = await AcsEmulator.start({ runningPolls: 1 });
    Object.assign(process.env, {
      MAIL_TRANSPORT: 'acs',
      ACS_CONNECTION_STRING: acs.connectionString,
      ACS_POLL_INTERVAL_MS: '20',
      MAIL_RATE_PER_MINUTE: '100000',
      PUBLIC_BASE_URL: PUBLIC_BASE,
    });
    app = await serviceContext(QueueModule, AuditModule, InboxModule, ProcessorsModule);
    other = await serviceContext(QueueModule, AuditModule, CampaignsModule);
    prisma = app.get(PrismaService);
  }, 120_000);

  afterAll(async () => {
    process.env = env;
    await other?.close();
    await app?.close();
    await acs?.close();
  });

  describe('the run', () => {
    let X: SeededTenant; // an admin read the notice (and it was marked unread since)
    let Y: SeededTenant; // nobody read it
    let near: { campaignId: string; notices: string[] };
    const quiet: Record<string, { campaignId: string; notices: string[] }> = {};

    beforeAll(async () => {
      X = await seedTenant(prisma, {
        contacts: (d) => [
          { email: `admin@${d}`, roles: ['GlobalAdmin'] },
          { email: `privacy@${d}`, roles: ['PrivacyReader'] },
        ],
      });
      Y = await seedTenant(prisma, {
        contacts: (d) => [
          { email: `admin@${d}`, roles: ['GlobalAdmin'] },
          { email: `privacy@${d}`, roles: ['PrivacyReader'], locale: 'de-DE' },
          { email: `reader@${d}`, roles: ['MessageCenterReader'] },
        ],
      });
      const respondBy = new Date(Date.now() + DAY);
      near = await campaignWith({ status: 'completed', remindBeforeSeconds: 3 * 86_400, respondBy, tenants: [X, Y] });
      // the same unread tenant in campaigns that must send nothing
      const unread = async () => [await seedTenant(prisma)];
      quiet.off = await campaignWith({
        status: 'completed',
        remindBeforeSeconds: null,
        respondBy,
        tenants: await unread(),
      });
      quiet.paused = await campaignWith({
        status: 'paused',
        remindBeforeSeconds: 3 * 86_400,
        respondBy,
        tenants: await unread(),
      });
      quiet.cancelled = await campaignWith({
        status: 'cancelled',
        remindBeforeSeconds: 3 * 86_400,
        respondBy,
        tenants: await unread(),
      });
      quiet.early = await campaignWith({
        status: 'sending',
        remindBeforeSeconds: 3 * 86_400,
        respondBy: new Date(Date.now() + 10 * DAY),
        tenants: await unread(),
      });
      quiet.past = await campaignWith({
        status: 'completed',
        remindBeforeSeconds: 3 * 86_400,
        respondBy: new Date(Date.now() - HOUR),
        tenants: await unread(),
      });
    });

    it('keeps the first read when a notice is marked unread again, and refuses marks by readers who may not read it', async () => {
      const inbox = app.get(InboxService);
      const [xNotice, yNotice] = near.notices as [string, string];
      await inbox.apply(principal(X.id, 'x-admin', ['GlobalAdmin']), 'markRead', [xNotice]);
      // an update marks a notice unread again for every reader; a reader can do the same
      await inbox.apply(principal(X.id, 'x-admin', ['GlobalAdmin']), 'markUnread', [xNotice]);
      const xPoint = await prisma.noticeViewPoint.findUniqueOrThrow({
        where: { noticeId_userId: { noticeId: xNotice, userId: 'x-admin' } },
      });
      expect(xPoint.isRead).toBe(false);
      expect(xPoint.firstReadAt).toBeInstanceOf(Date);
      // marking it read again keeps the first read's time
      await inbox.apply(principal(X.id, 'x-admin', ['GlobalAdmin']), 'markRead', [xNotice]);
      const again = await prisma.noticeViewPoint.findUniqueOrThrow({
        where: { noticeId_userId: { noticeId: xNotice, userId: 'x-admin' } },
      });
      expect(again.firstReadAt).toEqual(xPoint.firstReadAt);
      await inbox.apply(principal(X.id, 'x-admin', ['GlobalAdmin']), 'markUnread', [xNotice]);

      // Y's reader without the data-privacy roles, and X's admin with Y's notice id, cannot stop Y's reminder
      await expect(
        inbox.apply(principal(Y.id, 'y-reader', ['MessageCenterReader']), 'markRead', [yNotice]),
      ).rejects.toThrow(/message not found/);
      await expect(inbox.apply(principal(X.id, 'x-admin', ['GlobalAdmin']), 'markRead', [yNotice])).rejects.toThrow(
        /message not found/,
      );
      await expect(
        inbox.apply(principal(X.id, 'x-admin', ['GlobalAdmin']), 'markRead', [xNotice, yNotice]),
      ).rejects.toThrow(/message not found/);
      expect(await prisma.noticeViewPoint.count({ where: { noticeId: yNotice } })).toBe(0);
    });

    it('sends exactly one reminder per privileged contact of the unread tenant, however often and concurrently it runs', async () => {
      const [, yNotice] = near.notices as [string, string];
      const runs = [app.get(ReminderRun), other.get(ReminderRun)];
      // two processes at once, twice each
      await Promise.all([runs[0]!.run(), runs[1]!.run(), runs[0]!.run(), runs[1]!.run()]);
      const privileged = Y.contacts.filter((c) => c.roles.some((r) => ['GlobalAdmin', 'PrivacyReader'].includes(r)));
      await until('the reminders sent', async () => {
        const rows = await reminderRows(near.campaignId);
        return rows.length === privileged.length && rows.every((r) => r.state === 'sent');
      });
      // and once more after they were sent
      expect(await runs[1]!.run()).toMatchObject({ queued: 0 });
      await new Promise((r) => setTimeout(r, 500));

      const rows = await reminderRows(near.campaignId);
      expect(
        rows
          .map((r) => ({ tenant: r.tenantId, notice: r.noticeId, address: r.address, op: r.operationId }))
          .sort((a, b) => a.address.localeCompare(b.address)),
      ).toEqual(
        privileged
          .map((c) => ({
            tenant: Y.id,
            notice: yNotice,
            address: c.email,
            op: deterministicOperationId('notice-reminder', yNotice, c.email),
          }))
          .sort((a, b) => a.address.localeCompare(b.address)),
      );
      const got = acs.countByRecipient();
      expect(Object.fromEntries(got)).toEqual(Object.fromEntries(privileged.map((c) => [c.email.toLowerCase(), 1])));
      expect(acs.messages()).toHaveLength(privileged.length);
    });

    it('writes the reminder in the recipient language with the act-by date and the inbox link, and nothing of the exposure', async () => {
      const [, yNotice] = near.notices as [string, string];
      const respondBy = (await prisma.campaign.findUniqueOrThrow({ where: { id: near.campaignId } })).respondBy!;
      const of = (address: string) => acs.messages().find((m) => m.recipients.includes(address.toLowerCase()))!;
      const en = of(`admin@${Y.domain}`);
      const de = of(`privacy@${Y.domain}`);
      const day = (locale: string) =>
        new Intl.DateTimeFormat(locale, { dateStyle: 'long', timeZone: 'UTC' }).format(respondBy);
      expect(en.subject).toBe(`Reminder: data privacy notice ${yNotice} asks for action by ${day('en-US')}`);
      expect(de.subject).toBe(`Erinnerung: Datenschutzhinweis ${yNotice} erfordert Maßnahmen bis ${day('de-DE')}`);
      for (const m of [en, de]) {
        expect(m.text).toContain(`${PUBLIC_BASE}/inbox`);
        expect(m.html).toContain(`href="${PUBLIC_BASE}/inbox"`);
        expect(m.text).toContain('https://support.example.com/exposure');
        // no exposed data, no tenant name
        for (const secret of [Y.name, `person@${Y.domain}`, `Contract_${Y.domain}`]) {
          expect(m.text).not.toContain(secret);
          expect(m.html).not.toContain(secret);
        }
      }
    });

    it('sends none to campaigns without reminders, paused or cancelled, nor before the lead time or after the act-by date', async () => {
      for (const [what, c] of Object.entries(quiet)) {
        expect({ what, rows: (await reminderRows(c.campaignId)).length }).toEqual({ what, rows: 0 });
      }
      // nothing but Y's reminders reached the mail
      expect(acs.messages()).toHaveLength(2);
    });

    it('shows reads and reminders in the campaign status', async () => {
      const s = await app.get(CampaignStatusView).status(near.campaignId);
      expect(s.remindBefore).toBe('3d');
      expect(s.counts.reads).toEqual({ tenantsRead: 1, tenantsUnread: 1 });
      expect(s.counts.reminders).toEqual({ written: 2, queued: 0, sent: 2, failed: 0, retrying: 0 });
      // the notice emails are counted as before: none were written for these seeded notices
      expect(s.counts.emails.total).toBe(0);
      const off = await app.get(CampaignStatusView).status(quiet.off!.campaignId);
      expect(off.remindBefore).toBeNull();
      expect(off.counts.reminders.written).toBe(0);
    });

    it('does not send a reminder whose notice was read between the run and the send', async () => {
      const T = await seedTenant(prisma);
      const c = await campaignWith({
        status: 'paused',
        remindBeforeSeconds: 86_400,
        respondBy: new Date(Date.now() + HOUR),
        tenants: [T],
      });
      // written while paused (by hand: the run leaves paused campaigns alone), read, then resumed
      const repo = app.get(NoticesRepository);
      const [id] = await repo.writeReminders([
        {
          campaignId: c.campaignId,
          tenantId: T.id,
          noticeId: c.notices[0]!,
          address: T.contacts[0]!.email,
          role: 'GlobalAdmin',
          locale: 'en-US',
          operationId: deterministicOperationId('notice-reminder', c.notices[0]!, T.contacts[0]!.email),
        },
      ]);
      await app.get(InboxService).apply(principal(T.id, 't-admin', ['GlobalAdmin']), 'markRead', [c.notices[0]!]);
      await prisma.campaign.update({ where: { id: c.campaignId }, data: { status: 'completed' } });
      const outcome = await app.get(EmailJob).sendEmail(id!, false);
      expect(outcome).toEqual({ kind: 'skipped', reason: 'the notice was read meanwhile' });
      const row = await prisma.delivery.findUniqueOrThrow({ where: { id: id! } });
      expect(row).toMatchObject({ state: 'failed', lastError: 'not sent: the notice was read meanwhile' });
      expect(acs.messages().filter((m) => m.recipients.includes(T.contacts[0]!.email.toLowerCase()))).toEqual([]);
    });

    it('sends what a crashed run wrote but did not queue, once, on the next run', async () => {
      const T = await seedTenant(prisma, {
        contacts: (d) => [
          { email: `admin@${d}`, roles: ['GlobalAdmin'] },
          { email: `privacy@${d}`, roles: ['PrivacyReader'] },
        ],
      });
      const c = await campaignWith({
        status: 'sending',
        remindBeforeSeconds: 86_400,
        respondBy: new Date(Date.now() + HOUR),
        tenants: [T],
      });
      const noticeId = c.notices[0]!;
      const row = (address: string) => ({
        campaignId: c.campaignId,
        tenantId: T.id,
        noticeId,
        address,
        role: 'GlobalAdmin',
        locale: 'en-US',
        operationId: deterministicOperationId('notice-reminder', noticeId, address),
      });
      // the crash: one of the two rows written, nothing queued
      await app.get(NoticesRepository).writeReminders([row(`admin@${T.domain}`)]);
      const report = await app.get(ReminderRun).run();
      expect(report.queued).toBeGreaterThanOrEqual(2);
      await until('both reminders sent', async () => {
        const rows = await reminderRows(c.campaignId);
        return rows.length === 2 && rows.every((r) => r.state === 'sent');
      });
      await app.get(ReminderRun).run();
      await new Promise((r) => setTimeout(r, 300));
      for (const ct of T.contacts)
        expect(acs.messages().filter((m) => m.recipients.includes(ct.email.toLowerCase()))).toHaveLength(1);
    });

    it('the worker process runs it on its own schedule', async () => {
      const T = await seedTenant(prisma);
      const c = await campaignWith({
        status: 'completed',
        remindBeforeSeconds: 86_400,
        respondBy: new Date(Date.now() + HOUR),
        tenants: [T],
      });
      process.env.REMINDER_INTERVAL_MS = '300';
      const worker = await Test.createTestingModule({ imports: [WorkerModule] }).compile();
      await worker.init();
      try {
        await until('the scheduled reminder', async () => {
          const rows = await reminderRows(c.campaignId);
          return rows.length === 1 && rows[0]!.state === 'sent';
        });
      } finally {
        await worker.close();
        delete process.env.REMINDER_INTERVAL_MS;
      }
      expect(acs.messages().filter((m) => m.recipients.includes(T.contacts[0]!.email.toLowerCase()))).toHaveLength(1);
    });

    it('completes a sending campaign whose notice emails are done while a reminder is still queued', async () => {
      const T = await seedTenant(prisma);
      const c = await campaignWith({
        status: 'sending',
        remindBeforeSeconds: 86_400,
        respondBy: new Date(Date.now() + HOUR),
        tenants: [T],
      });
      await app.get(NoticesRepository).writeReminders([
        {
          campaignId: c.campaignId,
          tenantId: T.id,
          noticeId: c.notices[0]!,
          address: T.contacts[0]!.email,
          role: 'GlobalAdmin',
          locale: 'en-US',
          operationId: deterministicOperationId('notice-reminder', c.notices[0]!, T.contacts[0]!.email),
        },
      ]);
      expect(await app.get(CampaignCompletion).checkCompletion(c.campaignId)).toBe(true);
      expect((await prisma.campaign.findUniqueOrThrow({ where: { id: c.campaignId } })).status).toBe('completed');
    });
  });

  describe('the setting, through the API and the CLI', () => {
    const TOKEN = 'alice-token-0123456789';
    const auth = { Authorization: `Bearer ${TOKEN}` };
    let api: INestApplication;
    let http: ReturnType<INestApplication['getHttpServer']>;
    let datasetId: string;
    const CLI = 'dist/apps/cli/src/main.js';

    function cli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
      return runCli(args);
    }

    beforeAll(async () => {
      if (!existsSync(CLI)) execFileSync('npx', ['tsc', '-p', 'tsconfig.json'], { stdio: 'inherit' });
      Object.assign(process.env, {
        OPERATOR_TOKENS: `alice:${TOKEN}`,
        OPERATOR_NAME: 'alice',
        OPERATOR_ROLES: 'alice:admin',
      });
      api = await createApiApp();
      await api.init();
      http = api.getHttpServer();
      datasetId = (await prisma.dataset.create({ data: { name: 'reminder-settings', status: 'ready' } })).id;
    });

    afterAll(async () => {
      await api?.close();
    });

    const create = (body: object) =>
      request(http)
        .post('/v1/campaigns')
        .set(auth)
        .send({ datasetId, ...body });
    const setReminder = (id: string, body: object) =>
      request(http).put(`/v1/campaigns/${id}/reminder`).set(auth).send(body);

    it('stores the lead time given at creation, and refuses one without an act-by date', async () => {
      const res = await create({ respondBy: '2027-01-15', remindBefore: '2d12h' }).expect(201);
      const id = (res.body as { campaignId: string }).campaignId;
      const got = await request(http).get(`/v1/campaigns/${id}`).set(auth).expect(200);
      expect(got.body).toMatchObject({ campaignId: id, remindBeforeSeconds: 2 * 86_400 + 12 * 3_600 });
      const bad = await create({ remindBefore: '3d' }).expect(400);
      expect(bad.body).toEqual({
        error: {
          code: 'badInput',
          message: 'remind-before needs a respond-by date: a reminder is sent that long before it',
        },
      });
      const none = await create({ respondBy: '2027-01-15' }).expect(201);
      expect(
        (await prisma.campaign.findUniqueOrThrow({ where: { id: (none.body as { campaignId: string }).campaignId } }))
          .remindBeforeSeconds,
      ).toBeNull();
    });

    it('sets and clears the lead time before and after the launch, audited with the old and new value', async () => {
      const id = ((await create({ respondBy: '2027-01-15' }).expect(201)).body as { campaignId: string }).campaignId;
      expect((await setReminder(id, { remindBefore: '36h' }).expect(200)).body).toEqual({
        campaignId: id,
        status: 'draft',
        remindBefore: '1d12h',
        remindBeforeSeconds: 36 * 3_600,
        respondBy: '2027-01-15T00:00:00.000Z',
      });
      await prisma.campaign.update({ where: { id }, data: { status: 'completed' } });
      expect((await setReminder(id, { remindBefore: null }).expect(200)).body).toMatchObject({
        status: 'completed',
        remindBefore: null,
        remindBeforeSeconds: null,
      });
      const events = await prisma.auditEvent.findMany({
        where: { campaignId: id, action: 'campaign.setReminder' },
        orderBy: { id: 'asc' },
      });
      expect(events.map((e) => ({ actor: e.actor, details: e.details }))).toEqual([
        { actor: 'alice', details: { from: null, to: 36 * 3_600 } },
        { actor: 'alice', details: { from: 36 * 3_600, to: null } },
      ]);
    });

    it('refuses a bad body, an unknown or cancelled campaign, and one without an act-by date, with the reason', async () => {
      const id = ((await create({ respondBy: '2027-01-15' }).expect(201)).body as { campaignId: string }).campaignId;
      const message = async (r: request.Test, status: number) =>
        ((await r.expect(status)).body as { error: { message: string } }).error.message;
      expect(await message(setReminder(id, {}), 400)).toMatch(/^remindBefore: /);
      expect(await message(setReminder(id, { remindBefore: '3d', respondBy: '2027-02-01' }), 400)).toMatch(/respondBy/);
      expect(await message(setReminder(id, { remindBefore: 3 }), 400)).toMatch(/^remindBefore: /);
      expect(await message(setReminder(id, { remindBefore: '0h' }), 400)).toBe(
        'remindBefore: must be longer than zero',
      );
      expect(await message(setReminder('3f2b8c1e-5d4a-4b6c-9e7f-0a1b2c3d4e5f', { remindBefore: '3d' }), 404)).toMatch(
        /not found/,
      );
      const undated = ((await create({}).expect(201)).body as { campaignId: string }).campaignId;
      expect(await message(setReminder(undated, { remindBefore: '3d' }), 409)).toMatch(/has no respond-by date/);
      // turning reminders off needs no date
      await setReminder(undated, { remindBefore: null }).expect(200);
      await prisma.campaign.update({ where: { id }, data: { status: 'cancelled' } });
      expect(await message(setReminder(id, { remindBefore: '3d' }), 409)).toMatch(/is cancelled/);
      expect((await prisma.campaign.findUniqueOrThrow({ where: { id } })).remindBeforeSeconds).toBeNull();
    });

    it('the CLI sets it, turns it off, refuses --remind-before with --off, and shows it in the status', async () => {
      const id = ((await create({ respondBy: '2027-01-15' }).expect(201)).body as { campaignId: string }).campaignId;
      const on = await cli(['campaigns', 'set-reminder', id, '--remind-before', '3d', '--json']);
      expect(on.code).toBe(0);
      expect(JSON.parse(on.stdout)).toMatchObject({ campaignId: id, remindBefore: '3d', remindBeforeSeconds: 259_200 });
      const status = await cli(['campaigns', 'status', id]);
      expect(status.stdout).toMatch(/reminders 3d before the act-by date: 0 written/);
      for (const args of [['--remind-before', '3d', '--off'], []]) {
        const r = await cli(['campaigns', 'set-reminder', id, ...args]);
        expect(r).toEqual({ code: 1, stdout: '', stderr: 'error: give either --remind-before <duration> or --off\n' });
      }
      const off = await cli(['campaigns', 'set-reminder', id, '--off']);
      expect(off).toMatchObject({ code: 0, stdout: `campaign ${id}: no reminders\n` });
    });
  });
});
