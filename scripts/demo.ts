/**
 * `npm run demo`: the whole job on a generated sample world, on this machine's defaults — what a
 * new operator runs first. Database set-up, tenant import, ingestion with the scope report,
 * analysis with the decision summary, approval (automatic here, and only here), launch with live
 * progress, and the final status; then the API stays up and the addresses to look at are printed.
 *
 *   --tenants N     size of the sample world (default 60)
 *   --seed S        its seed (default 1)
 *   --no-serve      stop after the campaign instead of serving the API
 */
import 'reflect-metadata';
import { mkdir, writeFile } from 'node:fs/promises';
import { createReadStream } from 'node:fs';
import { resolve } from 'node:path';
import { NestFactory } from '@nestjs/core';
import { generateWorld } from '../libs/sample-world/world.js';
import { ConfigError, loadConfig, loadDatabaseSetupConfig } from '../libs/config/config.js';
import { setUpDatabase } from '../libs/db/database-setup.js';
import { assertRedisReachable } from '../libs/queue/redis-check.js';
import { readLines } from '../libs/common/read-lines.js';

const args = process.argv.slice(2);
const opt = (name: string, dflt: number) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? Number(args[i + 1]) : dflt;
};
const say = (line = '') => process.stdout.write(`${line}\n`);
const step = (n: number, title: string) => say(`\n── ${n}. ${title} ${'─'.repeat(Math.max(0, 60 - title.length))}`);

async function main(): Promise<void> {
  const tenants = opt('tenants', 60);
  const seed = opt('seed', 1);
  const serve = !args.includes('--no-serve');

  // Demo defaults, each overridable from the environment. The outbox transport writes emails as
  // files; the development token issuer signs the inbox sign-in links.
  const world = generateWorld({ seed, tenants });
  process.env.OPERATOR_DOMAINS ||= world.operatorDomains.join(',');
  process.env.MAIL_TRANSPORT ||= 'outbox';
  // the demo prints its own report; the services' JSON logs would bury it
  process.env.LOG_LEVEL ||= 'warn';
  // ACS's default quota (30 a minute) would make the demo wait; the outbox has none
  if (process.env.MAIL_TRANSPORT === 'outbox') process.env.MAIL_RATE_PER_MINUTE ||= '6000';
  process.env.DEV_ISSUER_ENABLED ||= 'true';
  process.env.OPERATOR_TOKENS ||= 'demo-operator:demo-operator-token-0001';
  // one person runs the demo: it approves its own campaign, which only this setting allows (and the audit records)
  process.env.ALLOW_SELF_APPROVAL = 'true';
  const config = loadConfig();
  say(
    'ALLOW_SELF_APPROVAL=true for this demo: the operator who creates a campaign may approve it (audited as selfApproval).',
  );
  say('Never set it in an incident: there, approval needs a second operator.');

  step(1, 'Services and database');
  await assertRedisReachable(config);
  await setUpDatabase(loadDatabaseSetupConfig(), (l) => say(`  ${l}`));
  say(`  PostgreSQL ${new URL(config.DATABASE_URL).host}, Redis ${new URL(config.REDIS_URL).host}: ready`);

  const dir = resolve('demo-data');
  await mkdir(dir, { recursive: true });
  await writeFile(resolve(dir, 'tenants.jsonl'), world.tenantLines.join('\n') + '\n');
  await writeFile(resolve(dir, 'exposure.jsonl'), world.exposureLines.join('\n') + '\n');
  say(`  sample world (seed ${seed}, ${tenants} tenants) written to ${dir}/`);

  // The CLI's own module graph, with the worker's processors in this process.
  const { CliWithWorkersModule } = await import('../apps/cli/src/cli.module.js');
  const { DirectoryService } = await import('../libs/directory/directory.service.js');
  const { IngestService } = await import('../libs/exposure/ingest.service.js');
  const { CampaignsService } = await import('../libs/campaigns/campaigns.service.js');
  const { PreviewService } = await import('../libs/campaigns/preview.service.js');
  const { ReviewService } = await import('../libs/campaigns/review.service.js');
  const { CampaignLauncher } = await import('../libs/campaigns/campaign-launcher.js');
  const { CampaignStatusView } = await import('../libs/campaigns/campaign-status.js');
  const { formatScope } = await import('../apps/cli/src/commands/datasets.command.js');
  const app = await NestFactory.createApplicationContext(CliWithWorkersModule, { logger: ['error', 'warn'] });

  step(2, 'Tenant directory');
  const imp = await app
    .get(DirectoryService)
    .importTenants(readLines(createReadStream(resolve(dir, 'tenants.jsonl'))), {
      actor: 'demo',
      name: 'tenants.jsonl',
    });
  say(
    `  imported ${imp.imported} new, updated ${imp.updated}, rejected ${imp.rejected.length} lines (they name no tenant):`,
  );
  for (const r of imp.rejected) say(`    line ${r.line}: ${r.reason}`);
  say(`  ${imp.warnings.length} values dropped, the tenant imported without them:`);
  for (const w of imp.warnings) say(`    line ${w.line}: ${w.field}: ${w.reason}`);
  for (const c of imp.conflicts)
    say(
      `  line ${c.line}: domain ${c.domain} is claimed by ${c.tenantIds.length} tenants: it identifies nobody until a re-import settles it`,
    );

  step(3, 'Exposed data set: ingest, quarantine, deduplicate');
  const ds = await app
    .get(IngestService)
    .ingest({ stream: createReadStream(resolve(dir, 'exposure.jsonl')), name: 'sample exposure', format: 'jsonl' });
  if (ds.alreadyIngested) say(`  (this file was ingested before: data set ${ds.datasetId} is reused, nothing added)`);
  say(
    `  data set ${ds.datasetId}: ${ds.lines} lines, ${ds.accepted} accepted, ${ds.quarantinedTotal} quarantined, e.g.:`,
  );
  for (const q of ds.quarantined.slice(0, 5)) say(`    line ${q.line}: ${q.reason}`);
  say(formatScope(ds.scope).replace(/^/gm, '  '));
  say(
    `  → counting lines would have reported ${ds.scope.lines} items; there are ${ds.scope.uniqueItems} (${ds.scope.duplicationFactor}x inflation).`,
  );

  step(4, 'Campaign: attribute records to tenants and decide');
  const campaigns = app.get(CampaignsService);
  const c = await campaigns.create(
    {
      datasetId: ds.datasetId,
      supportUrl: 'https://support.cloudprovider.com/data-exposure',
      supportPhone: '+1 800 555 0199',
      supportEmail: 'privacy@cloudprovider.com',
      respondBy: new Date(Date.now() + 30 * 864e5).toISOString().slice(0, 10),
      incidentDate: '2022-09-24',
    },
    'demo',
  );
  await campaigns.requestAnalysis(c.id, 'demo');
  while ((await campaigns.get(c.id)).status === 'analyzing') await new Promise((r) => setTimeout(r, 200));
  const p = await app.get(PreviewService).preview(c.id);
  say(
    `  campaign ${c.id}: ${p.tenants.affected} affected, ${p.tenants.notAffected} not affected, ${p.tenants.needsReview} need review`,
  );
  for (const d of p.decisions.filter((x) => x.decision !== 'not_affected').slice(0, 8)) {
    say(`    ${d.decision.padEnd(12)} ${d.tenantName ?? d.tenantId}: ${d.reasons[0] ?? ''}`);
  }

  step(5, 'Review and approval (automatic in this demo only)');
  const items = await app.get(ReviewService).list(c.id);
  say(`  ${items.length} review item(s): in an incident an operator decides each (review list / review resolve).`);
  say(
    '  The demo resolves them as "no tenant": those tenants get nothing, as uncertain evidence must not send a notice.',
  );
  for (const i of items) await app.get(ReviewService).resolve(i.reviewItemId, null, 'demo');
  await campaigns.approve(c.id, 'demo', { requireSecondOperator: !config.ALLOW_SELF_APPROVAL });
  say('  approved by "demo", who created it: allowed by ALLOW_SELF_APPROVAL=true, audited with selfApproval: true.');

  step(6, 'Launch: one notice per affected tenant, one email per privileged admin');
  const launcher = app.get(CampaignLauncher);
  const statusView = app.get(CampaignStatusView);
  await launcher.launch(c.id, 'demo');
  let s = await statusView.status(c.id);
  let shown = '';
  while (s.status === 'sending') {
    const line = `  ${s.progress.percent}%  notices ${s.counts.notices.posted}/${s.counts.notices.expected}, emails sent ${s.counts.emails.sent}/${s.counts.emails.total}`;
    if (line !== shown) process.stdout.write(process.stdout.isTTY ? `\r${line}   ` : `${line}\n`);
    shown = line;
    await new Promise((r) => setTimeout(r, 250));
    s = await statusView.status(c.id);
  }
  say(
    `${process.stdout.isTTY ? '\r' : ''}  ${s.status}: ${s.counts.notices.posted} notices posted, ${s.counts.emails.sent} emails sent, ${s.counts.emails.failed} failed${' '.repeat(20)}`,
  );
  say(`  emails were written as .eml files to ${resolve(config.OUTBOX_DIR)}/ (MAIL_TRANSPORT=outbox)`);
  await app.close();

  if (!serve) return;
  step(7, 'The API, the operator console and the tenant inbox');
  const { createApiApp } = await import('../apps/api/src/create-app.js');
  const api = await createApiApp();
  await api.listen(config.PORT, config.HOST);
  const base = `http://${config.HOST}:${config.PORT}`;
  const token = config.OPERATOR_TOKENS[0]!;
  say(`  operator token  ${token.name} / ${token.token}   (Authorization: Bearer …)`);
  say(`  console         ${base}/console#/campaigns/${c.id}   (sign in with the operator token)`);
  say(`  status          ${base}/v1/campaigns/${c.id}/status`);
  say(`  API docs        ${base}/docs`);
  say(`  queues          ${base}/queues   (browser sign-in: user ${token.name}, password the token)`);
  say(`  health          ${base}/health/ready`);
  say(`  emails          ${resolve(config.OUTBOX_DIR)}/`);
  say('  tenant inbox, signed in as a tenant admin (development issuer):');
  const admins = inboxSignIns(world, p.decisions);
  for (const a of admins)
    say(`    ${a.label.padEnd(44)} ${base}/inbox/dev-login?tenant=${a.tenantId}&email=${encodeURIComponent(a.email)}`);
  say('  Ctrl-C stops the API.');
}

/** Sign-in links for a few affected tenants' admins and one admin of a tenant that got nothing. */
function inboxSignIns(
  world: ReturnType<typeof generateWorld>,
  decisions: { tenantId: string; tenantName: string | null; decision: string }[],
): { label: string; tenantId: string; email: string }[] {
  const admins = new Map<string, { name: string; email: string }>();
  for (const l of world.tenantLines) {
    try {
      const t = JSON.parse(l) as { tenantId: string; name: string; contacts?: { email: string; roles?: string[] }[] };
      const admin = t.contacts?.find((c) => c.roles?.includes('GlobalAdmin'));
      if (admin) admins.set(t.tenantId.toLowerCase(), { name: t.name, email: admin.email });
    } catch {
      // the sample directory has bad lines on purpose
    }
  }
  const decided = new Map(decisions.map((d) => [d.tenantId, d.decision]));
  const affected = [...admins].filter(([id]) => decided.get(id) === 'affected').slice(0, 3);
  const quiet = [...admins].find(([id]) => !decided.has(id) || decided.get(id) === 'not_affected');
  return [
    ...affected.map(([id, a]) => ({ label: `${a.name} (affected)`, tenantId: id, email: a.email })),
    ...(quiet
      ? [{ label: `${quiet[1].name} (not affected: empty inbox)`, tenantId: quiet[0], email: quiet[1].email }]
      : []),
  ];
}

main().catch((err: unknown) => {
  process.stderr.write(`\ndemo: ${err instanceof ConfigError ? err.message : (err as Error).message}\n`);
  process.exit(1);
});
