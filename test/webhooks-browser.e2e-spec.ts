/**
 * The inbox page's Webhooks panel in a real headless Chromium: a tenant admin adds an endpoint and
 * sees its signing secret once, sees a refused address's reason, opens its deliveries, re-enables
 * a disabled endpoint and deletes one; a reader without the role sees the refusal, not the
 * endpoints; the page's CSP holds (no console errors, no inline script). A link to a notice
 * (the webhook payload's `link`) opens it.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { createApiApp } from '../apps/api/src/create-app.js';
import { PrismaService } from '../libs/db/prisma.service.js';
import { isolate } from './support/isolation.js';
import { postNotice, seedCampaign, seedTenant, type SeededTenant } from './support/inbox-seed.js';

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

describe('inbox page: the Webhooks panel in headless Chromium', () => {
  const saved = { ...process.env };
  const keyDir = mkdtempSync(join(tmpdir(), 'webhooks-browser-key-'));
  const profile = mkdtempSync(join(tmpdir(), 'webhooks-browser-profile-'));
  let app: NestExpressApplication;
  let prisma: PrismaService;
  let base: string;
  let browser: BrowserContext;
  let A: SeededTenant;
  let noticeA: string;
  const problems: string[] = [];

  beforeAll(async () => {
    if (!existsSync(CHROMIUM))
      throw new Error(`no Chromium at ${CHROMIUM}: apt-get install -y chromium (see docs/toolchain.md)`);
    await isolate();
    Object.assign(process.env, {
      DEV_ISSUER_ENABLED: 'true',
      DEV_ISSUER_KEY_DIR: keyDir,
      INBOX_RATE_PER_USER: '10000',
      INBOX_RATE_PER_ADDRESS: '10000',
    });
    for (const k of ['TENANT_JWKS_URL', 'TENANT_JWT_PUBLIC_KEY', 'TENANT_JWT_ISSUER', 'TENANT_JWT_AUDIENCE'])
      delete process.env[k];
    app = await createApiApp();
    await app.listen(0, '127.0.0.1');
    base = `http://127.0.0.1:${(app.getHttpServer().address() as AddressInfo).port}`;
    prisma = app.get(PrismaService);
    A = await seedTenant(prisma, {
      contacts: (d) => [
        { email: `admin@${d}`, roles: ['GlobalAdmin'] },
        { email: `reader@${d}`, roles: ['MessageCenterReader'] },
      ],
    });
    noticeA = await postNotice(prisma, await seedCampaign(prisma), A);
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
  });

  const watch = (page: Page) => {
    page.on('console', (m) => {
      // the 400 and 403 the tests provoke are the browser's own network log lines, not page errors
      if ((m.type() === 'error' || m.type() === 'warning') && !/status of 40[03]/.test(m.text()))
        problems.push(`console ${m.type()}: ${m.text()}`);
    });
    page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  };

  const signIn = async (page: Page, email: string) => {
    await page.goto(`${base}/inbox/dev-login?tenant=${A.id}&email=${encodeURIComponent(email)}`);
    await page.waitForURL(`${base}/inbox`);
    await page.locator('#who-email').filter({ hasText: email }).waitFor();
  };

  it('an admin adds an endpoint, sees its secret once, its deliveries, enables it again and deletes it', async () => {
    const page = await browser.newPage();
    watch(page);
    await signIn(page, `admin@${A.domain}`);
    await page.locator('#webhooks').waitFor();
    await page.locator('#webhook-empty').waitFor();

    // a loopback address is refused with the server's reason
    await page.fill('#webhook-url', 'https://127.0.0.1/hook');
    await page.click('#webhook-form button[type=submit]');
    await page.locator('#webhook-error').filter({ hasText: 'loopback' }).waitFor();
    expect(await prisma.webhookEndpoint.count()).toBe(0);

    await page.fill('#webhook-url', 'https://hooks.example.com/<b>itsm</b>');
    await page.check('input[name="webhook-event"][value="reminder"]');
    await page.fill('#webhook-description', 'ServiceNow <script>alert(1)</script>');
    await page.click('#webhook-form button[type=submit]');
    await page.locator('#webhook-secret').waitFor();
    const secret = await page.locator('#webhook-secret-value').textContent();
    expect(secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    const row = page.locator('#webhook-rows tr');
    await row.first().waitFor();
    expect(await row.count()).toBe(1);
    const text = await row.first().innerText();
    expect(text).toContain('https://hooks.example.com/%3Cb%3Eitsm%3C/b%3E');
    expect(text).toContain('notice.posted, reminder');
    expect(text).toContain('ServiceNow <script>alert(1)</script>'); // as text, not markup
    expect(await page.locator('#webhook-rows script').count()).toBe(0);
    const stored = await prisma.webhookEndpoint.findFirstOrThrow();
    expect(stored.secret).toBe(secret);

    // a delivery that failed, and the endpoint disabled for it
    await prisma.webhookDelivery.create({
      data: {
        tenantId: A.id,
        endpointId: stored.id,
        eventId: 'msg_1',
        eventType: 'notice.posted',
        noticeId: noticeA,
        payload: '{}',
        state: 'failed',
        attempts: 12,
        lastError: 'HTTP 503: maintenance',
      },
    });
    await prisma.webhookEndpoint.update({
      where: { id: stored.id },
      data: { enabled: false, disabledAt: new Date(), disabledReason: 'HTTP 503: maintenance' },
    });
    // a fresh page load: the secret is gone for good
    await page.reload();
    await page.locator('#webhook-rows tr').first().waitFor();
    expect(await page.locator('#webhook-secret').isVisible()).toBe(false);
    expect(await page.content()).not.toContain(secret!);
    await page.locator('#webhook-rows tr td').filter({ hasText: 'Disabled: HTTP 503: maintenance' }).waitFor();

    await page.click('#webhook-rows button:has-text("Deliveries")');
    await page.locator('#webhook-delivery-rows tr').first().waitFor();
    const delivery = await page.locator('#webhook-delivery-rows tr').first().innerText();
    for (const part of ['notice.posted', noticeA, 'failed', '12', 'HTTP 503: maintenance'])
      expect(delivery).toContain(part);

    await page.click('#webhook-rows button:has-text("Enable")');
    await page
      .locator('#webhook-rows tr td')
      .filter({ hasText: /^Enabled$/ })
      .waitFor();
    expect((await prisma.webhookEndpoint.findFirstOrThrow()).enabled).toBe(true);

    await page.click('#webhook-rows button:has-text("Delete")');
    await page.locator('#webhook-empty').waitFor();
    expect(await prisma.webhookEndpoint.count()).toBe(0);
    expect(problems).toEqual([]);
    await page.close();
  });

  it('a reader without the role sees the refusal, and a notice link opens the notice', async () => {
    await prisma.webhookEndpoint.create({
      data: {
        tenantId: A.id,
        url: 'https://hooks.example.com/hidden',
        events: ['notice.posted'],
        secret: 'whsec_x',
        createdBy: 'x',
      },
    });
    const page = await browser.newPage();
    watch(page);
    await signIn(page, `reader@${A.domain}`);
    await page.locator('#webhook-error').filter({ hasText: 'GlobalAdmin or PrivacyReader' }).waitFor();
    expect(await page.content()).not.toContain('hooks.example.com/hidden');

    const admin = await browser.newPage();
    watch(admin);
    await signIn(admin, `admin@${A.domain}`);
    await admin.goto(`${base}/inbox#${noticeA}`);
    await admin.locator('#detail-facts dd').filter({ hasText: noticeA }).waitFor();
    expect(problems).toEqual([]);
    await page.close();
    await admin.close();
  });
});
