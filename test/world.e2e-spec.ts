/**
 * The generated world end to end against the real PostgreSQL: the scope report equals the
 * world's truth, and the attribution decisions meet their bars.
 */
import { Readable } from 'node:stream';
import type { INestApplicationContext } from '@nestjs/common';
import { CASES, generateWorld, type World } from './fixtures/world.js';
import { serviceContext } from './support/app.js';
import { lines } from './support/async.js';
import { isolate } from './support/isolation.js';
import { QueueModule } from '../libs/queue/queue.module.js';
import { AuditModule } from '../libs/audit/audit.module.js';
import { DirectoryModule } from '../libs/directory/directory.module.js';
import { DirectoryService, type ImportResult } from '../libs/directory/directory.service.js';
import { ExposureModule } from '../libs/exposure/exposure.module.js';
import { IngestService, type IngestResult } from '../libs/exposure/ingest.service.js';
import { CampaignsModule } from '../libs/campaigns/campaigns.module.js';
import { CampaignsService } from '../libs/campaigns/campaigns.service.js';
import { PreviewService } from '../libs/campaigns/preview.service.js';
import { ReviewService } from '../libs/campaigns/review.service.js';

describe('the generated world', () => {
  let app: INestApplicationContext;
  let world: World;
  let ingest: IngestResult;
  let campaignId: string;
  let importReport: ImportResult;

  beforeAll(async () => {
    await isolate();
    world = generateWorld({ seed: 7, tenants: 80 });
    process.env.OPERATOR_DOMAINS = world.operatorDomains.join(',');
    app = await serviceContext(QueueModule, AuditModule, DirectoryModule, ExposureModule, CampaignsModule);
    const imported = await app.get(DirectoryService).importTenants(lines(world.tenantLines));
    expect(imported.rejected.map((r) => r.line)).toEqual(world.truth.rejectedTenantLines.map((r) => r.line));
    importReport = imported;
    ingest = await app.get(IngestService).ingest({
      stream: Readable.from([Buffer.from(world.exposureLines.join('\n') + '\n')]),
      name: 'world-7',
      format: 'jsonl',
    });
    const campaigns = app.get(CampaignsService);
    const c = await campaigns.create(
      { datasetId: ingest.datasetId, supportUrl: 'https://support.example.com/exposure' },
      'test',
    );
    campaignId = c.id;
    // the analysis job's work, run here: no worker in this test
    await campaigns.move(c.id, 'analyze', 'test');
    await campaigns.runAnalysis(c.id, true);
  }, 120_000);

  afterAll(async () => {
    delete process.env.OPERATOR_DOMAINS;
    await app?.close();
  });

  it('imports every directory line that names a tenant: warnings and domain conflicts with their lines', async () => {
    for (const r of world.truth.rejectedTenantLines)
      expect(importReport.rejected.find((x) => x.line === r.line)?.reason.toLowerCase()).toContain(r.reasonPattern);
    expect(importReport.warnings.map((w) => ({ line: w.line, field: w.field }))).toEqual(
      world.truth.warnedTenantLines.map((w) => ({ line: w.line, field: w.field })),
    );
    world.truth.warnedTenantLines.forEach((w, i) =>
      expect(importReport.warnings[i]!.reason.toLowerCase()).toContain(w.reasonPattern),
    );
    expect(importReport.conflicts.map((c) => ({ line: c.line, domain: c.domain }))).toEqual(
      world.truth.domainConflicts,
    );
    expect(importReport.imported).toBe(Object.keys(world.truth.tenants).length);
    const open = await app.get(DirectoryService).listConflicts();
    expect(open.map((c) => [c.domain, c.claimants.length])).toEqual(
      world.truth.domainConflicts.map((c) => [c.domain, 2]),
    );
  });

  it('reports a scope equal to the truth', () => {
    const { duplicationFactor, ...scope } = ingest.scope;
    expect(scope).toEqual(world.truth.scope);
    expect(duplicationFactor).toBeCloseTo(world.truth.scope.records / world.truth.scope.uniqueItems, 2);
  });

  it('quarantines exactly the bad lines, each with a reason naming what is wrong', () => {
    const got = new Map(ingest.quarantined.map((q) => [q.line, q.reason.toLowerCase()]));
    expect([...got.keys()].sort((a, b) => a - b)).toEqual(
      world.truth.quarantinedLines.map((q) => q.line).sort((a, b) => a - b),
    );
    for (const q of world.truth.quarantinedLines) expect(got.get(q.line)).toContain(q.reasonPattern);
  });

  it('decides no unaffected tenant affected, finds ≥ 99% of the affected, and sends every miss to review', async () => {
    const preview = await app.get(PreviewService).preview(campaignId);
    const decided = new Map(preview.decisions.map((d) => [d.tenantId, d.decision]));
    const wrong: string[] = [];
    let affected = 0;
    let found = 0;
    for (const [id, t] of Object.entries(world.truth.tenants)) {
      const got = decided.get(id) ?? 'not_affected';
      if (got === 'affected' && t.expected !== 'affected') wrong.push(`${id} (${t.why}) decided affected`);
      if (t.expected === 'affected') {
        affected++;
        if (got === 'affected') found++;
        else if (got !== 'needs_review') wrong.push(`${id} (${t.why}) missed as ${got}`);
      }
      if (t.expected === 'needs_review' && got === 'not_affected') wrong.push(`${id} (${t.why}) not sent to review`);
    }
    expect(wrong).toEqual([]);
    expect(found / affected).toBeGreaterThanOrEqual(0.99);
    expect(preview.tenants.affected + preview.tenants.notAffected + preview.tenants.needsReview).toBe(
      Object.keys(world.truth.tenants).length,
    );
  });

  it('shows each affected tenant only its own data: no foreign element, no shared file name', async () => {
    const preview = app.get(PreviewService);
    for (const [id, t] of Object.entries(world.truth.tenants)) {
      const p = await preview.previewTenant(campaignId, id, 'test-operator');
      if (p.decision !== 'affected') {
        expect(p.notice).toBeNull();
        continue;
      }
      const seen = JSON.stringify(p).toLowerCase();
      for (const marker of t.foreignMarkers)
        expect({ tenant: id, leaked: seen.includes(marker.toLowerCase()) ? marker : null }).toEqual({
          tenant: id,
          leaked: null,
        });
      const fileNames = p.exposure!.files.map((f) => f.fileName).filter(Boolean);
      for (const shared of t.sharedFileNames) expect(fileNames).not.toContain(shared);
      for (const own of t.ownFileNames) expect(fileNames).toContain(own);
      expect(p.notice!.tags).toEqual(['Data privacy', 'Admin impact']);
    }
  });

  it('finds tenants through addresses in text, sends names and phones in text to review, and withholds files shared with an outsider', async () => {
    const preview = app.get(PreviewService);
    const decided = new Map((await preview.preview(campaignId)).decisions.map((d) => [d.tenantId, d.decision]));
    const of = (c: string) => Object.entries(world.truth.tenants).filter(([, t]) => t.why.startsWith(c));
    const textOnly = of(CASES.textAddress);
    const outsider = of(CASES.outsiderFile);
    expect(textOnly.length).toBeGreaterThan(0);
    expect(of(CASES.textPhone).length).toBeGreaterThan(0);
    expect(outsider.length).toBeGreaterThan(0);
    for (const [id] of textOnly) expect({ id, d: decided.get(id) }).toEqual({ id, d: 'affected' });
    for (const [id] of [...of(CASES.textPhone), ...of(CASES.companyShared)])
      expect({ id, d: decided.get(id) }).toEqual({ id, d: 'needs_review' });
    for (const [id] of of(CASES.bodyMention))
      expect({ id, d: decided.get(id) ?? 'not_affected' }).toEqual({ id, d: 'not_affected' });
    // the outside organization's files: never named to anyone, in any view or notice
    const withheld = [
      ...new Set(outsider.flatMap(([, t]) => t.sharedFileNames.filter((f) => /^(Joint_Venture|Term_Sheet)_/.test(f)))),
    ];
    expect(withheld.length).toBeGreaterThan(0);
    for (const id of Object.keys(world.truth.tenants)) {
      const seen = JSON.stringify(await preview.previewTenant(campaignId, id, 'test-operator'));
      for (const f of withheld) expect({ id, leaked: seen.includes(f) ? f : null }).toEqual({ id, leaked: null });
    }
    // the operator sees the words around a phone number found in text; the tenant does not
    const items = await app.get(ReviewService).list(campaignId);
    for (const [id] of of(CASES.textPhone)) {
      const item = items.find((i) => i.candidates.some((c) => c.tenantId === id));
      expect(item?.excerpts.some((e) => e.startsWith('body: ') && e.includes('Tel: +'))).toBe(true);
    }
    process.stdout.write(
      `world 7/80: ${textOnly.length} tenant(s) found only through text, ${withheld.length} file name(s) withheld as shared with an outsider\n`,
    );
  });

  it('raises one review group for a company name several tenants share, which an operator settles at once', async () => {
    const reviews = app.get(ReviewService);
    const shared = Object.entries(world.truth.tenants)
      .filter(([, t]) => t.why.startsWith(CASES.companyShared))
      .map(([id]) => id)
      .sort();
    const items = (await reviews.list(campaignId)).filter((i) => i.triggers.includes('ambiguousWeakSignal'));
    const mine = items.filter(
      (i) =>
        i.candidates
          .map((c) => c.tenantId)
          .sort()
          .join() === shared.join(),
    );
    expect(mine.length).toBeGreaterThan(0);
    expect(new Set(mine.map((i) => i.group)).size).toBe(1);
    await expect(
      reviews.resolveGroup(campaignId, mine[0]!.group, '00000000-0000-4000-8000-000000000000', 'test-operator'),
    ).rejects.toThrow(/not a candidate/);
    const out = await reviews.resolveGroup(campaignId, mine[0]!.group, shared[0]!, 'test-operator');
    expect(out.items.map((i) => i.reviewItemId).sort()).toEqual(mine.map((i) => i.reviewItemId).sort());
    expect(out.items.every((i) => i.resolution?.tenantId === shared[0])).toBe(true);
    const decided = new Map(
      (await app.get(PreviewService).preview(campaignId)).decisions.map((d) => [d.tenantId, d.decision]),
    );
    expect(decided.get(shared[0]!)).toBe('affected');
    expect(decided.get(shared[1]!)).toBe('not_affected');
  });

  it('lets an operator resolve review items, and recomputes the decisions', async () => {
    const reviews = app.get(ReviewService);
    const items = await reviews.list(campaignId);
    expect(items.length).toBeGreaterThan(0);
    const item = items[0]!;
    const target = item.candidates[0]!.tenantId;
    const resolved = await reviews.resolve(item.reviewItemId, target, 'test-operator');
    expect(resolved.resolution).toMatchObject({ tenantId: target, by: 'test-operator' });
    const p = await app.get(PreviewService).preview(campaignId);
    expect(p.decisions.find((d) => d.tenantId === target)?.decision).toBe('affected');
    expect(p.decisions.find((d) => d.tenantId === target)?.reasons.join(' ')).toMatch(/review resolved to this tenant/);
  });
});
