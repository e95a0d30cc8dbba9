/**
 * The messy world end to end against real PostgreSQL, Redis and the ACS emulator: data shaped
 * like real exports (bad optional values, nulls, imposters, languages without templates, every
 * input format) loses no affected tenant, notifies nobody without impact, reports every warning
 * with its line, and launches to every privileged admin in the admin's own language.
 */
import { execFile, execFileSync } from 'node:child_process';
import { readdirSync, statSync, existsSync } from 'node:fs';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { domainToASCII } from 'node:url';
import { promisify } from 'node:util';
import type { INestApplicationContext } from '@nestjs/common';
import {
  generateMessyWorld,
  TEMPLATE_LOCALES,
  type DatasetFormTruth,
  type DirectoryFormTruth,
  type MessyWorld,
} from './fixtures/messy-world.js';
import { AcsEmulator } from './support/acs-emulator.js';
import { serviceContext } from './support/app.js';
import { lines, until } from './support/async.js';
import { isolate } from './support/isolation.js';
import { QueueModule } from '../libs/queue/queue.module.js';
import { AuditModule } from '../libs/audit/audit.module.js';
import { DirectoryModule } from '../libs/directory/directory.module.js';
import { DirectoryService, type ImportResult } from '../libs/directory/directory.service.js';
import { ExposureModule } from '../libs/exposure/exposure.module.js';
import { IngestService, type IngestResult } from '../libs/exposure/ingest.service.js';
import { formatOf } from '../libs/exposure/readers.js';
import { CampaignsService } from '../libs/campaigns/campaigns.service.js';
import { PreviewService } from '../libs/campaigns/preview.service.js';
import { ReviewService } from '../libs/campaigns/review.service.js';
import { CampaignLauncher } from '../libs/campaigns/campaign-launcher.js';
import { CampaignStatusView } from '../libs/campaigns/campaign-status.js';
import { PrismaService } from '../libs/db/prisma.service.js';
import { ProcessorsModule } from '../libs/jobs/processors.module.js';

interface Warning {
  line: number;
  field: string;
  reason: string;
}
/** The import and ingest reports with the fields lenient input adds. */
type DirectoryReport = ImportResult & { warnings?: Warning[]; conflicts?: unknown[] };
type IngestReport = IngestResult & {
  warnings?: Warning[];
  warningCounts?: Record<string, number>;
  nullValues?: Record<string, number>;
};

const SEED = 7;
const TENANTS = 80;

/** Addresses as the ACS emulator records them: lower case, the domain in ASCII. */
function mailbox(a: string): string {
  const s = a.trim().toLowerCase();
  const i = s.lastIndexOf('@');
  return `${s.slice(0, i)}@${domainToASCII(s.slice(i + 1))}`;
}

/** Every expected warning is reported on its line, with a field that starts as expected. */
function missingWarnings(expected: DirectoryFormTruth['warnings'], got: Warning[] | undefined): string[] {
  const byLine = new Map<number, string[]>();
  for (const w of got ?? []) byLine.set(w.line, [...(byLine.get(w.line) ?? []), w.field]);
  return expected
    .filter((w) => !(byLine.get(w.line) ?? []).some((f) => f.startsWith(w.fieldPrefix)))
    .map((w) => `line ${w.line}: ${w.fieldPrefix}`);
}

function scopeOf(r: IngestResult): Record<string, unknown> {
  const { duplicationFactor: _ignored, ...scope } = r.scope;
  return scope;
}

function expectDataset(r: IngestReport, truth: DatasetFormTruth): void {
  expect(scopeOf(r)).toEqual(truth.scope);
  expect(r.accepted).toBe(truth.scope.records);
  const got = new Map(r.quarantined.map((q) => [q.line, q.reason.toLowerCase()]));
  expect([...got.keys()].sort((a, b) => a - b)).toEqual(
    truth.quarantinedLines.map((q) => q.line).sort((a, b) => a - b),
  );
  for (const q of truth.quarantinedLines)
    expect({ line: q.line, reason: got.get(q.line) }).toEqual({
      line: q.line,
      reason: expect.stringContaining(q.reasonPattern),
    });
}

/** The stored contacts of every tenant the truth lists: address and locale. */
async function expectDirectoryHolds(directory: DirectoryService, world: MessyWorld): Promise<void> {
  for (const [id, t] of Object.entries(world.truth.tenants)) {
    const view = await directory.getTenant(id);
    const got = view.contacts.map((c) => `${mailbox(c.email)} ${c.locale.toLowerCase()}`).sort();
    const want = t.contacts.map((c) => `${mailbox(c.email)} ${c.localeStored.toLowerCase()}`).sort();
    expect({ tenant: id, contacts: got }).toEqual({ tenant: id, contacts: want });
  }
}

describe('the messy world: JSONL directory, every data set form, a whole campaign', () => {
  let app: INestApplicationContext;
  let acs: AcsEmulator;
  let world: MessyWorld;
  let directoryReport: DirectoryReport;
  let ingest: IngestReport;
  let campaignId: string;
  const decidedBeforeReview = new Map<string, string>();
  const env = { ...process.env };

  beforeAll(async () => {
    await isolate();
    acs = await AcsEmulator.start({ runningPolls: 1 });
    world = generateMessyWorld({ seed: SEED, tenants: TENANTS });
    Object.assign(process.env, {
      OPERATOR_DOMAINS: world.operatorDomains.join(','),
      MAIL_TRANSPORT: 'acs',
      ACS_CONNECTION_STRING: acs.connectionString,
      ACS_POLL_INTERVAL_MS: '20',
      MAIL_RATE_PER_MINUTE: '100000',
    });
    app = await serviceContext(QueueModule, AuditModule, DirectoryModule, ExposureModule, ProcessorsModule);
    directoryReport = await app.get(DirectoryService).importTenants(lines(world.directory.jsonlLines));
    ingest = await app.get(IngestService).ingest({
      stream: Readable.from([Buffer.from(world.exposure.jsonlLines.join('\n') + '\n')]),
      name: 'messy-world',
      format: formatOf('messy-world.jsonl'),
    });
    const campaigns = app.get(CampaignsService);
    const c = await campaigns.create(
      {
        datasetId: ingest.datasetId,
        supportUrl: 'https://support.example.com',
        supportEmail: 'privacy@cloudprovider.com',
        respondBy: '2026-12-31',
      },
      'alice',
    );
    campaignId = c.id;
    // the processors run in this process: no worker in this test
    await campaigns.requestAnalysis(c.id, 'alice');
    await until('analysis', async () => {
      const { status, lastError } = await campaigns.get(c.id);
      if (status === 'failed') throw new Error(`analysis failed: ${lastError}`);
      return status === 'ready';
    });
  }, 300_000);

  afterAll(async () => {
    process.env = env;
    await app?.close();
    await acs?.close();
  });

  it('imports every tenant that can be identified, lists every bad value as a warning with its line and field', async () => {
    const truth = world.directory.jsonl;
    expect(directoryReport.imported).toBe(truth.imported);
    expect(directoryReport.updated).toBe(0);
    expect(directoryReport.rejected.map((r) => r.line)).toEqual(truth.rejectedLines);
    expect(missingWarnings(truth.warnings, directoryReport.warnings)).toEqual([]);
    for (const w of directoryReport.warnings ?? []) expect(w.reason).toEqual(expect.any(String));
    // an imposter is imported, and the domain it claims is a conflict for the operator to settle
    const conflicts = JSON.stringify(directoryReport.conflicts ?? null);
    for (const imp of world.truth.imposters)
      expect({ domain: imp.domain, listed: conflicts.includes(imp.domain) }).toEqual({
        domain: imp.domain,
        listed: true,
      });
    await expectDirectoryHolds(app.get(DirectoryService), world);
  });

  it('ingests the messy JSONL: accepted, quarantined, scope, nulls and warnings as the truth says', () => {
    expectDataset(ingest, world.truth.jsonl);
    expect(ingest.nullValues).toEqual(world.truth.jsonl.nullValues);
    const got = (ingest.warnings ?? []).map((w) => `${w.line} ${w.field}`).sort();
    expect(got).toEqual(world.truth.jsonl.warnings.map((w) => `${w.line} ${w.field}`).sort());
    expect(ingest.warningCounts).toEqual(world.truth.jsonl.warningCounts);
  });

  it('ingests the JSON array, its gzip and the `;` CSV export to the scope the truth says', async () => {
    const service = app.get(IngestService);
    const forms: [string, Buffer, DatasetFormTruth][] = [
      ['messy-world.json', Buffer.from(world.exposure.arrayText), world.truth.array],
      ['messy-world.json.gz', world.exposure.arrayGz, world.truth.array],
      ['messy-contacts.csv', Buffer.from(world.exposure.csvText), world.truth.csv],
    ];
    for (const [name, bytes, truth] of forms) {
      const r: IngestReport = await service.ingest({ stream: Readable.from([bytes]), name, format: formatOf(name) });
      expect({ name, alreadyIngested: r.alreadyIngested }).toEqual({ name, alreadyIngested: false });
      expectDataset(r, truth);
    }
  }, 180_000);

  it('decides every truly affected tenant affected or needs review, and no one else affected, imposters least of all', async () => {
    const preview = await app.get(PreviewService).preview(campaignId);
    const decided = new Map(preview.decisions.map((d) => [d.tenantId, d.decision as string]));
    const wrong: string[] = [];
    for (const [id, t] of Object.entries(world.truth.tenants)) {
      const got = decided.get(id) ?? 'not_affected';
      decidedBeforeReview.set(id, got);
      if (!(t.allowed as string[]).includes(got))
        wrong.push(`${id} (${t.why}) decided ${got}, allowed ${t.allowed.join('|')}`);
    }
    expect(wrong).toEqual([]);
    for (const imp of world.truth.imposters) expect(decided.get(imp.tenantId) ?? 'not_affected').not.toBe('affected');
  });

  it('resolves review as the truth says, and the preview lists language fallbacks as warnings, not errors', async () => {
    const reviews = app.get(ReviewService);
    const victims = new Set(world.truth.imposters.map((i) => i.victimTenantId));
    for (const item of await reviews.list(campaignId)) {
      // records on a domain two tenants claim belong to the tenant that verified it first
      const victim = item.candidates.find((c) => victims.has(c.tenantId));
      await reviews.resolve(item.reviewItemId, victim?.tenantId ?? null, 'alice');
    }
    // resolved items stay listed (open means: still raised by the current analysis)
    expect((await reviews.list(campaignId)).filter((i) => !i.resolved)).toEqual([]);

    const preview = await app.get(PreviewService).preview(campaignId);
    const affected = new Set(preview.decisions.filter((d) => d.decision === 'affected').map((d) => d.tenantId));
    for (const [id, t] of Object.entries(world.truth.tenants)) {
      if (!t.allowed.includes('affected')) expect({ id, affected: affected.has(id) }).toEqual({ id, affected: false });
    }
    for (const v of victims) expect({ victim: v, affected: affected.has(v) }).toEqual({ victim: v, affected: true });
    const templates = new Set(TEMPLATE_LOCALES.map((l) => l.toLowerCase()));
    const fallbacks = new Set(
      [...affected].flatMap((id) =>
        (world.truth.tenants[id]?.contacts ?? [])
          .filter((c) => c.privileged && !templates.has(c.localeStored.toLowerCase()))
          .map((c) => c.localeStored),
      ),
    );
    expect(fallbacks.size).toBeGreaterThan(0);
    const shown = preview as unknown as { warnings?: unknown; errors?: unknown };
    const warningsText = JSON.stringify(shown.warnings ?? null);
    for (const l of fallbacks)
      expect({ locale: l, listed: warningsText.includes(l) }).toEqual({ locale: l, listed: true });
    expect(shown.errors ?? []).toEqual([]);
  });

  it('approves and launches: every privileged admin of every affected tenant gets one email in their language, nobody else anything', async () => {
    const campaigns = app.get(CampaignsService);
    const launcher = app.get(CampaignLauncher);
    const statusView = app.get(CampaignStatusView);
    const prisma = app.get(PrismaService);
    // four eyes: alice created and analyzed it, bob approves
    expect((await campaigns.approve(campaignId, 'bob', { requireSecondOperator: true })).status).toBe('approved');
    expect((await launcher.launch(campaignId, 'alice')).status).toBe('sending');
    const final = await until('completion', async () => {
      const s = await statusView.status(campaignId);
      return s.status === 'completed' || s.status === 'failed' ? s : undefined;
    });
    expect(final.status).toBe('completed');

    const decisions = await prisma.tenantDecision.findMany({ where: { campaignId } });
    const affected = new Set(decisions.filter((d) => d.decision === 'affected').map((d) => d.tenantId));
    const falseNotices = [...affected].filter((id) => !world.truth.tenants[id]?.allowed.includes('affected'));
    expect(falseNotices).toEqual([]);
    const notices = await prisma.notice.findMany({ where: { campaignId } });
    expect(notices.map((n) => n.tenantId).sort()).toEqual([...affected].sort());

    const expected = new Map<string, string>();
    for (const id of affected)
      for (const c of world.truth.tenants[id]!.contacts)
        if (c.privileged) expected.set(mailbox(c.email), c.templateLocale);
    const got = acs.countByRecipient();
    expect([...got.keys()].sort()).toEqual([...expected.keys()].sort());
    for (const [address, count] of got) expect({ address, count }).toEqual({ address, count: 1 });
    const wrongLanguage: string[] = [];
    for (const m of acs.messages()) {
      const lang = /<html[^>]*\blang="([^"]+)"/i.exec(m.html ?? '')?.[1];
      for (const r of m.recipients)
        if (lang?.toLowerCase() !== expected.get(mailbox(r))?.toLowerCase())
          wrongLanguage.push(`${r}: ${lang} instead of ${expected.get(mailbox(r))}`);
    }
    expect(wrongLanguage).toEqual([]);
    expect(final.counts.emails.failed).toBe(0);

    // the figures the closing note asks for
    const truthAffected = Object.entries(world.truth.tenants)
      .filter(([, t]) => t.cleanExpected === 'affected')
      .map(([id]) => id);
    const found = truthAffected.filter((id) => affected.has(id));
    const warnedLines = new Set((directoryReport.warnings ?? []).map((w) => w.line));
    console.log(
      [
        `messy world (seed ${SEED}, ${TENANTS} clean tenants + ${world.truth.imposters.length} imposters)`,
        `tenants: imported ${directoryReport.imported}, rejected ${directoryReport.rejected.length}, warned ${warnedLines.size} (${directoryReport.warnings?.length ?? 0} warnings)`,
        `records: accepted ${ingest.accepted}, quarantined ${ingest.quarantinedTotal}, warnings ${ingest.warnings?.length ?? 0}, nulls ${Object.values(ingest.nullValues ?? {}).reduce((a, b) => a + b, 0)}`,
        `affected found: ${found.length} of ${truthAffected.length} (${found.filter((id) => decidedBeforeReview.get(id) === 'needs_review').length} only through review)`,
        `false notices: ${falseNotices.length}`,
        `launch: ${final.status}, notices ${notices.length}, emails sent ${final.counts.emails.sent}, failed ${final.counts.emails.failed}, languages ${[...new Set(expected.values())].sort().join(' ')}`,
      ].join('\n'),
    );
  }, 180_000);
});

// ───────────── the directory as a spreadsheet saves it, through the operator CLI ─────────────

const CLI = 'dist/apps/cli/src/main.js';

/** The newest modification time of the sources the CLI is compiled from. */
function newestSource(dir: string): number {
  let newest = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) newest = Math.max(newest, newestSource(p));
    else if (e.name.endsWith('.ts')) newest = Math.max(newest, statSync(p).mtimeMs);
  }
  return newest;
}

describe('the messy world: the directory as a `;` CSV (BOM, one row per contact, rows apart)', () => {
  let app: INestApplicationContext;
  let world: MessyWorld;
  let report: DirectoryReport;

  beforeAll(async () => {
    // a CLI compiled before the sources changed would test old code
    if (!existsSync(CLI) || statSync(CLI).mtimeMs < Math.max(newestSource('libs'), newestSource('apps'))) {
      execFileSync('npx', ['tsc', '-p', 'tsconfig.json'], { stdio: 'inherit' });
    }
    await isolate();
    world = generateMessyWorld({ seed: SEED, tenants: TENANTS });
    const dir = await mkdtemp(join(tmpdir(), 'messy-world-'));
    const file = join(dir, 'tenants.csv');
    await writeFile(file, world.directory.csvText);
    const r = await promisify(execFile)('node', [CLI, 'tenants', 'import', file, '--json'], {
      env: process.env,
      maxBuffer: 64 << 20,
    });
    report = JSON.parse(r.stdout) as DirectoryReport;
    app = await serviceContext(QueueModule, AuditModule, DirectoryModule);
  }, 300_000);

  afterAll(async () => {
    await app?.close();
  });

  it("imports the same tenants, contacts and locales as the JSONL form, with each row's warnings by column", async () => {
    const truth = world.directory.csv;
    expect(report.imported).toBe(truth.imported);
    expect(report.rejected.map((r) => r.line)).toEqual(truth.rejectedLines);
    expect(missingWarnings(truth.warnings, report.warnings)).toEqual([]);
    await expectDirectoryHolds(app.get(DirectoryService), world);
    expect((await app.get(DirectoryService).listTenants({ take: 1 })).total).toBe(truth.imported);
  });
});
