import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { createHash } from 'node:crypto';
import { basename } from 'node:path';
import type { Command } from 'commander';
import { IngestService } from '../../../../libs/exposure/ingest.service.js';
import { DatasetsService } from '../../../../libs/exposure/datasets.service.js';
import { formatOf } from '../../../../libs/exposure/readers.js';
import { BadInputError } from '../../../../libs/common/errors.js';
import { run, type GlobalOptions } from '../cli-runner.js';
import { byteProgress } from '../progress.js';

async function sha256File(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path, { highWaterMark: 1 << 20 })) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

export function registerDatasetsCommands(program: Command): void {
  const datasets = program.command('datasets').description('the exposed data set: ingest and inspect');

  datasets
    .command('ingest <file>')
    .description('stream a JSONL (optionally .gz) or CSV file of exposed records into a data set')
    .option('--name <name>', 'a name for the data set (default: the file name)')
    .option('--format <format>', 'jsonl or csv (default: from the file name)')
    .action(async (file: string, opts: { name?: string; format?: string }, cmd: Command) => {
      const g = cmd.optsWithGlobals<GlobalOptions>();
      await run(g, async (app) => {
        const size = await stat(file).then((s) => s.size).catch(() => {
          throw new BadInputError(`cannot read ${file}`);
        });
        if (opts.format && opts.format !== 'jsonl' && opts.format !== 'csv') throw new BadInputError('--format must be jsonl or csv');
        const bar = byteProgress(size, g.json);
        try {
          const r = await app.get(IngestService).ingest({
            stream: createReadStream(file, { highWaterMark: 1 << 20 }),
            name: opts.name ?? basename(file),
            format: (opts.format as 'jsonl' | 'csv' | undefined) ?? formatOf(file),
            sha256: await sha256File(file),
            onProgress: (p) => bar.update(p.bytes, p),
          });
          bar.stop();
          return {
            json: r,
            text: [
              r.alreadyIngested ? `This file was ingested before as data set ${r.datasetId}; nothing was added.` : `Data set ${r.datasetId} (${r.name})`,
              `  lines ${r.lines}, accepted ${r.accepted}, quarantined ${r.quarantinedTotal}, duplicates ${r.duplicates}`,
              ...r.quarantined.slice(0, 20).map((q) => `  line ${q.line}: ${q.reason}`),
              r.quarantinedTotal > 20 ? `  ... ${r.quarantinedTotal - 20} more (datasets quarantine ${r.datasetId})` : '',
              r.warningsTotal ? `  warnings ${r.warningsTotal} (values dropped, records kept)` : '',
              ...r.warnings.slice(0, 20).map((w) => `  line ${w.line}: ${w.field} ${w.reason}`),
              r.warningsTotal > 20 ? `  ... ${r.warningsTotal - 20} more (datasets warnings ${r.datasetId})` : '',
              formatScope(r.scope),
            ].filter(Boolean).join('\n'),
          };
        } finally {
          bar.stop();
        }
      });
    });

  datasets
    .command('show <datasetId>')
    .description('the scope report of a data set: unique items and entities beside raw lines')
    .action(async (datasetId: string, _o: unknown, cmd: Command) => {
      await run(cmd.optsWithGlobals<GlobalOptions>(), async (app) => {
        const d = await app.get(DatasetsService).show(datasetId);
        const total = (counts: Record<string, number>) => Object.values(counts).reduce((a, b) => a + b, 0);
        const warned = total(d.warningCounts);
        const nulls = total(d.nullValues);
        return {
          json: d,
          text: [
            `Data set ${d.datasetId} (${d.name}), ${d.status}`,
            d.scope ? formatScope(d.scope) : '  no scope yet',
            warned ? `  values dropped     ${warned}  (datasets warnings ${d.datasetId})` : '',
            nulls ? `  null values        ${nulls}  (treated as absent)` : '',
          ].filter(Boolean).join('\n'),
        };
      });
    });

  datasets
    .command('quarantine <datasetId>')
    .description('the quarantined lines of a data set, with line numbers, reasons and raw text')
    .option('--skip <n>', 'lines to skip', '0')
    .option('--take <n>', 'lines to list', '100')
    .action(async (datasetId: string, o: { skip: string; take: string }, cmd: Command) => {
      await run(cmd.optsWithGlobals<GlobalOptions>(), async (app) => {
        const rows = await app.get(DatasetsService).quarantine(datasetId, toInt(o.skip, 'skip'), Math.min(toInt(o.take, 'take'), 10_000));
        return { json: { datasetId, quarantined: rows }, text: rows.map((q) => `line ${q.line}: ${q.reason}\n    ${q.raw.slice(0, 200)}`).join('\n') };
      });
    });

  datasets
    .command('warnings <datasetId>')
    .description('values dropped from accepted lines (an address that is not one, a value of the wrong type), with line numbers')
    .option('--skip <n>', 'warnings to skip', '0')
    .option('--take <n>', 'warnings to list (all by default)')
    .action(async (datasetId: string, o: { skip: string; take?: string }, cmd: Command) => {
      await run(cmd.optsWithGlobals<GlobalOptions>(), async (app) => {
        const rows = await app.get(DatasetsService).warnings(datasetId, toInt(o.skip, 'skip'), o.take === undefined ? undefined : toInt(o.take, 'take'));
        return { json: { datasetId, warnings: rows }, text: rows.length ? rows.map((w) => `line ${w.line}: ${w.field} ${w.reason}`).join('\n') : 'no warnings' };
      });
    });

  datasets
    .command('cluster <datasetId> <recordId>')
    .description('why lines were merged: the cluster of a record with its items and member records')
    .action(async (datasetId: string, recordId: string, _o: unknown, cmd: Command) => {
      await run(cmd.optsWithGlobals<GlobalOptions>(), async (app) => ({ json: await app.get(DatasetsService).clusterOfRecord(datasetId, recordId) }));
    });
}

function toInt(v: string, name: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0) throw new BadInputError(`--${name} must be a whole number`);
  return n;
}

export function formatScope(s: {
  lines: number; records: number; quarantined: number; uniqueItems: number; uniqueEmailAddresses: number;
  uniquePeople: number; uniquePhoneNumbers: number; phoneNumbersNotValid?: number; uniqueFiles: number; uniqueProjects: number; duplicationFactor: number;
}): string {
  return [
    'Scope (unique things, not lines):',
    `  raw lines           ${s.lines}  (records ${s.records}, quarantined ${s.quarantined})`,
    `  unique items        ${s.uniqueItems}  (each item appeared ${s.duplicationFactor}x on average)`,
    `  email addresses     ${s.uniqueEmailAddresses}`,
    `  people              ${s.uniquePeople}`,
    `  phone numbers       ${s.uniquePhoneNumbers}${s.phoneNumbersNotValid ? `  (${s.phoneNumbersNotValid} not valid: counted, never evidence)` : ''}`,
    `  files               ${s.uniqueFiles}`,
    `  projects            ${s.uniqueProjects}`,
  ].join('\n');
}
