/**
 * The Message Center page in a real headless Chromium (docs/toolchain.md, "Browsers"): an affected
 * tenant's admin signs in through the development issuer's link, opens the notice, sees the
 * body and their own exposed data, marks it unread and archives it; an unaffected tenant's admin
 * sees an empty inbox. One screenshot per state goes to INBOX_SCREENSHOT_DIR (default: a temp folder).
 */
import { randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { createApiApp } from '../apps/api/src/create-app.js';
import { PrismaService } from '../libs/db/prisma.service.js';
import { NoticesRepository } from '../libs/notices/notices.repository.js';
import { planUpdateRevision, planWithdrawalRevision } from '../libs/campaigns/revision-plan.js';
import { decide, postNotice, seedCampaign, seedTenant, type SeededTenant } from './support/inbox-seed.js';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--disable-quic',
];

describe('inbox page in headless Chromium', () => {
  const saved = { ...process.env };
  const keyDir = mkdtempSync(join(tmpdir(), 'inbox-browser-key-'));
  const profile = mkdtempSync(join(tmpdir(), 'inbox-browser-profile-'));
  const shots = process.env.INBOX_SCREENSHOT_DIR ?? mkdtempSync(join(tmpdir(), 'inbox-screens-'));
  let app: NestExpressApplication;
  let base: string;
  let browser: BrowserContext;
  let A: SeededTenant;
  let B: SeededTenant;
  let U: SeededTenant;
  let F: SeededTenant;
  let noticeF: string;
  let noticeA: string;
  let noticeB: string;
  /** W: a notice updated once, then withdrawn; V: a notice updated once */
  let W: SeededTenant;
  let noticeW: string;
  let V: SeededTenant;
  let noticeV: string;
  const problems: string[] = [];

  beforeAll(async () => {
    if (!existsSync(CHROMIUM))
      throw new Error(`no Chromium at ${CHROMIUM}: apt-get install -y chromium (see docs/toolchain.md)`);
    mkdirSync(shots, { recursive: true });
    Object.assign(process.env, {
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
    app = await createApiApp();
    await app.listen(0, '127.0.0.1');
    base = `http://127.0.0.1:${(app.getHttpServer().address() as AddressInfo).port}`;
    const prisma = app.get(PrismaService);
    A = await seedTenant(prisma, { name: 'Fabrikam <b>Capital</b> & Co' });
    B = await seedTenant(prisma);
    U = await seedTenant(prisma);
    const campaign = await seedCampaign(prisma, 'Data exposure in a storage endpoint');
    noticeA = await postNotice(prisma, campaign, A);
    noticeB = await postNotice(prisma, campaign, B);
    await decide(prisma, campaign, U.id, 'not_affected');
    // one admin reads English, the other French: one notice, stored in both
    F = await seedTenant(prisma, {
      contacts: (d) => [
        { email: `admin@${d}`, roles: ['GlobalAdmin'], locale: 'en-US' },
        { email: `dpo@${d}`, roles: ['PrivacyReader'], locale: 'fr-FR' },
      ],
    });
    noticeF = await postNotice(prisma, campaign, F, { translations: ['fr-FR'] });
    W = await seedTenant(prisma);
    V = await seedTenant(prisma);
    noticeW = await postNotice(prisma, campaign, W);
    noticeV = await postNotice(prisma, campaign, V);
    const { incidentId } = await prisma.campaign.findUniqueOrThrow({ where: { id: campaign } });
    const update = { id: randomUUID(), texts: { 'en-US': 'We found **three more** records.' }, notify: false };
    await prisma.incidentUpdate.create({ data: { id: update.id, incidentId, texts: update.texts, createdBy: 'test' } });
    const notices = app.get(NoticesRepository);
    for (const id of [noticeW, noticeV])
      await notices.writeRevisions([planUpdateRevision((await notices.revisableNotice(id))!, update, new Date())]);
    await notices.writeRevisions([planWithdrawalRevision((await notices.revisableNotice(noticeW))!)]);
    await prisma.exposureView.delete({ where: { campaignId_tenantId: { campaignId: campaign, tenantId: W.id } } });
    browser = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      headless: true,
      args: FLAGS,
      viewport: { width: 1400, height: 1000 },
    });
  });

  afterAll(async () => {
    await browser?.close();
    await app?.close();
    process.env = saved;
    rmSync(keyDir, { recursive: true, force: true });
    rmSync(profile, { recursive: true, force: true });
    process.stderr.write(`inbox browser screenshots: ${shots}\n`);
  });

  const watch = (page: Page) => {
    page.on('console', (m) => {
      if (m.type() === 'error' || m.type() === 'warning') problems.push(`console ${m.type()}: ${m.text()}`);
    });
    page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  };

  const signIn = async (page: Page, t: SeededTenant, contact = 0) => {
    const email = t.contacts[contact]!.email;
    await page.goto(`${base}/inbox/dev-login?tenant=${t.id}&email=${encodeURIComponent(email)}`);
    await page.waitForURL(`${base}/inbox`);
    await page.locator('#who-email').filter({ hasText: email }).waitFor();
  };

  it("an affected tenant's admin opens the notice and sees their own exposed data", async () => {
    const page = await browser.newPage();
    watch(page);
    await page.goto(`${base}/inbox`);
    await page.locator('#sign-in').waitFor();
    await page.locator('#dev-sign-in').waitFor();
    expect(await page.locator('#sign-out').isVisible()).toBe(false);
    expect(await page.locator('#inbox').isVisible()).toBe(false);
    await page.screenshot({ path: join(shots, '1-signed-out.png') });

    await signIn(page, A);
    const row = page.locator(`#message-rows tr[data-id="${noticeA}"]`);
    await row.waitFor();
    expect(await page.locator('#message-rows tr').count()).toBe(1);
    expect(await row.getAttribute('class')).toContain('unread');
    expect(await row.locator('.tag').allTextContents()).toEqual(['Data privacy', 'Admin impact']);
    await page.screenshot({ path: join(shots, '2-affected-list.png') });

    await row.click();
    await page.locator('#detail-title').filter({ hasText: /\S/ }).waitFor();
    const body = page.frameLocator('#detail-body');
    // the tenant's name reached the body as text: escaped by the templates, not markup
    await body.locator('body').filter({ hasText: 'Fabrikam <b>Capital</b> & Co' }).waitFor();
    expect(await body.locator('b').count()).toBe(0);
    await page.locator('#exposure-content table').first().waitFor();
    const exposure = await page.locator('#exposure-content').innerText();
    expect(exposure).toContain(`person@${A.domain}`);
    expect(exposure).toContain(`Contract_${A.domain}.pdf`);
    expect(exposure).toContain('File name not shown');
    expect(exposure).toContain(`R-${A.domain}`);
    // opening marks it read
    await page.locator('#toggle-read').filter({ hasText: 'Mark as unread' }).waitFor();
    expect(await row.getAttribute('class')).not.toContain('unread');
    await page.screenshot({ path: join(shots, '3-notice-open.png'), fullPage: true });

    const whole = `${await page.content()}\n${await body.locator('html').innerHTML()}`;
    for (const foreign of [B.id, B.name, B.domain, noticeB, U.id, U.domain]) expect(whole).not.toContain(foreign);

    // acknowledge: the button gives way to when it was done, which the server keeps for this user
    expect(await page.locator('#acknowledged').isVisible()).toBe(false);
    await page.locator('#acknowledge').click();
    await page
      .locator('#acknowledged')
      .filter({ hasText: /^Acknowledged \S/ })
      .waitFor();
    expect(await page.locator('#acknowledge').isVisible()).toBe(false);
    const acks = await app.get(PrismaService).noticeAcknowledgement.findMany({ where: { noticeId: noticeA } });
    expect(acks.map((a) => a.acknowledgedBy)).toEqual([`tenant-user:${A.contacts[0]!.email}`]);
    await page.reload();
    await row.click();
    await page
      .locator('#acknowledged')
      .filter({ hasText: /^Acknowledged \S/ })
      .waitFor();
    await page.screenshot({ path: join(shots, '3b-acknowledged.png') });

    await page.locator('#toggle-read').click();
    await page.locator('#toggle-read').filter({ hasText: 'Mark as read' }).waitFor();
    await page.locator(`#message-rows tr.unread[data-id="${noticeA}"]`).waitFor();

    await page.locator('#toggle-archive').click();
    await page.locator('#empty').waitFor({ state: 'visible' });
    await page.locator('#tab-archive').click();
    await page.locator(`#message-rows tr[data-id="${noticeA}"]`).waitFor();
    await page.screenshot({ path: join(shots, '4-archived.png') });
    await page.locator(`#message-rows tr[data-id="${noticeA}"]`).click();
    await page.locator('#toggle-archive').filter({ hasText: 'Unarchive' }).click();
    await page.locator('#tab-inbox').click();
    await page.locator(`#message-rows tr[data-id="${noticeA}"]`).waitFor();

    await page.locator('#sign-out').click();
    await page.locator('#sign-in').waitFor();
    expect(await page.evaluate("sessionStorage.getItem('inbox.token')")).toBeNull();
    await page.close();
    expect(problems).toEqual([]);
  });

  it('a French reader sees the notice in French, an English one in English: the same message', async () => {
    for (const [contact, lang, heading] of [
      [1, 'fr-FR', 'Que s’est-il passé'],
      [0, 'en-US', 'What happened'],
    ] as const) {
      const page = await browser.newPage();
      watch(page);
      await signIn(page, F, contact);
      const row = page.locator(`#message-rows tr[data-id="${noticeF}"]`);
      await row.waitFor();
      expect(await page.locator('#message-rows tr').count()).toBe(1);
      await row.click();
      await page.locator('#detail-title').filter({ hasText: /\S/ }).waitFor();
      const body = page.frameLocator('#detail-body');
      await body.locator('h3').filter({ hasText: heading }).waitFor();
      expect(await body.locator(`div[lang="${lang}"]`).count()).toBe(1);
      expect(await body.locator('body').innerText()).toContain(noticeF);
      await page.screenshot({ path: join(shots, `6-notice-${lang}.png`), fullPage: true });
      await page.close();
    }
    expect(problems).toEqual([]);
  });

  it('an updated notice shows its update on top and the version before it; a withdrawn one says so, with no exposed data', async () => {
    const page = await browser.newPage();
    watch(page);
    await signIn(page, V);
    await page.locator(`#message-rows tr[data-id="${noticeV}"]`).click();
    const body = page.frameLocator('#detail-body');
    await body
      .locator('section.notice-update h2')
      .filter({ hasText: /^Update of / })
      .waitFor();
    expect(await body.locator('section.notice-update strong').innerText()).toBe('three more');
    expect(await page.locator('#detail-tags .tag').allTextContents()).toContain('Updated message');
    expect(await page.locator('#detail-withdrawn').isVisible()).toBe(false);
    await page.locator('#exposure-content table').first().waitFor();
    await page.locator('#revisions').waitFor({ state: 'visible' });
    expect(await page.locator('#revision-list button').allTextContents()).toEqual([
      expect.stringMatching(/^Version 1 \(as posted, /),
    ]);
    // the page settles first (opening marks the message read and reloads the list)
    await page.locator('#toggle-read').filter({ hasText: 'Mark as unread' }).waitFor();
    await page.locator('#revision-list button').first().press('Enter');
    const earlier = page.frameLocator('#revision-body');
    await page.locator('#revision-body').waitFor({ state: 'visible' });
    await earlier.locator('body').filter({ hasText: noticeV }).waitFor();
    expect(await earlier.locator('section.notice-update').count()).toBe(0);
    await page.screenshot({ path: join(shots, '7-updated-notice.png'), fullPage: true });
    await page.close();

    const withdrawn = await browser.newPage();
    watch(withdrawn);
    await signIn(withdrawn, W);
    await withdrawn.locator(`#message-rows tr[data-id="${noticeW}"]`).click();
    await withdrawn.locator('#detail-withdrawn').waitFor({ state: 'visible' });
    expect(await withdrawn.locator('#detail-tags .tag').allTextContents()).toEqual(
      expect.arrayContaining(['Withdrawn', 'Updated message']),
    );
    await withdrawn
      .frameLocator('#detail-body')
      .locator('section.notice-withdrawn')
      .filter({ hasText: 'sent to your organization in error' })
      .waitFor();
    expect(await withdrawn.locator('#exposure').isVisible()).toBe(false);
    await withdrawn.locator('#revisions').waitFor({ state: 'visible' });
    expect(await withdrawn.locator('#revision-list button').allTextContents()).toEqual([
      expect.stringMatching(/^Version 2 \(updated, /),
      expect.stringMatching(/^Version 1 \(as posted, /),
    ]);
    await withdrawn.locator('#toggle-read').filter({ hasText: 'Mark as unread' }).waitFor();
    await withdrawn.locator('#revision-list button').first().press('Enter');
    await withdrawn.locator('#revision-body').waitFor({ state: 'visible' });
    await withdrawn.frameLocator('#revision-body').locator('section.notice-update').waitFor();
    await withdrawn.screenshot({ path: join(shots, '8-withdrawn-notice.png'), fullPage: true });
    const html = await withdrawn.content();
    for (const foreign of [V.id, V.domain, noticeV, A.id, noticeA]) expect(html).not.toContain(foreign);
    await withdrawn.close();
    expect(problems).toEqual([]);
  });

  it("an unaffected tenant's admin sees an empty inbox", async () => {
    const page = await browser.newPage();
    watch(page);
    await signIn(page, U);
    await page.locator('#empty').waitFor({ state: 'visible' });
    expect(await page.locator('#message-rows tr').count()).toBe(0);
    expect(await page.locator('#count').innerText()).toBe('0 messages');
    await page.screenshot({ path: join(shots, '5-unaffected-empty.png') });
    const html = await page.content();
    for (const foreign of [A.id, A.domain, noticeA, B.id, noticeB]) expect(html).not.toContain(foreign);
    await page.close();
    expect(problems).toEqual([]);
  });

  it('the development sign-in page says plainly that it is one before it signs in', async () => {
    const res = await fetch(`${base}/inbox/dev-login?tenant=${A.id}&email=${encodeURIComponent(A.contacts[0]!.email)}`);
    expect(res.status).toBe(200);
    const html = await res.text();
    expect(html).toMatch(/<title>Development sign-in<\/title>/);
    expect(html).toMatch(/<strong>Development sign-in\.<\/strong>[^<]*not a production sign-in/);
    expect(html).toMatch(/<meta name="inbox-token" content="[A-Za-z0-9_\-.]{20,}">/);
  });

  it('a refused development sign-in says why, and the page runs no injected script', async () => {
    const page = await browser.newPage();
    watch(page);
    let dialogs = 0;
    page.on('dialog', (d) => {
      dialogs++;
      void d.dismiss();
    });
    const res = await page.goto(
      `${base}/inbox/dev-login?tenant=${A.id}&email=${encodeURIComponent(`"><img src=x onerror=alert(1)>@${A.domain}`)}`,
    );
    expect(res?.status()).toBe(400);
    await page.locator('.error').waitFor();
    const res2 = await page.goto(
      `${base}/inbox/dev-login?tenant=${A.id}&email=${encodeURIComponent(B.contacts[0]!.email)}`,
    );
    expect(res2?.status()).toBe(403);
    expect(await page.locator('.error').innerText()).toContain('is not a contact of tenant');
    expect(dialogs).toBe(0);
    await page.close();
    // the browser logs the refusals' own statuses; nothing else
    expect(problems.filter((p) => !/status of (400|403) /.test(p))).toEqual([]);
  });
});
