/**
 * The notification recipients panel of the Message Center page and the confirmation page, in a
 * real headless Chromium (docs/toolchain.md, "Browsers"), against the ACS emulator: an admin adds
 * an address and sees it pending, a bad address is refused with the API's reason and runs no
 * script, the owner confirms through the emailed link (once), the admin sees it confirmed and
 * removes it; a reader without a privileged role does not see the panel.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { createApiApp } from '../apps/api/src/create-app.js';
import { PrismaService } from '../libs/db/prisma.service.js';
import { AcsEmulator } from './support/acs-emulator.js';
import { seedTenant, type SeededTenant } from './support/inbox-seed.js';
import { isolate } from './support/isolation.js';

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

describe('notification recipients panel in headless Chromium', () => {
  const saved = { ...process.env };
  const keyDir = mkdtempSync(join(tmpdir(), 'recipients-browser-key-'));
  const profile = mkdtempSync(join(tmpdir(), 'recipients-browser-profile-'));
  const shots = process.env.INBOX_SCREENSHOT_DIR ?? mkdtempSync(join(tmpdir(), 'recipients-screens-'));
  let app: NestExpressApplication;
  let acs: AcsEmulator;
  let base: string;
  let browser: BrowserContext;
  let A: SeededTenant;
  const problems: string[] = [];

  beforeAll(async () => {
    if (!existsSync(CHROMIUM))
      throw new Error(`no Chromium at ${CHROMIUM}: apt-get install -y chromium (see docs/toolchain.md)`);
    await isolate();
    acs = await AcsEmulator.start({ runningPolls: 1 });
    const port = await new Promise<number>((resolve) => {
      const probe = createServer().listen(0, '127.0.0.1', () => {
        const p = (probe.address() as AddressInfo).port;
        probe.close(() => resolve(p));
      });
    });
    base = `http://127.0.0.1:${port}`;
    Object.assign(process.env, {
      MAIL_TRANSPORT: 'acs',
      ACS_CONNECTION_STRING: acs.connectionString,
      ACS_POLL_INTERVAL_MS: '20',
      PUBLIC_BASE_URL: base,
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
    await app.listen(port, '127.0.0.1');
    A = await seedTenant(app.get(PrismaService), {
      contacts: (d) => [
        { email: `admin@${d}`, roles: ['GlobalAdmin'], locale: 'en-US' },
        { email: `reader@${d}`, roles: ['MessageCenterReader'], locale: 'en-US' },
      ],
    });
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
    await acs?.close();
    process.env = saved;
    rmSync(keyDir, { recursive: true, force: true });
    rmSync(profile, { recursive: true, force: true });
    process.stderr.write(`recipients browser screenshots: ${shots}\n`);
  });

  const watch = (page: Page) => {
    page.on('console', (m) => {
      if (m.type() === 'error' || m.type() === 'warning') problems.push(`console ${m.type()}: ${m.text()}`);
    });
    page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
    page.on('dialog', (d) => {
      problems.push(`dialog: ${d.message()}`);
      void d.dismiss();
    });
  };

  const signIn = async (page: Page, contact: number) => {
    const email = A.contacts[contact]!.email;
    await page.goto(`${base}/inbox/dev-login?tenant=${A.id}&email=${encodeURIComponent(email)}`);
    await page.waitForURL(`${base}/inbox`);
    await page.locator('#who-email').filter({ hasText: email }).waitFor();
  };

  it('an admin adds an address, its owner confirms it by the emailed link, the admin removes it', async () => {
    const page = await browser.newPage();
    watch(page);
    await signIn(page, 0);
    await page.locator('#recipients').waitFor({ state: 'visible' });
    await page.locator('#recipients-empty').waitFor({ state: 'visible' });

    await page.locator('#recipient-address').fill(`SOC@${A.domain}`);
    await page.locator('#recipient-locale').selectOption('fr-FR');
    await page.locator('#recipient-add').click();
    const row = page.locator('#recipient-rows tr').filter({ hasText: `soc@${A.domain}` });
    await row.waitFor();
    expect(await row.locator('td').allInnerTexts()).toEqual([
      `soc@${A.domain}`,
      'fr-FR',
      'Pending confirmation',
      'Remove',
    ]);
    expect(await page.locator('#recipient-status').innerText()).toBe(
      `We emailed a confirmation link to soc@${A.domain}.`,
    );
    await page.screenshot({ path: join(shots, 'r1-pending.png'), fullPage: true });

    // markup as an address: refused by the API, shown as text, nothing runs
    const evil = `"><img src=x onerror=alert(1)>@${A.domain}`;
    // past the browser's own type=email check, as a script would
    await page.locator('#recipient-address').evaluate((el, v) => {
      const input = el as unknown as { type: string; value: string };
      input.type = 'text';
      input.value = v;
    }, evil);
    await page.locator('#recipient-add').click();
    await page.locator('#recipient-status.error').waitFor();
    expect(await page.locator('#recipient-status').innerText()).toContain('bare address');
    expect(await page.locator('#recipients img').count()).toBe(0);
    expect(await page.locator('#recipient-rows tr').count()).toBe(1);

    // the owner follows the emailed link
    const mail = acs.messages().find((m) => m.recipients.includes(`soc@${A.domain}`))!;
    const link = /http:\/\/\S+\/inbox\/recipients\/confirm\?token=[A-Za-z0-9_-]+/.exec(mail.text ?? '')![0];
    const owner = await browser.newPage();
    watch(owner);
    await owner.goto(link);
    // the token leaves the address bar before anything is sent
    await owner.waitForURL(`${base}/inbox/recipients/confirm`);
    await owner.locator('#confirm-button').click();
    await owner.locator('#confirm-result').filter({ hasText: 'Confirmed.' }).waitFor();
    await owner.screenshot({ path: join(shots, 'r2-confirmed.png') });
    await owner.goto(link);
    await owner.locator('#confirm-button').click();
    await owner.locator('#confirm-result').filter({ hasText: 'This link is not valid.' }).waitFor();
    await owner.close();

    await page.reload();
    await row.filter({ hasText: 'Confirmed' }).waitFor();
    await page.screenshot({ path: join(shots, 'r3-confirmed-list.png'), fullPage: true });
    await row.locator('button.remove').click();
    await page.locator('#recipients-empty').waitFor({ state: 'visible' });
    expect(await page.locator('#recipient-status').innerText()).toBe(`Removed soc@${A.domain}.`);
    await page.close();
    // the browser logs the refusals' own statuses (400 for the bad address, 404 for the used link); nothing else
    expect(problems.filter((p) => !/status of (400|404) /.test(p))).toEqual([]);
  });

  it('a reader without a privileged role does not see the panel', async () => {
    problems.length = 0;
    const page = await browser.newPage();
    watch(page);
    await signIn(page, 1);
    await page.locator('#empty').waitFor({ state: 'visible' });
    await page.waitForLoadState('networkidle');
    expect(await page.locator('#recipients').isVisible()).toBe(false);
    await page.close();
    expect(problems.filter((p) => !/status of 403 /.test(p))).toEqual([]);
  });
});
