/**
 * The operator's console (/console) in a real headless Chromium, against the API, a worker in the
 * same process, PostgreSQL, Redis and the ACS emulator: a campaign goes from analysis to
 * completion through the console alone (an admin analyzes and resolves the review items, is
 * refused approving their own campaign, a second operator approves and launches, the console
 * follows the sending to the end with a failed delivery and its reason). Also: a wrong token is
 * refused on screen, a viewer is offered no action (and the API still refuses one), a tenant name
 * and a data set name written as markup show as text, and the page carries the strict policy.
 * With CONSOLE_SCREENSHOTS=1 each screen is saved to docs/console/.
 */
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import type { INestApplicationContext } from '@nestjs/common';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { createApiApp } from '../apps/api/src/create-app.js';
import { PAGE_CSP } from '../apps/api/src/web/web-assets.js';
import { generateWorld, type World } from './fixtures/world.js';
import { AcsEmulator } from './support/acs-emulator.js';
import { serviceContext } from './support/app.js';
import { lines } from './support/async.js';
import { isolate } from './support/isolation.js';
import { QueueModule } from '../libs/queue/queue.module.js';
import { AuditModule } from '../libs/audit/audit.module.js';
import { DirectoryModule } from '../libs/directory/directory.module.js';
import { DirectoryService } from '../libs/directory/directory.service.js';
import { ExposureModule } from '../libs/exposure/exposure.module.js';
import { IngestService } from '../libs/exposure/ingest.service.js';
import { CampaignsService } from '../libs/campaigns/campaigns.service.js';
import { ProcessorsModule } from '../libs/jobs/processors.module.js';
import { PrismaService } from '../libs/db/prisma.service.js';

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
const TOKENS = { alice: 'alice-console-token-0123', bob: 'bob-console-token-456789', vera: 'vera-console-token-98765' };
const HOSTILE_TENANT = '<img src=x onerror="window.__pwned=1">Fabrikam & Sons';
const HOSTILE_DATASET = '<script>window.__pwned=2</script>exposure.jsonl';
/** The page's globals that the test reads inside page.evaluate (the project compiles without the DOM library). */
interface PageGlobals {
  sessionStorage: { length: number; getItem(key: string): string | null };
  document: { querySelectorAll(selector: string): { length: number }; querySelector(selector: string): unknown };
  __pwned?: number;
}
const SCREENSHOTS = process.env.CONSOLE_SCREENSHOTS === '1' ? join(process.cwd(), 'docs', 'console') : null;

/**
 * Three records that name only a company two tenants of the directory share: three review items
 * of one group, which the console settles at once.
 */
function sharedNameRecords(world: World): string[] {
  const ours = world.operatorDomains[0]!;
  return [1, 2, 3].map((n) =>
    JSON.stringify({
      recordId: `SHARED-${n}`,
      kind: 'email',
      subject: `Shared name ${n}`,
      from: `ops${n}@${ours}`,
      to: [`desk@${ours}`],
      body: `Meeting notes number ${n} about the rollout plan.`,
      companies: ['Northwind Traders'],
    }),
  );
}

describe('operator console in headless Chromium', () => {
  const saved = { ...process.env };
  const profile = mkdtempSync(join(tmpdir(), 'console-browser-profile-'));
  let api: NestExpressApplication;
  let worker: INestApplicationContext;
  let acs: AcsEmulator;
  let world: World;
  let base: string;
  let browser: BrowserContext;
  let campaignId: string;
  let prisma: PrismaService;
  const problems: string[] = [];

  const shot = async (page: Page, name: string) => {
    if (!SCREENSHOTS) return;
    // the saved pictures show the screen as it settled, not a poll half-drawn
    await page.waitForLoadState('networkidle');
    await page.screenshot({ path: join(SCREENSHOTS, `${name}.png`), fullPage: true });
  };

  beforeAll(async () => {
    if (!existsSync(CHROMIUM))
      throw new Error(`no Chromium at ${CHROMIUM}: apt-get install -y chromium (see docs/toolchain.md)`);
    if (SCREENSHOTS) mkdirSync(SCREENSHOTS, { recursive: true });
    await isolate();
    acs = await AcsEmulator.start({ runningPolls: 1 });
    world = generateWorld({ seed: 21, tenants: 16 });
    const port = await new Promise<number>((resolve) => {
      const probe = createServer().listen(0, '127.0.0.1', () => {
        const p = (probe.address() as AddressInfo).port;
        probe.close(() => resolve(p));
      });
    });
    base = `http://127.0.0.1:${port}`;
    Object.assign(process.env, {
      OPERATOR_TOKENS: Object.entries(TOKENS)
        .map(([name, token]) => `${name}:${token}`)
        .join(','),
      OPERATOR_ROLES: 'alice:admin,bob:approver+sender,vera:viewer',
      ALLOW_SELF_APPROVAL: 'false',
      OPERATOR_DOMAINS: world.operatorDomains.join(','),
      MAIL_TRANSPORT: 'acs',
      ACS_CONNECTION_STRING: acs.connectionString,
      ACS_POLL_INTERVAL_MS: '20',
      MAIL_RATE_PER_MINUTE: '100000',
      PUBLIC_BASE_URL: base,
    });
    api = await createApiApp();
    await api.listen(port, '127.0.0.1');
    worker = await serviceContext(QueueModule, AuditModule, DirectoryModule, ExposureModule, ProcessorsModule);
    prisma = worker.get(PrismaService);

    // one affected tenant's name is markup: the console must show it as text
    const affected = Object.entries(world.truth.tenants).find(([, t]) => t.expected === 'affected')![0];
    const tenantLines = world.tenantLines.map((line) => {
      // the directory holds garbage lines on purpose: those stay as they are
      if (!line.includes(`"tenantId":"${affected}"`)) return line;
      return JSON.stringify({ ...(JSON.parse(line) as object), name: HOSTILE_TENANT });
    });
    await worker.get(DirectoryService).importTenants(lines(tenantLines));
    const ds = await worker.get(IngestService).ingest({
      stream: Readable.from([Buffer.from([...world.exposureLines, ...sharedNameRecords(world)].join('\n'))]),
      name: HOSTILE_DATASET,
      format: 'jsonl',
    });
    const c = await worker.get(CampaignsService).create(
      {
        datasetId: ds.datasetId,
        title: 'Storage endpoint exposure',
        supportUrl: 'https://support.example.com',
        supportEmail: 'privacy@cloudprovider.com',
        respondBy: '2026-12-31',
      },
      'alice',
    );
    campaignId = c.id;
    browser = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      headless: true,
      args: FLAGS,
      viewport: { width: 1280, height: 900 },
    });
  }, 180_000);

  afterAll(async () => {
    await browser?.close();
    await api?.close();
    await worker?.close();
    await acs?.close();
    process.env = saved;
    rmSync(profile, { recursive: true, force: true });
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

  const signIn = async (page: Page, name: keyof typeof TOKENS) => {
    await page.goto(`${base}/console`);
    await page.locator('#token-input').fill(TOKENS[name]);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.locator('#who-name').filter({ hasText: name }).waitFor();
  };

  const openCampaign = async (page: Page) => {
    await page.getByRole('link', { name: 'Campaigns', exact: true }).click();
    await page.getByRole('link', { name: 'Storage endpoint exposure' }).click();
    await page.locator('#campaign-status').waitFor();
  };

  const status = (page: Page, words: string) => page.locator('#campaign-status').filter({ hasText: words }).waitFor();

  it('serves the page and its files under the strict policy, with no inline code', async () => {
    const res = await fetch(`${base}/console`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-security-policy')).toBe(PAGE_CSP);
    expect(res.headers.get('x-frame-options')).toBe('DENY');
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    expect(res.headers.get('referrer-policy')).toBe('no-referrer');
    expect(res.headers.get('cache-control')).toBe('no-store');
    expect(res.headers.get('cross-origin-opener-policy')).toBe('same-origin');
    const html = await res.text();
    expect(html).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/i);
    const js = await fetch(`${base}/console/assets/console.js`);
    expect(js.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    expect(js.headers.get('cross-origin-resource-policy')).toBe('same-origin');
    expect((await fetch(`${base}/console/assets/..%2Fconsole.html`)).status).toBe(404);
    expect((await fetch(`${base}/console/assets/app.js`)).status).toBe(404);
  });

  it('refuses a wrong token on screen with the API reason, and keeps nothing of it', async () => {
    const page = await browser.newPage();
    watch(page);
    await page.goto(`${base}/console`);
    await page.locator('#token-input').fill('not-an-operator-token');
    await shot(page, '01-sign-in');
    await page.getByRole('button', { name: 'Sign in' }).click();
    const refused = page.locator('#sign-in-error');
    await refused.waitFor({ state: 'visible' });
    expect(await refused.innerText()).toBe(
      'Sign-in refused: operator token required. Check that you pasted the whole token; if it still fails, ask whoever runs the service for a new one.',
    );
    expect(await page.evaluate(() => (globalThis as unknown as PageGlobals).sessionStorage.length)).toBe(0);
    expect(await page.locator('#view').isVisible()).toBe(false);
    await shot(page, '02-wrong-token');
    // a token kept from earlier that the API no longer takes: the same refusal, and it is forgotten
    await page.evaluate(() =>
      (globalThis as unknown as { sessionStorage: { setItem(k: string, v: string): void } }).sessionStorage.setItem(
        'console.token',
        'revoked-operator-token',
      ),
    );
    await page.reload();
    await refused.filter({ hasText: 'Sign-in refused: operator token required' }).waitFor();
    expect(await page.evaluate(() => (globalThis as unknown as PageGlobals).sessionStorage.length)).toBe(0);
    await page.close();
    expect(problems.filter((p) => !/status of 401 /.test(p))).toEqual([]);
    problems.length = 0;
  });

  it('takes a campaign from analysis to completion through the console alone', async () => {
    const page = await browser.newPage();
    watch(page);
    await signIn(page, 'alice');
    expect(await page.locator('#who-roles').innerText()).toBe('roles: viewer, reviewer, approver, sender, admin');
    await page.locator('#screen-title').filter({ hasText: 'Campaigns' }).waitFor();
    await openCampaign(page);
    await status(page, 'Draft');
    await shot(page, '03-campaign-draft');

    await page.locator('#action-analyze').click();
    // the poll sees the analysis finish and draws the decisions
    await status(page, 'Analyzed: waiting for approval');
    await page.getByRole('heading', { name: 'Decisions' }).waitFor();
    const hostileRow = page.locator('tr').filter({ hasText: 'Fabrikam & Sons' });
    await hostileRow.waitFor();
    expect(await hostileRow.locator('td').first().innerText()).toBe(HOSTILE_TENANT);
    await shot(page, '04-campaign-analyzed');

    // the review queue: every item resolved at the console
    const open = Number(await page.locator('#count-open-review').innerText());
    expect(open).toBeGreaterThan(0);
    await page.getByRole('link', { name: 'Open the review queue' }).click();
    await page.locator('#review-items').waitFor();
    expect(await page.locator('#review-items article').count()).toBe(open);
    await shot(page, '05-review-queue');
    const forms = page.locator('#review-items form.resolve');
    expect(await forms.count()).toBe(open);
    // the shared company name: its items decided at once, as a group
    const grouped = page.locator('#review-items form.resolve:has(input.group)');
    const groupLabel = await grouped.first().locator('label:has-text("Decide all")').innerText();
    const groupSize = Number(/Decide all (\d+) /.exec(groupLabel)![1]);
    expect(groupSize).toBeGreaterThanOrEqual(3);
    expect(await grouped.count()).toBe(groupSize);
    // the evidence of an item: its record as exposed and what speaks for and against each candidate
    const firstItem = page.locator('#review-items article').first();
    await firstItem.getByRole('button', { name: 'Show the records and the evidence' }).click();
    await firstItem.locator('.record-evidence').first().waitFor();
    expect(await firstItem.locator('.candidate-evidence').count()).toBeGreaterThanOrEqual(1);
    expect(await firstItem.locator('.candidate-evidence').first().innerText()).toMatch(
      /company name .* \(raised for review\)/,
    );
    expect(await firstItem.locator('.record-evidence h4').first().innerText()).toMatch(/^Record \S+/);
    await shot(page, '05b-review-evidence');
    // a decision without a reason is not sent: the reason is recorded with it
    await grouped.first().getByLabel('None of these tenants (nobody is notified for it)').check();
    await grouped.first().locator('input.group').check();
    await grouped.first().getByRole('button', { name: 'Resolve' }).click();
    // the browser holds the form back: the reason box is required
    expect(
      await grouped
        .first()
        .getByLabel('Why this decision (recorded with it)')
        .evaluate((box) => (box as unknown as { validity: { valueMissing: boolean } }).validity.valueMissing),
    ).toBe(true);
    expect(await grouped.count()).toBe(groupSize);
    await grouped
      .first()
      .getByLabel('Why this decision (recorded with it)')
      .fill('a name several tenants share, nothing more');
    await grouped.first().getByRole('button', { name: 'Resolve' }).click();
    await page
      .locator('#notice')
      .filter({ hasText: `Resolved ${groupSize} items.` })
      .waitFor();
    // the notice comes before the queue is drawn again: wait for the drawing
    await page.waitForFunction(
      (n) =>
        (globalThis as unknown as PageGlobals).document.querySelectorAll('#review-items form.resolve').length === n,
      open - groupSize,
    );
    expect(await grouped.count()).toBe(0);
    for (let left = await forms.count(); left > 0; left = await forms.count()) {
      const form = forms.first();
      await form.getByLabel('None of these tenants (nobody is notified for it)').check();
      await form.getByLabel('Why this decision (recorded with it)').fill('no tenant is named strongly');
      await form.getByRole('button', { name: 'Resolve' }).click();
      await page.waitForFunction(
        (n) =>
          (globalThis as unknown as PageGlobals).document.querySelectorAll('#review-items form.resolve').length < n ||
          !!(globalThis as unknown as PageGlobals).document.querySelector('.resolve .error:not([hidden])'),
        left,
      );
      expect(await page.locator('.resolve .error:not([hidden])').count()).toBe(0);
    }
    await page.locator('#review-summary').filter({ hasText: 'Every item is decided.' }).waitFor();
    expect(await page.locator('#review-items article').count()).toBe(open);
    expect(await page.locator('#review-items h3').allInnerTexts()).toEqual(
      Array.from({ length: open }, (_, i) => `Item ${i + 1} (decided)`),
    );
    expect(await page.locator('#review-items').innerText()).toContain('none of the tenants, by alice');
    expect(await page.locator('#review-items').innerText()).toContain('a name several tenants share, nothing more');
    await shot(page, '06-review-resolved');

    // four eyes: the creator's approval is refused, with the API's reason
    await page.getByRole('link', { name: 'Back to the campaign' }).click();
    await status(page, 'Analyzed: waiting for approval');
    expect(await page.locator('#count-open-review').innerText()).toBe('0');
    expect(await page.locator('#four-eyes-hint').innerText()).toBe(
      'You created this campaign: another operator with the approver role must approve it.',
    );
    await page.locator('#action-approve').click();
    const refusal = page.locator('#action-error');
    await refusal.waitFor({ state: 'visible' });
    expect(await refusal.innerText()).toMatch(
      /^Approve was refused: the approver must be another operator than the one who created the campaign/,
    );
    await shot(page, '07-four-eyes-refusal');
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.locator('#sign-in').waitFor({ state: 'visible' });
    expect(await page.evaluate(() => (globalThis as unknown as PageGlobals).sessionStorage.length)).toBe(0);

    // one admin's email fails for good: the console shows it with its reason
    const decisions = await prisma.tenantDecision.findMany({ where: { campaignId, decision: 'affected' } });
    const affected = new Set(decisions.map((d) => d.tenantId));
    const contacts = (await prisma.tenantContact.findMany()).filter(
      (c) => affected.has(c.tenantId) && c.roles.some((r) => ['GlobalAdmin', 'PrivacyReader'].includes(r)),
    );
    const bounced = contacts[0]!.email;
    acs.failAddresses([bounced]);

    // a second operator approves and launches
    await signIn(page, 'bob');
    await openCampaign(page);
    expect(await page.locator('#actions button').allInnerTexts()).toEqual(['Approve', 'Cancel campaign']);
    await page.locator('#action-approve').click();
    await status(page, 'Approved: ready to launch');
    expect(await page.locator('#notice').innerText()).toBe('Approved.');
    await page.locator('#action-launch').click();
    await status(page, 'Completed');
    await page
      .locator('#notices-posted')
      .filter({ hasText: `${affected.size} of ${affected.size}` })
      .waitFor();
    const failedRow = page.locator('tr').filter({ hasText: bounced });
    await failedRow.waitFor();
    expect(await failedRow.innerText()).toContain('suppressed or rejected');
    expect(await page.locator('#progress-text').innerText()).toMatch(/^100% /);
    expect(await page.locator('#actions button').count()).toBe(0);
    await shot(page, '08-campaign-completed');

    expect(await prisma.notice.count({ where: { campaignId } })).toBe(affected.size);
    expect(await page.evaluate(() => (globalThis as unknown as PageGlobals).__pwned)).toBeUndefined();
    expect(await page.locator('#view img, #view script').count()).toBe(0);
    await page.close();
    // the refusal answered 409; nothing else went wrong in the page
    expect(problems.filter((p) => !/status of 409 /.test(p))).toEqual([]);
    problems.length = 0;
  }, 240_000);

  it('shows the incidents and data sets, with markup in names shown as text', async () => {
    const page = await browser.newPage();
    watch(page);
    await signIn(page, 'vera');
    await page.getByRole('link', { name: 'Incidents', exact: true }).click();
    await page.locator('#screen-title').filter({ hasText: 'Incidents' }).waitFor();
    await shot(page, '09-incidents');
    await page.getByRole('link', { name: 'Storage endpoint exposure' }).click();
    await page.getByRole('heading', { name: 'Notice words' }).waitFor();
    expect(await page.locator('#view').innerText()).toContain('en-US');
    await page.getByRole('link', { name: HOSTILE_DATASET }).waitFor();
    await shot(page, '10-incident');

    await page.getByRole('link', { name: 'Data sets', exact: true }).click();
    await page.getByRole('link', { name: HOSTILE_DATASET }).click();
    await page.getByRole('heading', { name: HOSTILE_DATASET }).waitFor();
    await page.getByRole('heading', { name: 'Scope report' }).waitFor();
    const quarantined = await prisma.quarantinedLine.findMany({ orderBy: { line: 'asc' } });
    expect(quarantined.length).toBeGreaterThan(0);
    const rows = page.locator('table:has(caption:text("Quarantined lines")) tbody tr');
    expect(await rows.count()).toBe(quarantined.length);
    expect(await rows.first().locator('td').allInnerTexts()).toEqual([
      String(quarantined[0]!.upload),
      String(quarantined[0]!.line),
      quarantined[0]!.reason,
    ]);
    await shot(page, '11-dataset');
    await page.getByRole('link', { name: 'Data sets', exact: true }).click();
    await page.getByRole('link', { name: HOSTILE_DATASET }).waitFor();
    await shot(page, '12-datasets');
    expect(await page.evaluate(() => (globalThis as unknown as PageGlobals).__pwned)).toBeUndefined();
    expect(await page.locator('#view img, #view script').count()).toBe(0);
    await page.close();
    expect(problems).toEqual([]);
  });

  it('shows the refusal of an id written as markup in the address as text, and runs nothing', async () => {
    const page = await browser.newPage();
    watch(page);
    await signIn(page, 'vera');
    for (const screen of ['campaigns', 'datasets', 'incidents']) {
      const hostile = `<img src=x onerror="window.__pwned=3">`;
      await page.goto(`${base}/console#/${screen}/${encodeURIComponent(hostile)}`);
      const error = page.locator('#error');
      await error.waitFor({ state: 'visible' });
      expect(await error.innerText()).toMatch(/must be a GUID|not found/);
      expect(await page.locator('img').count()).toBe(0);
    }
    // a path out of the screen's own route is an id like any other, encoded into it
    await page.goto(`${base}/console#/campaigns/..%2F..%2Foperators%2Fme`);
    await page.locator('#error').waitFor({ state: 'visible' });
    expect(await page.locator('#error').innerText()).toMatch(/must be a GUID/);
    expect(await page.evaluate(() => (globalThis as unknown as PageGlobals).__pwned)).toBeUndefined();
    await page.close();
    expect(problems.filter((p) => !/status of 400 /.test(p))).toEqual([]);
    problems.length = 0;
  });

  it('shows fields a newer API adds to review items, generically and as text', async () => {
    const page = await browser.newPage();
    watch(page);
    // the real answer with the fields an enriched review item may carry (record content, evidence)
    await page.route('**/v1/reviews?*', async (route) => {
      const res = await route.fetch();
      const body = (await res.json()) as { items: Record<string, unknown>[] };
      for (const item of body.items) {
        item.records = [{ recordId: 'R1', subject: '<img src=x onerror="window.__pwned=4">Invoice', sizeBytes: 2048 }];
        item.evidence = [{ kind: 'companyName', text: '<b>Northwind</b> Traders', weight: 'weak' }];
        item.reviewedTwice = false;
      }
      await route.fulfill({ response: res, json: body });
    });
    await signIn(page, 'vera');
    await page.goto(`${base}/console#/campaigns/${campaignId}/review`);
    const first = page.locator('#review-items article').first();
    await first.waitFor();
    await first.getByRole('heading', { name: 'More about this item' }).waitFor();
    const text = await first.innerText();
    expect(text).toContain('<img src=x onerror="window.__pwned=4">Invoice');
    expect(text).toContain('<b>Northwind</b> Traders');
    expect(text).toMatch(/Size bytes\s+2048/);
    expect(text).toMatch(/Reviewed twice\s+false/);
    expect(await page.locator('#view img, #view b').count()).toBe(0);
    expect(await page.evaluate(() => (globalThis as unknown as PageGlobals).__pwned)).toBeUndefined();
    await page.close();
    expect(problems).toEqual([]);
  });

  it('offers a viewer no action, and the API still refuses one', async () => {
    const page = await browser.newPage();
    watch(page);
    await signIn(page, 'vera');
    expect(await page.locator('#who-roles').innerText()).toBe('roles: viewer');
    await page.locator('#screen-title').filter({ hasText: 'Campaigns' }).waitFor();
    await shot(page, '13-campaigns');
    await openCampaign(page);
    await page.locator('#no-actions').waitFor();
    // keyboard and screen reader users land on the screen's heading
    expect(
      await page.evaluate(
        () =>
          (globalThis as unknown as { document: { activeElement: { id: string } | null } }).document.activeElement?.id,
      ),
    ).toBe('screen-title');
    expect(await page.locator('#actions button').count()).toBe(0);
    await page.getByRole('link', { name: 'Open the review queue' }).click();
    await page.locator('#review-readonly').waitFor();
    await page.locator('#review-items article').first().waitFor();
    expect(await page.locator('#review-items form, #review-items button').count()).toBe(0);
    await shot(page, '14-viewer-review');
    // what the page does not offer, the API refuses anyway
    const answer = await page.evaluate(async (id) => {
      const res = await fetch(`/v1/campaigns/${id}/cancel`, {
        method: 'POST',
        headers: {
          Authorization: `Bearer ${(globalThis as unknown as PageGlobals).sessionStorage.getItem('console.token')}`,
        },
      });
      return { status: res.status, body: await res.json() };
    }, campaignId);
    expect(answer).toEqual({
      status: 403,
      body: { error: { code: 'forbidden', message: 'operator vera lacks role sender' } },
    });
    await page.close();
    expect(problems.filter((p) => !/status of 403 /.test(p))).toEqual([]);
  });
});
