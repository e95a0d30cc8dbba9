/**
 * Hostile template values: a campaign whose title, support URL, phone and address and
 * whose tenants' names carry template syntax (`{{constructor}}`), markup (`<script>`, event
 * handlers) and `javascript:` URLs is sent end to end; every stored notice and every email holds
 * them as inert text: nothing evaluated, no markup of ours that runs, no link that is not http(s),
 * mailto or tel. The values are written straight into the database, past the API's validation,
 * so the renderer itself is what is tested.
 */
import type { INestApplicationContext } from '@nestjs/common';
import { AcsEmulator } from '../support/acs-emulator.js';
import { CampaignLauncher } from '../../libs/campaigns/campaign-launcher.js';
import { CampaignStatusView } from '../../libs/campaigns/campaign-status.js';
import { DispatchReconciler } from '../../libs/campaigns/dispatch-reconciler.js';
import { CampaignsService } from '../../libs/campaigns/campaigns.service.js';
import {
  createScenarioDatabase,
  dropQueues,
  ensureWorkerBuilt,
  exactlyOnce,
  operatorContext,
  queuePrefix,
  seedCampaign,
  startWorker,
  until,
  workerEnv,
  type ScenarioDatabase,
  type SeededCampaign,
  type ServiceEnv,
  type WorkerProcess,
} from '../faults/harness.js';

const TEMPLATE =
  '{{constructor}} {{constructor.constructor "return process"}} {{#each this}}{{@key}}{{/each}} {{> layout}}';
const MARKUP = '<script>alert(1)</script><img src=x onerror=alert(2)><a href="javascript:alert(3)">x</a>';
const HOSTILE = {
  title: `${TEMPLATE} ${MARKUP}`,
  supportUrl: 'javascript:alert(document.cookie)//https://support.example.com',
  supportPhone: `<svg onload=alert(4)>${TEMPLATE}`,
  supportEmail: `"><script>alert(5)</script>@evil.example`,
};
const HOSTILE_HTTPS = {
  title: 'Data privacy notice </title><script>alert(6)</script>',
  supportUrl: 'https://support.example.com/?q="><script>alert(7)</script>&x=\'onmouseover=alert(8)',
  supportPhone: 'tel:+1 425 555 0100"><b>',
  supportEmail: 'privacy@cloudprovider.example?subject=<script>',
};

/** What must never appear in rendered HTML: evaluated templates, live markup, unsafe links. */
function problemsOfHtml(html: string): string[] {
  const out: string[] = [];
  if (/<script/i.test(html)) out.push('a <script> element');
  if (/<(img|svg|iframe|object|embed)\b/i.test(html)) out.push('an injected element');
  if (/<[^>]*\son[a-z]+\s*=/i.test(html)) out.push('an event handler attribute');
  for (const m of html.matchAll(/\s(?:href|src|action|formaction)\s*=\s*("([^"]*)"|'([^']*)'|([^\s>]+))/gi)) {
    const v = (m[2] ?? m[3] ?? m[4] ?? '').replace(/&#x?[0-9a-f]+;|&[a-z]+;/gi, (e) => decodeEntity(e)).trim();
    if (!/^(https?:\/\/|mailto:|tel:|#|\/)/i.test(v)) out.push(`a link to ${JSON.stringify(v)}`);
  }
  return [...out, ...problemsOfText(html)];
}

/** Signs that a value was evaluated instead of printed. */
function problemsOfText(text: string): string[] {
  const out: string[] = [];
  if (/function Object\(\)|\[native code\]|\[object Object\]|function Function\(\)/.test(text))
    out.push('an evaluated template expression');
  return out;
}

function decodeEntity(e: string): string {
  const named: Record<string, string> = {
    '&amp;': '&',
    '&lt;': '<',
    '&gt;': '>',
    '&quot;': '"',
    '&#39;': "'",
    '&apos;': "'",
    '&colon;': ':',
  };
  if (named[e.toLowerCase()]) return named[e.toLowerCase()]!;
  const hex = /^&#x([0-9a-f]+);$/i.exec(e);
  if (hex) return String.fromCodePoint(parseInt(hex[1]!, 16));
  const dec = /^&#(\d+);$/.exec(e);
  return dec ? String.fromCodePoint(Number(dec[1])) : e;
}

describe('hostile template values render inert', () => {
  let db: ScenarioDatabase;
  let acs: AcsEmulator;
  let app: INestApplicationContext;
  let env: ServiceEnv;
  let worker: WorkerProcess;
  const campaigns: SeededCampaign[] = [];

  beforeAll(async () => {
    await ensureWorkerBuilt();
    db = await createScenarioDatabase('inert');
    acs = await AcsEmulator.start({ runningPolls: 1 });
    env = {
      DATABASE_URL: db.url,
      REDIS_URL: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379',
      QUEUE_PREFIX: queuePrefix('inert'),
      ACS_CONNECTION_STRING: acs.connectionString,
      MAIL_RATE_PER_MINUTE: '100000',
    };
    for (const [k, values] of [HOSTILE, HOSTILE_HTTPS].entries()) {
      campaigns.push(
        await seedCampaign(db.pool, {
          tenants: 8,
          seed: 40 + k,
          affectedShare: 0.9,
          ...values,
          tenantName: (i) => `${TEMPLATE} ${MARKUP} Tenant ${i}`,
        }),
      );
    }
    app = await operatorContext(env);
    worker = await startWorker(workerEnv(env), 'worker');
  }, 180_000);

  afterAll(async () => {
    await worker?.stop('SIGKILL');
    await app?.close();
    await acs?.close();
    if (env) await dropQueues(env.REDIS_URL, env.QUEUE_PREFIX);
    await db?.drop();
  });

  it('the checks below catch what they look for', () => {
    expect(
      problemsOfHtml('<p>ok <a href="https://x.example/?a=1&amp;b=2">x</a> <a href="mailto:a@b.example">m</a></p>'),
    ).toEqual([]);
    for (const bad of [
      '<script>x</script>',
      '<img src=x>',
      '<p onclick="x()">',
      '<a href="javascript:alert(1)">',
      "<a href='jav&#x61;script:x'>",
      '<a href=data:text/html,x>',
      '<p>function Object() { [native code] }</p>',
    ]) {
      expect(problemsOfHtml(bad)).not.toEqual([]);
    }
  });

  it('the operator API path refuses a javascript: support URL outright', async () => {
    const ds = await db.pool.query<{ dataset_id: string }>('SELECT dataset_id FROM campaigns WHERE id = $1', [
      campaigns[0]!.campaignId,
    ]);
    await expect(
      app
        .get(CampaignsService)
        .create({ datasetId: ds.rows[0]!.dataset_id, supportUrl: 'javascript:alert(1)' }, 'mallory'),
    ).rejects.toThrow(/support URL/);
  });

  it('sends both campaigns, and every stored notice and email holds the values as inert text', async () => {
    const launcher = app.get(CampaignLauncher);
    const reconciler = app.get(DispatchReconciler);
    const statusView = app.get(CampaignStatusView);
    // the launch check refuses the javascript: link and the address that is none, with reasons
    await expect(launcher.launch(campaigns[0]!.campaignId, 'fault-operator')).rejects.toThrow(
      /nothing was sent: .*support URL .* is not an absolute http\(s\) link.*support email .* is not an email address/,
    );
    const second = await launcher.launch(campaigns[1]!.campaignId, 'fault-operator').then(
      () => null,
      (e: Error) => e.message,
    );
    // past that check (values changed in the database after the launch): the renderer alone
    for (const [i, c] of campaigns.entries()) {
      if (i === 1 && second === null) continue;
      await db.pool.query(
        `UPDATE campaigns SET status = 'sending', started_at = now(), updated_at = now() WHERE id = $1`,
        [c.campaignId],
      );
      await reconciler.reconcile(c.campaignId);
    }
    for (const c of campaigns) {
      await until(
        `campaign ${c.campaignId}`,
        async () => (await statusView.status(c.campaignId)).status === 'completed',
        120_000,
        250,
      );
    }

    const notices = await db.pool.query<{ id: string; title: string; body_html: string; details: unknown }>(
      'SELECT id, title, body_html, details FROM notices WHERE campaign_id = ANY($1::uuid[])',
      [campaigns.map((c) => c.campaignId)],
    );
    expect(notices.rows.length).toBe(campaigns.reduce((s, c) => s + c.affectedTenants.length, 0));
    const problems: string[] = [];
    for (const n of notices.rows) {
      for (const p of problemsOfHtml(n.body_html)) problems.push(`notice ${n.id} body: ${p}`);
      // the title is plain text: no markup at all, nothing evaluated
      if (/<[a-z/!]/i.test(n.title)) problems.push(`notice ${n.id} title holds markup: ${n.title}`);
      for (const p of problemsOfText(`${n.title} ${JSON.stringify(n.details)}`)) problems.push(`notice ${n.id}: ${p}`);
      // the values are there, as text: printed, not dropped and not evaluated
      expect(n.body_html).toMatch(/\{\{constructor\}\}|&#x7B;&#x7B;constructor|&#123;&#123;constructor/);
    }
    const messages = acs.messages();
    expect(messages.length).toBe(campaigns.reduce((s, c) => s + c.expectedRecipients.size, 0));
    for (const m of messages) {
      for (const p of problemsOfHtml(m.html ?? '')) problems.push(`email to ${m.recipients[0]} html: ${p}`);
      for (const p of problemsOfText(`${m.subject} ${m.text}`)) problems.push(`email to ${m.recipients[0]} text: ${p}`);
      if (/javascript:/i.test(m.text ?? '') && !/javascript:alert\(document\.cookie\)/.test(m.text ?? ''))
        problems.push(`email to ${m.recipients[0]} text has a javascript: link`);
      if (/<script/i.test(m.subject)) problems.push(`email to ${m.recipients[0]}: markup in the subject`);
    }
    expect(problems).toEqual([]);
    // the unsafe support URL is shown (so the operator's mistake is visible) but never linked
    const first = notices.rows.find((n) => n.body_html.includes('alert(document.cookie)'));
    expect(first).toBeDefined();
    expect(await exactlyOnce(db.pool, acs, campaigns)).toMatchObject({ ok: true });
  }, 200_000);
});
