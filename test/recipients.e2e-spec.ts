/**
 * The tenants' own notification recipients, end to end (PostgreSQL, Redis, ACS emulator, the API
 * over HTTP, a worker context running the processors): a tenant admin adds addresses, each gets
 * one confirmation email with a link; the confirmed one then gets the notice email in its own
 * language, once, the unconfirmed and the removed ones nothing; a tenant with no identified impact
 * gets nothing but the confirmation. And the attacks: another tenant's recipients and tokens, a
 * reader without a privileged role, injection in addresses, a sixth address, link reuse.
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { INestApplicationContext } from '@nestjs/common';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { createApiApp } from '../apps/api/src/create-app.js';
import { ProcessorsModule } from '../libs/jobs/processors.module.js';
import { AuditModule } from '../libs/audit/audit.module.js';
import { DevIssuer } from '../libs/auth/dev-issuer.js';
import { CampaignLauncher } from '../libs/campaigns/campaign-launcher.js';
import { CampaignStatusView } from '../libs/campaigns/campaign-status.js';
import { EmailJob } from '../libs/campaigns/email-job.js';
import { PreviewService } from '../libs/campaigns/preview.service.js';
import { PrismaService } from '../libs/db/prisma.service.js';
import { QueueModule } from '../libs/queue/queue.module.js';
import { AcsEmulator, type RecordedEmail } from './support/acs-emulator.js';
import { serviceContext } from './support/app.js';
import { until } from './support/async.js';
import { decide, seedCampaign, seedTenant, viewFor, type SeededTenant } from './support/inbox-seed.js';
import { isolate } from './support/isolation.js';
import type { Prisma } from '../generated/prisma/client.js';

const PATH = '/v1/admin/serviceAnnouncement/notificationRecipients';

describe('notification recipients (API, worker, ACS emulator)', () => {
  const saved = { ...process.env };
  const keyDir = mkdtempSync(join(tmpdir(), 'recipients-key-'));
  let api: NestExpressApplication;
  let worker: INestApplicationContext;
  let acs: AcsEmulator;
  let base: string;
  let prisma: PrismaService;
  /** A and B affected; U not affected */
  let A: SeededTenant;
  let B: SeededTenant;
  let U: SeededTenant;
  let campaignId: string;
  const tokens = new Map<string, string>();

  const bearer = async (t: SeededTenant, contact = 0) => {
    const email = t.contacts[contact]!.email;
    const key = `${t.id}/${email}`;
    if (!tokens.has(key)) tokens.set(key, (await api.get(DevIssuer).issue(t.id, email)).token);
    return tokens.get(key)!;
  };
  const call = async (method: string, path: string, t: SeededTenant | null, body?: unknown, contact = 0) => {
    const res = await fetch(`${base}${path}`, {
      method,
      headers: {
        ...(t ? { Authorization: `Bearer ${await bearer(t, contact)}` } : {}),
        ...(body !== undefined ? { 'Content-Type': 'application/json' } : {}),
      },
      body: body !== undefined ? JSON.stringify(body) : undefined,
    });
    const text = await res.text();
    return { status: res.status, body: (text ? JSON.parse(text) : null) as Record<string, unknown> };
  };
  const add = (t: SeededTenant, address: string, locale?: string) =>
    call('POST', PATH, t, { address, ...(locale ? { locale } : {}) });
  const list = async (t: SeededTenant) =>
    (await call('GET', PATH, t)).body.value as { id: string; address: string; state: string; locale: string }[];
  const mailTo = (address: string) => acs.messages().filter((m) => m.recipients.includes(address));
  const linkIn = (m: RecordedEmail) => {
    const link = /(http:\/\/\S+\/inbox\/recipients\/confirm\?token=([A-Za-z0-9_-]+))/.exec(m.text ?? '');
    if (!link) throw new Error(`no confirmation link in ${m.subject}`);
    return { url: link[1]!, token: link[2]! };
  };
  const confirm = (token: unknown) => call('POST', '/v1/notificationRecipients/confirm', null, { token });

  beforeAll(async () => {
    await isolate();
    acs = await AcsEmulator.start({ runningPolls: 1 });
    Object.assign(process.env, {
      MAIL_TRANSPORT: 'acs',
      ACS_CONNECTION_STRING: acs.connectionString,
      ACS_POLL_INTERVAL_MS: '20',
      MAIL_RATE_PER_MINUTE: '100000',
      DEV_ISSUER_ENABLED: 'true',
      DEV_ISSUER_KEY_DIR: keyDir,
      INBOX_RATE_PER_USER: '10000',
      INBOX_RATE_PER_ADDRESS: '10000',
    });
    for (const k of [
      'TENANT_JWKS_URL',
      'TENANT_JWT_PUBLIC_KEY',
      'TENANT_JWT_ISSUER',
      'TENANT_JWT_AUDIENCE',
      'DEV_ISSUER_PRIVATE_KEY',
    ])
      delete process.env[k];
    // the emailed links point at PUBLIC_BASE_URL: the port is chosen before the app reads its config
    const port = await new Promise<number>((resolve) => {
      const probe = createServer().listen(0, '127.0.0.1', () => {
        const p = (probe.address() as AddressInfo).port;
        probe.close(() => resolve(p));
      });
    });
    base = `http://127.0.0.1:${port}`;
    process.env.PUBLIC_BASE_URL = base;
    api = await createApiApp();
    await api.listen(port, '127.0.0.1');
    // the processors run here, as a worker process would
    worker = await serviceContext(QueueModule, AuditModule, ProcessorsModule);
    prisma = api.get(PrismaService);
    const people = (d: string) => [
      { email: `admin@${d}`, roles: ['GlobalAdmin'], locale: 'en-US' },
      { email: `reader@${d}`, roles: ['MessageCenterReader'], locale: 'en-US' },
    ];
    A = await seedTenant(prisma, { contacts: people });
    B = await seedTenant(prisma, { contacts: people });
    U = await seedTenant(prisma, { contacts: people });
    campaignId = await seedCampaign(prisma, 'Data exposure in a storage endpoint');
    // approved, with its decisions and views: launched below by the operator's own call
    await prisma.campaign.update({ where: { id: campaignId }, data: { status: 'approved', approvedBy: 'bob' } });
    for (const t of [A, B]) {
      await decide(prisma, campaignId, t.id, 'affected');
      await prisma.exposureView.create({
        data: { campaignId, tenantId: t.id, view: viewFor(t) as unknown as Prisma.InputJsonValue },
      });
    }
    await decide(prisma, campaignId, U.id, 'not_affected');
  }, 120_000);

  afterAll(async () => {
    await worker?.close();
    await api?.close();
    await acs?.close();
    process.env = saved;
    rmSync(keyDir, { recursive: true, force: true });
  });

  it('an admin adds addresses: each gets one confirmation email in its language, with a link', async () => {
    const soc = await add(A, `SOC@${A.domain.toUpperCase()}`, 'de-DE');
    expect(soc.status).toBe(201);
    expect(soc.body).toMatchObject({
      address: `soc@${A.domain}`,
      locale: 'de-DE',
      state: 'pending',
      confirmationSent: true,
    });
    // without a locale: the adder's (their token's, else en-US)
    expect((await add(A, `pending@${A.domain}`)).body).toMatchObject({ locale: 'en-US', state: 'pending' });
    expect((await add(A, `gone@${A.domain}`, 'fr-FR')).status).toBe(201);
    // the admin's own address, also a privileged contact: one email per notice, not two
    expect((await add(A, `admin@${A.domain}`, 'ja-JP')).status).toBe(201);

    const [m, ...more] = mailTo(`soc@${A.domain}`);
    expect(more).toEqual([]);
    expect(m!.subject).toMatch(/^Bestätigen Sie/);
    expect(m!.html).toContain('<html lang="de-DE">');
    expect(m!.html).toContain(A.name);
    expect(m!.clientOperationId).toBe(true);
    expect(linkIn(m!).url.startsWith(`${base}/inbox/recipients/confirm?token=`)).toBe(true);
    expect(mailTo(`pending@${A.domain}`)).toHaveLength(1);
    expect(mailTo(`gone@${A.domain}`)[0]!.subject).toMatch(/^Confirmez/);

    // the same address again, at once: no second confirmation, the first link stays valid
    const again = await add(A, `soc@${A.domain}`);
    expect(again.status).toBe(201);
    expect(again.body).toMatchObject({ state: 'pending', confirmationSent: false, locale: 'de-DE' });
    expect(mailTo(`soc@${A.domain}`)).toHaveLength(1);

    expect((await list(A)).map((r) => [r.address, r.state])).toEqual([
      [`soc@${A.domain}`, 'pending'],
      [`pending@${A.domain}`, 'pending'],
      [`gone@${A.domain}`, 'pending'],
      [`admin@${A.domain}`, 'pending'],
    ]);
  });

  it('a sixth address is refused, and so is a locale that is not shipped', async () => {
    expect((await add(A, `fifth@${A.domain}`)).status).toBe(201);
    const sixth = await add(A, `sixth@${A.domain}`);
    expect(sixth.status).toBe(409);
    expect(JSON.stringify(sixth.body)).toContain('at most 5');
    expect(mailTo(`sixth@${A.domain}`)).toEqual([]);
    const fifth = (await list(A)).find((r) => r.address === `fifth@${A.domain}`)!;
    expect((await call('DELETE', `${PATH}/${fifth.id}`, A)).status).toBe(204);
    expect((await add(B, `x@${B.domain}`, 'sv-SE')).status).toBe(400);
    expect((await add(B, `x@${B.domain}`, '../../etc')).status).toBe(400);
    expect(mailTo(`x@${B.domain}`)).toEqual([]);
  });

  it('refuses header and HTML injection in addresses, and stores nothing of it', async () => {
    for (const address of [
      `soc@${A.domain}\r\nBcc: all@evil.example`,
      `soc@${A.domain}\nSubject: urgent`,
      `<script>alert(1)</script>@${A.domain}`,
      `"><img src=x onerror=alert(1)>@${A.domain}`,
      `SOC Team <soc2@${A.domain}>`,
      `soc3@${A.domain}, boss@evil.example`,
      `"quoted"@${A.domain}`,
    ]) {
      const r = await add(A, address);
      expect({ address, status: r.status }).toEqual({ address, status: 400 });
    }
    expect(await list(A)).toHaveLength(4);
    expect(acs.messages().some((m) => m.recipients.some((r) => /evil|script|img|quoted/.test(r)))).toBe(false);
  });

  it('a reader without a privileged role is refused (403), and so is no token (401)', async () => {
    const id = (await list(A))[0]!.id;
    expect((await call('GET', PATH, A, undefined, 1)).status).toBe(403);
    expect((await call('POST', PATH, A, { address: `r@${A.domain}` }, 1)).status).toBe(403);
    expect((await call('DELETE', `${PATH}/${id}`, A, undefined, 1)).status).toBe(403);
    expect((await call('GET', PATH, null)).status).toBe(401);
    expect(await list(A)).toHaveLength(4);
  });

  it("another tenant can neither see nor remove A's recipients, nor use A's link on its own", async () => {
    const mine = await list(A);
    expect(await list(B)).toEqual([]);
    for (const r of mine) expect((await call('DELETE', `${PATH}/${r.id}`, B)).status).toBe(404);
    expect((await call('DELETE', `${PATH}/not-a-guid`, B)).status).toBe(404);
    expect(await list(A)).toEqual(mine);
    // B adds the same address as A: its own row, its own link
    expect((await add(B, `soc@${A.domain}`)).body).toMatchObject({ state: 'pending', confirmationSent: true });
    expect(mailTo(`soc@${A.domain}`)).toHaveLength(2);
  });

  it('the link confirms once; unknown, used and expired links get the same answer', async () => {
    const [first] = mailTo(`soc@${A.domain}`);
    const { url, token } = linkIn(first!);
    // the page itself holds no token and confirms nothing on its own
    const page = await fetch(url);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-security-policy')).toContain("script-src 'self'");
    expect(page.headers.get('cache-control')).toBe('no-store');
    const html = await page.text();
    expect(html).not.toContain(token);
    expect((await list(A)).find((r) => r.address === `soc@${A.domain}`)!.state).toBe('pending');

    expect(await confirm(token)).toEqual({ status: 200, body: { value: 'confirmed' } });
    expect((await list(A)).find((r) => r.address === `soc@${A.domain}`)!.state).toBe('confirmed');
    // B's row of the same address is B's: A's link did not confirm it
    expect((await list(B)).find((r) => r.address === `soc@${A.domain}`)!.state).toBe('pending');

    const invalid = { status: 404, body: { error: { code: 'notFound', message: 'this link is not valid' } } };
    expect(await confirm(token)).toEqual(invalid); // used
    expect(await confirm('A'.repeat(43))).toEqual(invalid); // unknown
    expect(await confirm('nonsense')).toEqual(invalid);
    const pending = linkIn(mailTo(`pending@${A.domain}`)[0]!).token;
    await prisma.notificationRecipient.updateMany({
      where: { tenantId: A.id, address: `pending@${A.domain}` },
      data: { tokenExpiresAt: new Date(Date.now() - 1000) },
    });
    expect(await confirm(pending)).toEqual(invalid); // expired
    expect((await list(A)).find((r) => r.address === `pending@${A.domain}`)!.state).toBe('pending');

    // confirmed and then removed; the admin's own address confirmed too
    expect((await confirm(linkIn(mailTo(`gone@${A.domain}`)[0]!).token)).status).toBe(200);
    expect((await confirm(linkIn(mailTo(`admin@${A.domain}`)[0]!).token)).status).toBe(200);
    const gone = (await list(A)).find((r) => r.address === `gone@${A.domain}`)!;
    expect((await call('DELETE', `${PATH}/${gone.id}`, A)).status).toBe(204);
    expect((await list(A)).map((r) => r.address)).not.toContain(`gone@${A.domain}`);
    // adding a confirmed address again sends nothing
    expect((await add(A, `soc@${A.domain}`)).body).toMatchObject({ state: 'confirmed', confirmationSent: false });

    // a tenant with no identified impact may have a confirmed recipient too
    await add(U, `soc@${U.domain}`);
    expect((await confirm(linkIn(mailTo(`soc@${U.domain}`)[0]!).token)).status).toBe(200);
  });

  it('preview counts the confirmed recipients beside the privileged contacts', async () => {
    const p = await api.get(PreviewService).preview(campaignId);
    // A's and B's admins; A's soc (its admin's own address is a contact already; U is not affected)
    expect(p.recipients).toEqual({ privilegedContacts: 2, notificationRecipients: 1 });
  });

  it('the launch emails the confirmed recipient once in its language; unconfirmed, removed and unaffected get nothing', async () => {
    const before = acs.messages().length;
    const statusView = api.get(CampaignStatusView);
    expect((await api.get(CampaignLauncher).launch(campaignId, 'bob')).status).toBe('sending');
    const final = await until('completion', async () => {
      const s = await statusView.status(campaignId);
      return s.status === 'completed' ? s : undefined;
    });
    expect(final.counts.emails).toMatchObject({ sent: 3, failed: 0 });
    const notices = acs.messages().slice(before);
    expect(notices.map((m) => m.recipients[0]).sort()).toEqual(
      [`admin@${A.domain}`, `admin@${B.domain}`, `soc@${A.domain}`].sort(),
    );
    const soc = notices.find((m) => m.recipients.includes(`soc@${A.domain}`))!;
    expect(soc.html).toContain('<html lang="de-DE">');
    expect(soc.subject).toMatch(/MC\d+/);
    // the admin is both a contact and a recipient: one email, as the contact (their directory language)
    expect(notices.find((m) => m.recipients.includes(`admin@${A.domain}`))!.html).toContain('<html lang="en-US">');
    // the unconfirmed, the removed and the unaffected tenant's recipient: the confirmation only
    for (const address of [`pending@${A.domain}`, `gone@${A.domain}`, `soc@${U.domain}`])
      expect({ address, n: mailTo(address).length }).toEqual({ address, n: 1 });
    expect(await prisma.notice.count({ where: { tenantId: U.id } })).toBe(0);

    const deliveries = (await statusView.deliveries(campaignId, undefined, 0, 100)).value;
    expect(deliveries.map((d) => [d.address, d.role]).sort()).toEqual(
      [
        [`admin@${A.domain}`, 'GlobalAdmin'],
        [`admin@${B.domain}`, 'GlobalAdmin'],
        [`soc@${A.domain}`, 'NotificationRecipient'],
      ].sort(),
    );
  });

  it('a recipient removed after the notice was posted gets no send that was still to come', async () => {
    const emailJob = api.get(EmailJob);
    const row = await prisma.delivery.findFirstOrThrow({ where: { campaignId, address: `soc@${A.domain}` } });
    // a retry not yet sent: the campaign still sending, the delivery waiting
    await prisma.campaign.update({ where: { id: campaignId }, data: { status: 'sending' } });
    await prisma.delivery.update({ where: { id: row.id }, data: { state: 'retrying', sentAt: null } });
    const soc = (await list(A)).find((r) => r.address === `soc@${A.domain}`)!;
    expect((await call('DELETE', `${PATH}/${soc.id}`, A)).status).toBe(204);
    const before = mailTo(`soc@${A.domain}`).length;
    const outcome = await emailJob.sendEmail(row.id, false);
    expect(outcome).toEqual({ kind: 'skipped', reason: 'the notification recipient was removed by the tenant' });
    expect(mailTo(`soc@${A.domain}`)).toHaveLength(before);
    const after = await prisma.delivery.findUniqueOrThrow({ where: { id: row.id } });
    expect(after.state).toBe('failed');
    expect(after.lastError).toBe('not sent: the notification recipient was removed by the tenant');
  });

  it('the database refuses a delivery row for an address that is no confirmed recipient', async () => {
    const notice = await prisma.notice.findFirstOrThrow({ where: { campaignId, tenantId: A.id } });
    const row = (address: string) => ({
      campaignId,
      tenantId: A.id,
      noticeId: notice.id,
      address,
      role: 'NotificationRecipient',
      locale: 'en-US',
      operationId: randomUUID(),
    });
    for (const address of [`pending@${A.domain}`, `soc@${A.domain}`, `nobody@${A.domain}`, `soc@${U.domain}`])
      await expect(prisma.delivery.create({ data: row(address) })).rejects.toThrow(/confirmed notification recipient/);
  });

  it("a tenant's confirmation emails are limited per hour, removals included", async () => {
    // B sent one already (the default limit is 10 an hour)
    let sent = 1;
    for (let i = 0; ; i++) {
      const r = await add(B, `rotate${i}@${B.domain}`);
      if (r.status === 429) break;
      expect(r.status).toBe(201);
      sent++;
      expect((await call('DELETE', `${PATH}/${String(r.body.id)}`, B)).status).toBe(204);
      expect(i).toBeLessThan(20);
    }
    expect(sent).toBe(10);
    expect(acs.messages().filter((m) => m.recipients.some((x) => x.startsWith('rotate')))).toHaveLength(9);
  });

  it('audits adds, confirmations and removals', async () => {
    const events = await prisma.auditEvent.findMany({ where: { tenantId: A.id }, orderBy: { id: 'asc' } });
    const actions = events.map((e) => e.action);
    expect(actions.filter((a) => a === 'recipients.confirmation.sent')).toHaveLength(5);
    expect(actions.filter((a) => a === 'recipients.confirmed')).toHaveLength(3);
    expect(actions.filter((a) => a === 'recipients.removed')).toHaveLength(3);
  });
});
