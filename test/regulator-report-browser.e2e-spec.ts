/**
 * The draft notification's printable page in headless Chromium: served by the API under its own
 * Content-Security-Policy, and opened on its own (as a saved file) under the policy it declares,
 * its stylesheet applies with no policy violation, nothing the operator's words hold runs or
 * links anywhere but http(s) and mailto, and it prints.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { createApiApp } from '../apps/api/src/create-app.js';
import { IncidentsService } from '../libs/incidents/incidents.service.js';
import { isolate } from './support/isolation.js';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const FLAGS = ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking'];
const ALICE = 'alice-token-0123456789';

const HOSTILE = {
  summary: "<script>window.pwned = 'summary'</script> **bold** <img src=x onerror=\"window.pwned='img'\">",
  consequences: '[click](javascript:window.pwned=1) <style>body{display:none}</style>',
  measures: '- <iframe src="https://evil.example"></iframe>\n- [ok](https://support.example.com)',
  actions: '<a href="javascript:window.pwned=2">x</a>',
  contact: '<dpo@example.com>',
};

describe('the draft notification page in headless Chromium', () => {
  const saved = { ...process.env };
  const profile = mkdtempSync(join(tmpdir(), 'regulator-browser-'));
  let app: NestExpressApplication;
  let base: string;
  let browser: BrowserContext;
  let incidentId: string;
  const problems: string[] = [];

  beforeAll(async () => {
    if (!existsSync(CHROMIUM))
      throw new Error(`no Chromium at ${CHROMIUM}: apt-get install -y chromium (see docs/toolchain.md)`);
    await isolate();
    Object.assign(process.env, { OPERATOR_TOKENS: `alice:${ALICE}`, OPERATOR_ROLES: 'alice:admin' });
    app = await createApiApp();
    await app.listen(0, '127.0.0.1');
    base = `http://127.0.0.1:${(app.getHttpServer().address() as AddressInfo).port}`;
    const incidents = app.get(IncidentsService);
    incidentId = (await incidents.create({ title: 'Open <b>endpoint</b>', awareAt: '2026-11-01T08:00:00Z' }, 'alice'))
      .incidentId;
    await incidents.writeText(incidentId, 'en-US', HOSTILE, 'alice');
    browser = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      headless: true,
      args: FLAGS,
      extraHTTPHeaders: { Authorization: `Bearer ${ALICE}` },
    });
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await app?.close();
    process.env = saved;
    rmSync(profile, { recursive: true, force: true });
  });

  const watch = (page: Page) => {
    page.on('console', (m) => {
      if (m.type() === 'error' || m.type() === 'warning') problems.push(`console ${m.type()}: ${m.text()}`);
    });
    page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  };

  /** What the page shows and whether anything ran (evaluated in the page: the tests compile without the DOM's types). */
  const inspect = (page: Page) =>
    page.evaluate<{
      pwned: unknown;
      title: string;
      quoteBorder: string;
      mainWidth: string;
      hrefs: (string | null)[];
      scripts: number;
      frames: number;
      headings: string[];
    }>(`({
      pwned: window.pwned ?? null,
      title: document.title,
      quoteBorder: getComputedStyle(document.querySelector('blockquote')).borderLeftWidth,
      mainWidth: getComputedStyle(document.querySelector('main')).maxWidth,
      hrefs: [...document.querySelectorAll('a')].map((a) => a.getAttribute('href')),
      scripts: document.scripts.length,
      frames: document.querySelectorAll('iframe, img, object, embed').length,
      headings: [...document.querySelectorAll('h2')].map((h) => h.textContent),
    })`);

  it('serves the page under its own policy: the stylesheet applies, nothing in the words runs, no violation', async () => {
    const page = await browser.newPage();
    watch(page);
    const res = await page.goto(`${base}/v1/incidents/${incidentId}/report?format=html`);
    expect(res!.status()).toBe(200);
    const seen = await inspect(page);
    expect(seen).toMatchObject({
      pwned: null,
      title: 'Draft notification: Open <b>endpoint</b>',
      quoteBorder: '4px',
      mainWidth: '768px',
      scripts: 0,
      frames: 0,
    });
    expect(seen.hrefs).toEqual(['mailto:dpo@example.com', 'https://support.example.com']);
    expect(seen.headings).toContain('4. Measures taken or proposed (Art. 33(3)(d))');
    expect(await page.locator('main').innerText()).toContain("<script>window.pwned = 'summary'</script>");
    const pdf = await page.pdf({ format: 'A4' });
    expect(pdf.subarray(0, 5).toString()).toBe('%PDF-');
    await page.close();
    expect(problems).toEqual([]);
  });

  it('keeps to the policy it declares when opened on its own, as a saved version', async () => {
    const stored = await app.get(IncidentsService).report(incidentId, 1);
    const page = await browser.newPage();
    watch(page);
    await page.setContent(stored.content, { waitUntil: 'load' });
    const seen = await inspect(page);
    expect(seen).toMatchObject({ pwned: null, quoteBorder: '4px', scripts: 0, frames: 0 });
    // the declared policy is in force: an inline style the page did not bring is refused
    const refused = await page.evaluate<string>(`(() => {
      const s = document.createElement('style');
      s.textContent = 'main{max-width:10px}';
      document.head.appendChild(s);
      return getComputedStyle(document.querySelector('main')).maxWidth;
    })()`);
    expect(refused).toBe('768px');
    await page.close();
    // that refusal is the one violation reported
    expect(problems.filter((p) => !/Content Security Policy/.test(p))).toEqual([]);
  });
});
