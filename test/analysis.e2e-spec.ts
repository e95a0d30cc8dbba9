/**
 * The analysis makes its decisions' first pass while it attributes (instead of reading every
 * stored attribution back): what it saves must be exactly what deciding again from the stored
 * attributions saves, also when an operator resolves a review item while it runs.
 */
import { Readable } from 'node:stream';
import type { INestApplicationContext } from '@nestjs/common';
import { generateWorld } from './fixtures/world.js';
import { serviceContext } from './support/app.js';
import { lines } from './support/async.js';
import { isolate } from './support/isolation.js';
import { QueueModule } from '../libs/queue/queue.module.js';
import { AuditModule } from '../libs/audit/audit.module.js';
import { DirectoryModule } from '../libs/directory/directory.module.js';
import { DirectoryService } from '../libs/directory/directory.service.js';
import { ExposureModule } from '../libs/exposure/exposure.module.js';
import { IngestService } from '../libs/exposure/ingest.service.js';
import { CampaignsModule } from '../libs/campaigns/campaigns.module.js';
import { CampaignsService } from '../libs/campaigns/campaigns.service.js';
import { ANALYSIS_PAGING, AnalysisService } from '../libs/campaigns/analysis.service.js';
import { DirectoryIndex } from '../libs/attribution/directory-index.js';
import { attributeRecord } from '../libs/attribution/attribute-record.js';
import { touchedTenants } from '../libs/attribution/review.js';
import type { RecordAttribution } from '../libs/attribution/attribution.types.js';
import { normalizeRecord } from '../libs/exposure/rules/normalize-record.js';
import type { ExposureRecordInput } from '../libs/exposure/exposure.types.js';
import { CampaignsRepository } from '../libs/campaigns/campaigns.repository.js';
import { DirectoryRepository } from '../libs/directory/directory.repository.js';
import { PrismaService } from '../libs/db/prisma.service.js';

describe('analysis: decisions made while attributing', () => {
  let app: INestApplicationContext;
  let campaignId: string;

  beforeAll(async () => {
    await isolate();
    const world = generateWorld({ seed: 5, tenants: 60 });
    process.env.OPERATOR_DOMAINS = world.operatorDomains.join(',');
    app = await serviceContext(QueueModule, AuditModule, DirectoryModule, ExposureModule, CampaignsModule);
    await app.get(DirectoryService).importTenants(lines(world.tenantLines));
    const ingest = await app.get(IngestService).ingest({
      stream: Readable.from([Buffer.from(world.exposureLines.join('\n') + '\n')]),
      name: 'world-5',
      format: 'jsonl',
    });
    campaignId = (await app.get(CampaignsService).create({ datasetId: ingest.datasetId }, 'test')).id;
  }, 120_000);

  afterAll(async () => {
    delete process.env.OPERATOR_DOMAINS;
    await app?.close();
  });

  it('loads a domain in conflict as conflicted for each claimant and verified for none', async () => {
    const directory = await app.get(DirectoryRepository, { strict: false }).loadDirectory();
    const claimants = directory.filter((t) => t.conflictedDomains?.includes('contoso.com'));
    expect(claimants.map((t) => t.name).sort()).toEqual(['Contoso Imposter Holdings', 'Contoso Ltd']);
    expect(directory.some((t) => t.domains.includes('contoso.com'))).toBe(false);
    const index = DirectoryIndex.build(directory, process.env.OPERATOR_DOMAINS!.split(','));
    expect(index.matchDomain('contoso.com')).toMatchObject({ kind: 'conflicted', domain: 'contoso.com' });
    expect(index.matchDomain('labs.contoso.com')).toMatchObject({ kind: 'verified' });
  });

  /** Everything an analysis saves, in a comparable form. */
  const saved = async () => {
    const prisma = app.get(PrismaService);
    const [decisions, reviews, views] = await Promise.all([
      prisma.tenantDecision.findMany({ where: { campaignId }, orderBy: { tenantId: 'asc' } }),
      prisma.reviewItem.findMany({ where: { campaignId }, orderBy: { reviewKey: 'asc' } }),
      prisma.exposureView.findMany({
        where: { campaignId },
        orderBy: { tenantId: 'asc' },
        select: { tenantId: true, view: true },
      }),
    ]);
    return { decisions, reviews, views };
  };

  it('saves what deciding from the stored attributions saves', async () => {
    const analysis = app.get(AnalysisService);
    await analysis.attribute(campaignId);
    const whileAttributing = await saved();
    expect(whileAttributing.decisions.some((d) => d.decision === 'affected')).toBe(true);
    expect(whileAttributing.reviews.length).toBeGreaterThan(0);
    expect(whileAttributing.views.length).toBe(
      whileAttributing.decisions.filter((d) => d.decision === 'affected').length,
    );
    await analysis.decide(campaignId);
    expect(await saved()).toEqual(whileAttributing);
  }, 60_000);

  it('stores for every record exactly its own attribution, and saves the same with pages of any size', async () => {
    const analysis = app.get(AnalysisService);
    const prisma = app.get(PrismaService);
    const attributions = () =>
      prisma.recordAttribution.findMany({
        where: { campaignId },
        orderBy: { recordId: 'asc' },
        select: { recordId: true, itemKey: true, tenantIds: true, attribution: true },
      });
    await analysis.attribute(campaignId);
    const expected = { saved: await saved(), attributions: await attributions() };

    // copies of an item share its attribution: each must still be what the record alone gives
    const ds = (await prisma.campaign.findUniqueOrThrow({ where: { id: campaignId } })).datasetId;
    const records = await prisma.exposureRecord.findMany({
      where: { datasetId: ds },
      select: { recordId: true, fingerprint: true, data: true },
    });
    const copies = records.length - new Set(records.map((r) => r.fingerprint)).size;
    expect(copies).toBeGreaterThan(0);
    const index = DirectoryIndex.build(
      await app.get(DirectoryRepository, { strict: false }).loadDirectory(),
      process.env.OPERATOR_DOMAINS!.split(','),
    );
    // (a copy may list its people or addresses in another order: the fingerprint sorts them)
    const inOrder = (ra: RecordAttribution) => {
      const by = (x: object) => JSON.stringify(x);
      return {
        ...ra,
        elements: [...ra.elements].sort((a, b) => by(a).localeCompare(by(b))),
        signals: [...ra.signals].sort((a, b) => by(a).localeCompare(by(b))),
      };
    };
    const stored = new Map(expected.attributions.map((a) => [a.recordId, a]));
    for (const r of records) {
      const own = attributeRecord(normalizeRecord(r.data as unknown as ExposureRecordInput), index);
      const tenants = touchedTenants(own);
      if (!tenants.length) {
        expect(stored.has(r.recordId)).toBe(false);
        continue;
      }
      const s = stored.get(r.recordId)!;
      expect(s.tenantIds).toEqual(tenants);
      expect(inOrder(s.attribution as unknown as RecordAttribution)).toEqual(
        inOrder(JSON.parse(JSON.stringify(own)) as RecordAttribution),
      );
    }

    // pages of 7 records and windows of 3 tenants: items split across pages, many windows
    const defaults = { ...ANALYSIS_PAGING };
    Object.assign(ANALYSIS_PAGING, { page: 7, tenantWindow: 3 });
    try {
      await analysis.attribute(campaignId);
    } finally {
      Object.assign(ANALYSIS_PAGING, defaults);
    }
    expect({ saved: await saved(), attributions: await attributions() }).toEqual(expected);
  }, 120_000);

  it('decides from the stored attributions when a review item is resolved during the analysis', async () => {
    const analysis = app.get(AnalysisService);
    const repo = app.get(CampaignsRepository);
    const [item] = await repo.reviewItems(campaignId, { open: true, resolved: false });
    expect(item).toBeDefined();
    const before = await repo.resolvedReviews(campaignId);
    await repo.resolveReview(campaignId, item!.reviewKey, item!.candidates[0]!, 'test');
    // the analysis reads the resolutions when it starts and again under the campaign lock: the
    // first read answers as before the resolution, as if the operator had resolved in between
    const real = repo.resolvedReviews.bind(repo);
    let reads = 0;
    repo.resolvedReviews = ((id: string) =>
      ++reads === 1 ? Promise.resolve(before) : real(id)) as typeof repo.resolvedReviews;
    try {
      await analysis.attribute(campaignId);
    } finally {
      repo.resolvedReviews = real;
    }
    // the snapshot, the check under the lock, and the decision from the stored attributions
    expect(reads).toBe(3);
    const withResolution = await saved();
    expect(withResolution.reviews.find((r) => r.reviewKey === item!.reviewKey)).toMatchObject({
      resolved: true,
      resolvedTenantId: item!.candidates[0],
    });
    await analysis.decide(campaignId);
    expect(await saved()).toEqual(withResolution);
  }, 60_000);
});
