/**
 * Attribution benchmark: AnalysisService.attribute over 1,000,000 records against a
 * directory of 100,000 tenants: reading records from PostgreSQL, attribution, storing the
 * attributions, the decision pass and the exposure views.
 *
 *   npm run bench:attribute -- [--records N] [--tenants T] [--runs K] [--seed S] [--regenerate] [--json]
 *
 * The world (T tenants, seed S; its ~7.7 lines per tenant followed by renamed copies up to N
 * lines) is cached in .bench/. Loading the directory and ingesting the data set are set-up, not
 * measured. Each measured run is a child process of its own (its own peak RSS) on a new campaign,
 * with the previous run's analysis tables emptied first. The database is dropped at the end.
 */
import 'reflect-metadata';
import { createReadStream } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { ConfigModule } from '../libs/config/config.module.js';
import { DbModule } from '../libs/db/db.module.js';
import { ExposureModule } from '../libs/exposure/exposure.module.js';
import { DatasetCampaignsModule } from '../libs/campaigns/dataset-campaigns.module.js';
import { IngestService } from '../libs/exposure/ingest.service.js';
import { DirectoryModule } from '../libs/directory/directory.module.js';
import { DirectoryService, MAX_TENANT_LINE } from '../libs/directory/directory.service.js';
import { readLines } from '../libs/common/read-lines.js';
import { AnalysisService } from '../libs/campaigns/analysis.service.js';
import { CampaignsRepository } from '../libs/campaigns/campaigns.repository.js';
import { DirectoryRepository } from '../libs/directory/directory.repository.js';
import { ExposureRepository } from '../libs/exposure/exposure.repository.js';
import { NoticesStoreModule } from '../libs/notices/notices-store.module.js';
import { MetricsModule } from '../libs/observability/metrics.js';
import {
  createBenchDatabase,
  dropOnSignal,
  ensureWorldFile,
  load1,
  machine,
  mb,
  median,
  readAndParse,
  reply,
  round,
  rssSampler,
  runChild,
  runMeasuredChild,
  cpuPerRecord,
  cpuOfRun,
  type CpuMeasured,
  processCpuSeconds,
  serviceNodeFlags,
  seconds,
  table,
} from './bench-support.js';

const SCRIPT = fileURLToPath(import.meta.url);

@Module({ imports: [ConfigModule, DbModule, DirectoryModule, ExposureModule, DatasetCampaignsModule] })
class SetupModule {}

// Only what an analysis needs (CampaignsModule would also bring the queues and notices).
@Module({
  imports: [ConfigModule, DbModule, MetricsModule, NoticesStoreModule],
  providers: [CampaignsRepository, DirectoryRepository, ExposureRepository, AnalysisService],
})
class AnalysisBenchModule {}

interface SetupResult {
  tenantsImported: number;
  tenantLinesRejected: number;
  directorySeconds: number;
  datasetId: string;
  records: number;
  uniqueItems: number;
  ingestSeconds: number;
}

interface AttributeRun {
  records: number;
  attributedRecords: number;
  tenants: { affected: number; notAffected: number; needsReview: number };
  reviewItems: number;
  seconds: number;
  peakRssBytes: number;
  /** CPU seconds of this process during the analysis */
  cpuSeconds: number;
}

async function childSetup(tenantsFile: string, file: string): Promise<SetupResult> {
  const app = await NestFactory.createApplicationContext(SetupModule, { logger: ['error', 'warn'] });
  try {
    let started = process.hrtime.bigint();
    const dir = await app
      .get(DirectoryService)
      .importTenants(
        readLines(createReadStream(tenantsFile, { highWaterMark: 1 << 20 }), { maxLineLength: MAX_TENANT_LINE }),
      );
    const directorySeconds = seconds(started);
    started = process.hrtime.bigint();
    const r = await app
      .get(IngestService)
      .ingest({ stream: createReadStream(file, { highWaterMark: 1 << 20 }), name: 'bench', format: 'jsonl' });
    return {
      tenantsImported: dir.imported + dir.updated,
      tenantLinesRejected: dir.rejected.length,
      directorySeconds: round(directorySeconds, 1),
      datasetId: r.datasetId,
      records: r.accepted,
      uniqueItems: r.scope.uniqueItems,
      ingestSeconds: round(seconds(started), 1),
    };
  } finally {
    await app.close();
  }
}

async function childAttribute(datasetId: string): Promise<AttributeRun> {
  const app = await NestFactory.createApplicationContext(AnalysisBenchModule, { logger: ['error', 'warn'] });
  try {
    const campaign = await app.get(CampaignsRepository).create({ datasetId, title: 'bench', createdBy: 'bench' });
    const analysis = app.get(AnalysisService);
    const rss = rssSampler();
    const cpu0 = processCpuSeconds();
    const started = process.hrtime.bigint();
    const s = await analysis.attribute(campaign.id);
    const secs = seconds(started);
    const cpuSeconds = processCpuSeconds() - cpu0;
    const peak = rss.peak();
    rss.stop();
    return {
      records: s.records,
      attributedRecords: s.attributedRecords,
      tenants: s.tenants,
      reviewItems: s.reviewItems,
      seconds: secs,
      peakRssBytes: peak,
      cpuSeconds,
    };
  } finally {
    await app.close();
  }
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      child: { type: 'string' },
      file: { type: 'string' },
      'tenants-file': { type: 'string' },
      dataset: { type: 'string' },
      records: { type: 'string', default: '1000000' },
      tenants: { type: 'string', default: '100000' },
      runs: { type: 'string', default: '3' },
      seed: { type: 'string', default: '1' },
      regenerate: { type: 'boolean', default: false },
      json: { type: 'boolean', default: false },
    },
  });
  if (values.child === 'setup') return reply(await childSetup(values['tenants-file']!, values.file!));
  if (values.child === 'attribute') return reply(await childAttribute(values.dataset!));
  if (values.child === 'baseline') return reply(await readAndParse(values.file!));

  const records = Number(values.records);
  const tenants = Number(values.tenants);
  const runs = Number(values.runs);
  const seed = Number(values.seed);
  if (![records, tenants, runs].every((x) => Number.isInteger(x) && x >= 1) || !Number.isInteger(seed)) {
    throw new Error('--records, --tenants, --runs and --seed take positive whole numbers');
  }
  const log = (s: string) => process.stderr.write(`bench:attribute: ${s}\n`);

  const world = await ensureWorldFile({ tenants, lines: records, seed, regenerate: values.regenerate, log });
  // the analysis runs on the worker: its node flags
  const nodeFlags = serviceNodeFlags('worker');
  const loadAtStart = load1();
  const db = await createBenchDatabase();
  const undoSignal = dropOnSignal(db);
  log(`database ${db.name}`);
  const env = { DATABASE_URL: db.url, OPERATOR_DOMAINS: world.operatorDomains.join(',') };
  let setup: SetupResult;
  const baseline: { lines: number; seconds: number; peakRssBytes: number }[] = [];
  const attribute: CpuMeasured<AttributeRun>[] = [];
  try {
    log('set-up (not measured): importing the directory and ingesting the data set ...');
    setup = await runChild<SetupResult>(
      SCRIPT,
      'setup',
      ['--tenants-file', world.tenantsPath, '--file', world.path],
      env,
    );
    log(
      `set-up: ${setup.tenantsImported} tenants in ${setup.directorySeconds} s, ${setup.records} records in ${setup.ingestSeconds} s`,
    );
    await db.query('VACUUM ANALYZE');
    for (let k = 0; k < runs; k++) {
      baseline.push(await runChild(SCRIPT, 'baseline', ['--file', world.path], {}, nodeFlags));
      await db.query(
        'TRUNCATE record_attributions, tenant_records, exposure_views, tenant_decisions, review_items CASCADE',
      );
      await db.query('CHECKPOINT');
      attribute.push(
        await runMeasuredChild<AttributeRun>(SCRIPT, 'attribute', ['--dataset', setup.datasetId], env, nodeFlags),
      );
      const r = attribute[k]!;
      log(
        `run ${k + 1}/${runs}: ${Math.round(r.records / r.seconds)} records/s, peak RSS ${mb(r.peakRssBytes)} MiB, ${r.tenants.affected} affected, ${cpuOfRun(r)}`,
      );
    }
  } finally {
    undoSignal();
    await db.drop();
  }

  const rate = (r: { seconds: number }, n: number) => n / r.seconds;
  const baseRate = median(baseline.map((b) => rate(b, b.lines)));
  const attrRate = median(attribute.map((r) => rate(r, r.records)));
  const a0 = attribute[0]!;
  const cpu = cpuPerRecord(attribute, (r) => r.records);
  const result = {
    benchmark: 'attribute',
    date: new Date().toISOString(),
    machine: machine(),
    nodeFlags,
    loadAverage1m: { start: loadAtStart, end: load1() },
    file: {
      path: world.path,
      lines: world.lines,
      bytes: world.bytes,
      tenants: world.tenants,
      seed,
      recycledLines: world.recycledLines,
    },
    generation: { ...world.generation, fromCache: world.reused },
    setup,
    runs,
    baseline: { recordsPerSecond: Math.round(baseRate) },
    attribute: {
      recordsPerSecond: Math.round(attrRate),
      peakRssMiB: mb(median(attribute.map((r) => r.peakRssBytes))),
      maxPeakRssMiB: mb(Math.max(...attribute.map((r) => r.peakRssBytes))),
      secondsPerRun: attribute.map((r) => round(r.seconds, 1)),
      // CPU per record: what bounds the rate on a machine whose cores the process and the database share
      nodeCpuMicrosPerRecord: cpu.node,
      postgresCpuMicrosPerRecord: cpu.postgres,
      records: a0.records,
      attributedRecords: a0.attributedRecords,
      tenants: a0.tenants,
      reviewItems: a0.reviewItems,
    },
    ratioAttributeToBaseline: round(attrRate / baseRate, 3),
    targets: { recordsPerSecond: 50_000, peakRssMiB: 1536 },
  };
  if (values.json) {
    process.stdout.write(JSON.stringify(result, null, 2) + '\n');
    return;
  }
  const m = result.machine;
  const g = result.generation;
  process.stdout.write(
    [
      `attribution benchmark, ${result.date.slice(0, 10)}: ${a0.records} records against ${setup.tenantsImported} tenants (seed ${seed}); median of ${runs} runs`,
      `machine: ${m.nproc} CPUs (${m.cpu}), ${m.memoryGiB} GiB, node ${m.node} (runs: ${nodeFlags.join(' ') || 'no flags'}, as npm run worker); 1-minute load average ${result.loadAverage1m.start} at the start, ${result.loadAverage1m.end} at the end`,
      `world generator: ${world.tenants} tenants, ${g.worldLines} lines at ${g.linesPerSecond} lines/s (directory planned in ${g.planSeconds} s), peak RSS ${mb(g.peakRssBytes)} MiB` +
        `${world.reused ? ' (when the cached file was written)' : ''}; ${world.recycledLines} more lines as renamed copies`,
      `set-up (not measured): directory import ${setup.directorySeconds} s, ingest ${setup.ingestSeconds} s (${setup.uniqueItems} unique items)`,
      '',
      table([
        ['pass', 'records/s', 'peak RSS MiB', 'seconds per run', 'vs baseline'],
        [
          'read + JSON.parse of the file (baseline)',
          result.baseline.recordsPerSecond,
          '',
          baseline.map((b) => round(b.seconds, 1)).join(' / '),
          '1.000',
        ],
        [
          'attribute + decide + views',
          result.attribute.recordsPerSecond,
          result.attribute.peakRssMiB,
          result.attribute.secondsPerRun.join(' / '),
          result.ratioAttributeToBaseline.toFixed(3),
        ],
      ]),
      '',
      `target: >= 50000 records/s (${attrRate >= 50_000 ? 'met' : 'MISSED'}), peak RSS < 1536 MiB (max of runs ${result.attribute.maxPeakRssMiB} MiB: ${result.attribute.maxPeakRssMiB < 1536 ? 'met' : 'MISSED'})`,
      `CPU per record (medians): node ${result.attribute.nodeCpuMicrosPerRecord} µs, PostgreSQL ${result.attribute.postgresCpuMicrosPerRecord ?? '?'} µs`,
      `outcome: ${a0.attributedRecords} records touch a tenant; affected ${a0.tenants.affected}, needs review ${a0.tenants.needsReview}, not affected ${a0.tenants.notAffected}; ${a0.reviewItems} review items`,
      '',
    ].join('\n'),
  );
}

main().catch((err: unknown) => {
  process.stderr.write(`bench:attribute: ${(err as Error).stack ?? String(err)}\n`);
  process.exit(1);
});
