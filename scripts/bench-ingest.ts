/**
 * Ingest benchmark: ingest + normalize + dedupe of N generated records into PostgreSQL,
 * against a plain read-and-JSON.parse of the same file measured in the same run.
 *
 *   npm run bench:ingest -- [--records N] [--runs K] [--seed S] [--regenerate] [--json]
 *
 * The file (default 1,000,000 lines, about 1 GB) is cached in .bench/. Each run is a child
 * process of its own, so its peak RSS is its own; each ingest run starts from empty data-set
 * tables (the same file ingested twice would be deduplicated by its sha256). The database is
 * created for the benchmark and dropped at the end.
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
/** lines the world generator writes per tenant, a little under its average (~7.7) so one world is enough */
const LINES_PER_TENANT = 7;

@Module({ imports: [ConfigModule, DbModule, ExposureModule, DatasetCampaignsModule] })
class IngestBenchModule {}

interface IngestRun {
  lines: number;
  accepted: number;
  quarantined: number;
  uniqueItems: number;
  seconds: number;
  peakRssBytes: number;
  /** CPU seconds of this process during the ingest */
  cpuSeconds: number;
}

interface BaselineRun {
  lines: number;
  seconds: number;
  peakRssBytes: number;
}

async function childIngest(file: string): Promise<IngestRun> {
  const app = await NestFactory.createApplicationContext(IngestBenchModule, { logger: ['error', 'warn'] });
  const ingest = app.get(IngestService);
  const rss = rssSampler();
  const cpu0 = processCpuSeconds();
  const started = process.hrtime.bigint();
  const r = await ingest.ingest({
    stream: createReadStream(file, { highWaterMark: 1 << 20 }),
    name: 'bench',
    format: 'jsonl',
  });
  const secs = seconds(started);
  const cpuSeconds = processCpuSeconds() - cpu0;
  const peak = rss.peak();
  rss.stop();
  await app.close();
  if (r.alreadyIngested) throw new Error('the data set tables were not empty: the run was deduplicated away');
  return {
    lines: r.lines,
    accepted: r.accepted,
    quarantined: r.quarantinedTotal,
    uniqueItems: r.scope.uniqueItems,
    seconds: secs,
    peakRssBytes: peak,
    cpuSeconds,
  };
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      child: { type: 'string' },
      file: { type: 'string' },
      records: { type: 'string', default: '1000000' },
      runs: { type: 'string', default: '3' },
      seed: { type: 'string', default: '1' },
      regenerate: { type: 'boolean', default: false },
      json: { type: 'boolean', default: false },
    },
  });
  if (values.child === 'baseline') return reply(await readAndParse(values.file!));
  if (values.child === 'ingest') return reply(await childIngest(values.file!));

  const records = Number(values.records);
  const runs = Number(values.runs);
  const seed = Number(values.seed);
  if (!Number.isInteger(records) || records < 1 || !Number.isInteger(runs) || runs < 1 || !Number.isInteger(seed)) {
    throw new Error('--records, --runs and --seed take positive whole numbers');
  }
  const log = (s: string) => process.stderr.write(`bench:ingest: ${s}\n`);

  const world = await ensureWorldFile({
    tenants: Math.max(1, Math.ceil(records / LINES_PER_TENANT)),
    lines: records,
    seed,
    regenerate: values.regenerate,
    log,
  });
  // ingest runs in the cli (datasets ingest) and the API (upload): the cli's node flags
  const nodeFlags = serviceNodeFlags('cli');
  const loadAtStart = load1();
  const db = await createBenchDatabase();
  const undoSignal = dropOnSignal(db);
  log(`database ${db.name}`);
  const baseline: BaselineRun[] = [];
  const ingest: CpuMeasured<IngestRun>[] = [];
  try {
    const env = { DATABASE_URL: db.url, OPERATOR_DOMAINS: world.operatorDomains.join(',') };
    // interleaved, so that a slower phase of the machine hits both sides alike
    for (let k = 0; k < runs; k++) {
      baseline.push(await runChild<BaselineRun>(SCRIPT, 'baseline', ['--file', world.path], {}, nodeFlags));
      log(`run ${k + 1}/${runs}: baseline ${Math.round(baseline[k]!.lines / baseline[k]!.seconds)} lines/s`);
      await db.query('TRUNCATE datasets, exposure_records, items, quarantined_lines, entities CASCADE');
      await db.query('CHECKPOINT');
      ingest.push(await runMeasuredChild<IngestRun>(SCRIPT, 'ingest', ['--file', world.path], env, nodeFlags));
      const r = ingest[k]!;
      log(
        `run ${k + 1}/${runs}: ingest ${Math.round(r.lines / r.seconds)} lines/s, peak RSS ${mb(r.peakRssBytes)} MiB, ${r.accepted} records, ${r.uniqueItems} unique items, ${cpuOfRun(r)}`,
      );
    }
  } finally {
    undoSignal();
    await db.drop();
  }

  const rate = (r: { lines: number; seconds: number }) => r.lines / r.seconds;
  const baseRate = median(baseline.map(rate));
  const fullRate = median(ingest.map(rate));
  const cpu = cpuPerRecord(ingest, (r) => r.lines);
  const result = {
    benchmark: 'ingest',
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
    runs,
    baseline: {
      recordsPerSecond: Math.round(baseRate),
      peakRssMiB: mb(median(baseline.map((b) => b.peakRssBytes))),
      secondsPerRun: baseline.map((b) => round(b.seconds, 1)),
    },
    ingest: {
      recordsPerSecond: Math.round(fullRate),
      peakRssMiB: mb(median(ingest.map((r) => r.peakRssBytes))),
      maxPeakRssMiB: mb(Math.max(...ingest.map((r) => r.peakRssBytes))),
      secondsPerRun: ingest.map((r) => round(r.seconds, 1)),
      // CPU per record: what bounds the rate on a machine whose cores the process and the database share
      nodeCpuMicrosPerRecord: cpu.node,
      postgresCpuMicrosPerRecord: cpu.postgres,
      accepted: ingest[0]!.accepted,
      quarantined: ingest[0]!.quarantined,
      uniqueItems: ingest[0]!.uniqueItems,
    },
    ratioIngestToBaseline: round(fullRate / baseRate, 3),
    targets: { recordsPerSecond: 30_000, peakRssMiB: 1024 },
  };
  if (values.json) {
    process.stdout.write(JSON.stringify(result, null, 2) + '\n');
    return;
  }
  const m = result.machine;
  process.stdout.write(
    [
      `ingest benchmark, ${result.date.slice(0, 10)}: ${world.lines} lines (${mb(world.bytes)} MiB) of a ${world.tenants}-tenant world, seed ${seed}; median of ${runs} runs`,
      `machine: ${m.nproc} CPUs (${m.cpu}), ${m.memoryGiB} GiB, node ${m.node} (runs: ${nodeFlags.join(' ') || 'no flags'}, as npm run cli); 1-minute load average ${result.loadAverage1m.start} at the start, ${result.loadAverage1m.end} at the end`,
      `world generator: ${result.generation.worldLines} lines at ${result.generation.linesPerSecond} lines/s, peak RSS ${mb(result.generation.peakRssBytes)} MiB${world.reused ? ' (when the cached file was written)' : ''}`,
      '',
      table([
        ['pass', 'records/s', 'peak RSS MiB', 'seconds per run', 'vs baseline'],
        [
          'read + JSON.parse (baseline)',
          result.baseline.recordsPerSecond,
          result.baseline.peakRssMiB,
          result.baseline.secondsPerRun.join(' / '),
          '1.000',
        ],
        [
          'ingest + normalize + dedupe',
          result.ingest.recordsPerSecond,
          result.ingest.peakRssMiB,
          result.ingest.secondsPerRun.join(' / '),
          result.ratioIngestToBaseline.toFixed(3),
        ],
      ]),
      '',
      `target: >= 30000 records/s (${fullRate >= 30_000 ? 'met' : 'MISSED'}), peak RSS < 1024 MiB (max of runs ${result.ingest.maxPeakRssMiB} MiB: ${result.ingest.maxPeakRssMiB < 1024 ? 'met' : 'MISSED'})`,
      `CPU per line (medians): node ${result.ingest.nodeCpuMicrosPerRecord} µs, PostgreSQL ${result.ingest.postgresCpuMicrosPerRecord ?? '?'} µs`,
      `data set: ${result.ingest.accepted} records accepted, ${result.ingest.quarantined} quarantined, ${result.ingest.uniqueItems} unique items`,
      '',
    ].join('\n'),
  );
}

main().catch((err: unknown) => {
  process.stderr.write(`bench:ingest: ${(err as Error).stack ?? String(err)}\n`);
  process.exit(1);
});
