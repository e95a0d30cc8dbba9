/**
 * Ingest writes in two ordered stages (records, then items) while the next batch is prepared.
 * Whatever the batch size, the generated world must come out the same: the same scope, the same
 * quarantine (a recordId seen in an earlier batch is the later line's fault), every item with its
 * earliest record as canonical, its copies counted once each, the same clusters and reasons, the
 * same warnings and null counts (none from a line quarantined for its taken recordId).
 */
import { Readable } from 'node:stream';
import type { INestApplicationContext } from '@nestjs/common';
import { generateWorld } from './fixtures/world.js';
import { serviceContext } from './support/app.js';
import { isolate } from './support/isolation.js';
import { ExposureModule } from '../libs/exposure/exposure.module.js';
import { DatasetCampaignsModule } from '../libs/campaigns/dataset-campaigns.module.js';
import { IngestService } from '../libs/exposure/ingest.service.js';
import { PrismaService } from '../libs/db/prisma.service.js';

describe('ingest in small batches', () => {
  const world = generateWorld({ seed: 11, tenants: 60 });
  // the world's own duplicate recordIds sit next to each other; this one comes hundreds of lines
  // (and many batches of 7) after the record whose id it takes
  const idOf = (line: string): unknown => {
    try {
      return (JSON.parse(line) as { recordId?: unknown }).recordId;
    } catch {
      return undefined;
    }
  };
  const firstId = world.exposureLines.map(idOf).find((id) => typeof id === 'string') as string;
  const lines = [
    ...world.exposureLines,
    JSON.stringify({
      recordId: firstId,
      kind: 'document',
      body: 'another record under a taken id',
      subject: null,
      from: 'not an address',
    }),
  ];
  const saved = process.env.INGEST_BATCH_SIZE;

  beforeAll(async () => {
    await isolate();
    process.env.OPERATOR_DOMAINS = world.operatorDomains.join(',');
  });

  afterAll(() => {
    delete process.env.OPERATOR_DOMAINS;
    if (saved === undefined) delete process.env.INGEST_BATCH_SIZE;
    else process.env.INGEST_BATCH_SIZE = saved;
  });

  /** Ingests the world with the given batch size and returns everything it stored, comparably; then removes it. */
  const ingestWith = async (batchSize: string | undefined) => {
    if (batchSize === undefined) delete process.env.INGEST_BATCH_SIZE;
    else process.env.INGEST_BATCH_SIZE = batchSize;
    const app: INestApplicationContext = await serviceContext(ExposureModule, DatasetCampaignsModule);
    try {
      const r = await app.get(IngestService).ingest({
        stream: Readable.from([Buffer.from(lines.join('\n') + '\n')]),
        name: `batches-${batchSize ?? 'default'}`,
        format: 'jsonl',
      });
      expect(r.alreadyIngested).toBe(false);
      const prisma = app.get(PrismaService);
      const where = { datasetId: r.datasetId };
      const [items, records, quarantine, warnings] = await Promise.all([
        prisma.item.findMany({
          where,
          orderBy: { fingerprint: 'asc' },
          select: {
            fingerprint: true,
            kind: true,
            canonicalRecordId: true,
            firstLine: true,
            copies: true,
            textFp: true,
            quotedFp: true,
            lshBands: true,
            clusterId: true,
            mergeReason: true,
          },
        }),
        prisma.exposureRecord.findMany({
          where,
          orderBy: { recordId: 'asc' },
          select: { recordId: true, line: true, fingerprint: true },
        }),
        prisma.quarantinedLine.findMany({ where, orderBy: { line: 'asc' }, select: { line: true, reason: true } }),
        prisma.ingestWarning.findMany({
          where,
          orderBy: [{ line: 'asc' }, { field: 'asc' }],
          select: { line: true, field: true, reason: true },
        }),
      ]);
      await prisma.dataset.delete({ where: { id: r.datasetId } });
      return {
        scope: r.scope,
        duplicates: r.duplicates,
        items,
        records,
        quarantine,
        warnings,
        warningCounts: r.warningCounts,
        nullValues: r.nullValues,
      };
    } finally {
      await app.close();
    }
  };

  it('stores the same world with batches of 7 lines as with one batch', async () => {
    const whole = await ingestWith(undefined);
    expect(whole.scope.lines).toBeLessThan(2000); // the default batch size: one batch
    expect(whole.quarantine.at(-1)).toMatchObject({
      line: lines.length,
      reason: expect.stringMatching(new RegExp(`^duplicate recordId ${firstId} \\(first accepted on line \\d+\\)$`)),
    });
    expect(whole.items.some((i) => i.copies > 1)).toBe(true);
    expect(whole.warnings.length).toBeGreaterThan(0);
    expect(whole.warnings.filter((w) => w.line === lines.length)).toEqual([]);
    expect(whole.nullValues).toEqual({});
    const small = await ingestWith('7');
    expect(small).toEqual(whole);
  }, 120_000);
});
