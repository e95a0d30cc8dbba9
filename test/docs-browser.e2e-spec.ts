/**
 * The API documentation at /docs and the queue dashboard at /queues in a real headless Chromium
 * (docs/toolchain.md, "Browsers"): under the Content-Security-Policy every route carries, the Swagger UI
 * still renders the document and the dashboard its queues, and the browser reports no violation
 * of the policy beyond the dashboard's third-party web fonts, which it is not allowed to load.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { chromium, type BrowserContext } from 'playwright-core';
import { createApiApp } from '../apps/api/src/create-app.js';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const OPERATOR = 'docs-browser-operator-0123456789';
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

describe('API documentation page in headless Chromium', () => {
  const saved = { ...process.env };
  const profile = mkdtempSync(join(tmpdir(), 'docs-browser-profile-'));
  let app: NestExpressApplication;
  let base: string;
  let browser: BrowserContext;

  beforeAll(async () => {
    process.env.OPERATOR_TOKENS = `alice:${OPERATOR}`;
    if (!existsSync(CHROMIUM))
      throw new Error(`no Chromium at ${CHROMIUM}: apt-get install -y chromium (see docs/toolchain.md)`);
    app = await createApiApp();
    await app.listen(0, '127.0.0.1');
    base = `http://127.0.0.1:${(app.getHttpServer().address() as AddressInfo).port}`;
    browser = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      headless: true,
      args: FLAGS,
      httpCredentials: { username: 'alice', password: OPERATOR },
    });
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await app?.close();
    process.env = saved;
    rmSync(profile, { recursive: true, force: true });
  });

  it('renders the Swagger UI with its operations under a policy that forbids framing, without a policy violation', async () => {
    const page = await browser.newPage();
    const problems: string[] = [];
    page.on('console', (m) => {
      if (m.type() === 'error') problems.push(`console ${m.type()}: ${m.text()}`);
    });
    page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
    const res = await page.goto(`${base}/docs`);
    expect(res?.status()).toBe(200);
    expect(res?.headers()['content-security-policy']).toContain("frame-ancestors 'none'");
    await page.getByText('Exposure notification service', { exact: false }).first().waitFor({ timeout: 15_000 });
    await page.locator('.opblock-summary-path', { hasText: '/v1/campaigns' }).first().waitFor({ timeout: 15_000 });
    expect(problems).toEqual([]);
    await page.close();
  }, 60_000);

  it('renders the queue dashboard with its three queues under its policy', async () => {
    const page = await browser.newPage();
    const problems: string[] = [];
    page.on('console', (m) => {
      // its stylesheet of Google web fonts is refused by design
      if (m.type() === 'error' && !/fonts\.googleapis\.com/.test(m.text()))
        problems.push(`console ${m.type()}: ${m.text()}`);
    });
    page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
    const res = await page.goto(`${base}/queues`);
    expect(res?.status()).toBe(200);
    expect(res?.headers()['content-security-policy']).toContain("frame-ancestors 'none'");
    for (const name of ['analysis', 'notices', 'emails'])
      await page.getByText(name, { exact: false }).first().waitFor({ timeout: 15_000 });
    expect(problems).toEqual([]);
    await page.close();
  }, 60_000);
});
