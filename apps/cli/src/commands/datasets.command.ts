import { createReadStream, createWriteStream } from 'node:fs';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { stat } from 'node:fs/promises';
import { createHash } from 'node:crypto';
import { basename } from 'node:path';
import type { Command } from 'commander';
import { IngestService } from '../../../../libs/exposure/ingest.service.js';
import { DatasetsService } from '../../../../libs/exposure/datasets.service.js';
import { formatOf } from '../../../../libs/exposure/readers.js';
import { ingestInput } from '../../../../libs/exposure/ingest-input.js';
import { idArgument, parseOptions } from '../input.js';
import { BadInputError } from '../../../../libs/common/errors.js';
import { listPageInput } from '../../../../libs/common/input.js';
import { run, type GlobalOptions } from '../cli-runner.js';
import { cliOperator } from '../operator.js';
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
    .description(
      'stream a JSONL, JSON array or CSV file (each optionally .gz; - for standard input) of exposed records into a new data set, or with --into add it to one',
    )
    .option('--name <name>', 'a name for the data set, or for the upload with --into (default: the file name)')
    .option(
      '--format <format>',
      'jsonl, json or csv (default: csv for a .csv name, else JSON lines or a JSON array, told by the content)',
    )
    .option(
      '--into <datasetId>',
      'add the lines (say, corrected quarantined lines) to this data set instead of making a new one',
    )
    .action(async (file: string, opts: { name?: string; format?: string; into?: string }, cmd: Command) => {
      const g = cmd.optsWithGlobals<GlobalOptions>();
      await run(
        g,
        async (app) => {
          // `-`: standard input, read once (no hash up front: a repeat is found when it has been read)
          const stdin = file === '-';
          const size = stdin
            ? 0
            : await stat(file)
                .then((s) => s.size)
                .catch(() => {
                  throw new BadInputError(`cannot read ${file}`);
                });
          const input = parseOptions(ingestInput, {
            name: opts.name ?? (stdin ? 'stdin' : basename(file)),
            format: opts.format,
          });
          const into = opts.into === undefined ? undefined : idArgument(opts.into, '--into');
          const bar = byteProgress(size, g.json || stdin);
          try {
            const source = {
              stream: stdin ? process.stdin : createReadStream(file, { highWaterMark: 1 << 20 }),
              name: input.name,
              format: input.format ?? (stdin ? 'jsonl' : formatOf(file)),
              ...(stdin ? {} : { sha256: await sha256File(file) }),
              onProgress: (p: { bytes: number }) => bar.update(p.bytes, p),
              actor: cliOperator(),
            };
            const ingest = app.get(IngestService);
            const r = into ? await ingest.addTo(into, source) : await ingest.ingest(source);
            bar.stop();
            const a = r.added;
            const warned = a
              ? { total: a.warningsTotal, list: a.warnings }
              : { total: r.warningsTotal, list: r.warnings };
            return {
              json: r,
              text: [
                r.alreadyIngested
                  ? opts.into
                    ? `This file was added to data set ${r.datasetId} before; nothing was added.`
                    : `This file was ingested before as data set ${r.datasetId}; nothing was added.`
                  : `Data set ${r.datasetId} (${r.name})`,
                a
                  ? `  upload ${a.upload} (${a.name}): lines ${a.lines}, accepted ${a.accepted}, quarantined ${a.quarantined}, duplicates ${a.duplicates}`
                  : '',
                a ? `  left the quarantine: ${a.resolved} line(s) whose recordId is now accepted` : '',
                a?.keptWithoutRecordId
                  ? `  ${a.keptWithoutRecordId} quarantined line(s) name no recordId: they stay quarantined, fixed or not`
                  : '',
                ...(a?.campaignsToReanalyze ?? []).map(
                  (c) =>
                    `  campaign ${c.campaignId} was ${c.was}: back to draft, analyze it again (campaigns analyze ${c.campaignId})`,
                ),
                `  ${a ? 'data set: ' : ''}lines ${r.lines}, accepted ${r.accepted}, quarantined ${r.quarantinedTotal}, duplicates ${r.duplicates}`,
                ...r.quarantined
                  .slice(0, 20)
                  .map((q) => `  ${q.upload ? `upload ${q.upload} ` : ''}line ${q.line}: ${q.reason}`),
                r.quarantinedTotal > 20
                  ? `  ... ${r.quarantinedTotal - 20} more (datasets quarantine ${r.datasetId})`
                  : '',
                // an added upload shows its own warnings (the data set's were shown when they came)
                warned.total
                  ? `  warnings ${warned.total}${a ? ` in upload ${a.upload}` : ''} (values dropped, records kept)`
                  : '',
                ...warned.list
                  .slice(0, 20)
                  .map((w) => `  ${w.upload ? `upload ${w.upload} ` : ''}line ${w.line}: ${w.field} ${w.reason}`),
                warned.total > 20
                  ? `  ... ${warned.total - 20} more (datasets warnings ${r.datasetId}${a ? ` --upload ${a.upload}` : ''})`
                  : '',
                formatScope(r.scope),
              ]
                .filter(Boolean)
                .join('\n'),
            };
          } finally {
            bar.stop();
          }
        },
        { role: 'admin' },
      );
    });

  datasets
    .command('list')
    .description('data sets, newest first, with their status and line counts')
    .option('--skip <n>', 'data sets to skip', '0')
    .option('--take <n>', 'data sets to list', '100')
    .action(async (o: { skip: string; take: string }, cmd: Command) => {
      await run(
        cmd.optsWithGlobals<GlobalOptions>(),
        async (app) => {
          const q = parseOptions(listPageInput, { skip: o.skip, take: o.take });
          const r = await app.get(DatasetsService).list(q.skip, q.take);
          return {
            json: r,
            text:
              r.datasets
                .map(
                  (d) =>
                    `${d.datasetId} ${d.createdAt.toISOString()} ${d.status.padEnd(9)} lines ${d.lines}, accepted ${d.accepted}, quarantined ${d.quarantined}, duplicates ${d.duplicates}  ${d.name}`,
                )
                .join('\n') || 'none',
          };
        },
        { role: 'viewer' },
      );
    });

  datasets
    .command('show <datasetId>')
    .description('the scope report of a data set: unique items and entities beside raw lines')
    .action(async (datasetId: string, _o: unknown, cmd: Command) => {
      await run(
        cmd.optsWithGlobals<GlobalOptions>(),
        async (app) => {
          const d = await app.get(DatasetsService).show(datasetId);
          const uploads = (d.uploads ?? []).filter((u) => u.upload > 0);
          const total = (counts: Record<string, number>) => Object.values(counts).reduce((a, b) => a + b, 0);
          const warned = total(d.warningCounts);
          const nulls = total(d.nullValues);
          return {
            json: d,
            text: [
              `Data set ${d.datasetId} (${d.name}), ${d.status}`,
              d.error ? `  ${d.error}` : '',
              ...uploads.map(
                (u) =>
                  `  upload ${u.upload} (${u.name}): lines ${u.lines}, accepted ${u.accepted}, quarantined ${u.quarantined}`,
              ),
              d.scope ? formatScope(d.scope) : '  no scope yet',
              warned ? `  values dropped     ${warned}  (datasets warnings ${d.datasetId})` : '',
              nulls ? `  null values        ${nulls}  (treated as absent)` : '',
            ]
              .filter(Boolean)
              .join('\n'),
          };
        },
        { role: 'viewer' },
      );
    });

  datasets
    .command('quarantine <datasetId>')
    .description(
      'the quarantined lines of a data set, with line numbers, reasons and raw text; --export writes them raw to a file to fix and add back (ingest --into)',
    )
    .option('--skip <n>', 'lines to skip', '0')
    .option('--take <n>', 'lines to list', '100')
    .option(
      '--upload <n>',
      'only the lines of this upload (0: the file that made the data set; 1, 2, …: files added with --into)',
    )
    .option(
      '--export <file>',
      'write the raw lines to this file: JSON lines, or for CSV input a CSV file with its header',
    )
    .action(
      async (datasetId: string, o: { skip: string; take: string; upload?: string; export?: string }, cmd: Command) => {
        await run(
          cmd.optsWithGlobals<GlobalOptions>(),
          async (app) => {
            const upload = o.upload === undefined ? undefined : toInt(o.upload, 'upload');
            if (o.export) {
              const out = await app.get(DatasetsService).exportQuarantine(datasetId, upload, cliOperator());
              await pipeline(Readable.from(out.lines), createWriteStream(o.export));
              const summary = { datasetId, file: o.export, format: out.format, ...out.counts };
              return {
                json: summary,
                text:
                  `${out.counts.exported} quarantined line(s) written to ${o.export} (${out.format})${out.counts.skipped ? `; ${out.counts.skipped} had no text to export` : ''}\n` +
                  `Fix them, then: datasets ingest ${o.export} --into ${datasetId}`,
              };
            }
            const rows = await app
              .get(DatasetsService)
              .quarantine(datasetId, toInt(o.skip, 'skip'), Math.min(toInt(o.take, 'take'), 10_000), upload);
            return {
              json: { datasetId, quarantined: rows },
              text: rows
                .map(
                  (q) =>
                    `${q.upload ? `upload ${q.upload} ` : ''}line ${q.line}: ${q.reason}\n    ${q.raw.slice(0, 200)}`,
                )
                .join('\n'),
            };
          },
          { role: o.export ? 'admin' : 'viewer' },
        );
      },
    );

  datasets
    .command('warnings <datasetId>')
    .description(
      'values dropped from accepted lines (an address that is not one, a value of the wrong type), with line numbers',
    )
    .option('--skip <n>', 'warnings to skip', '0')
    .option('--take <n>', 'warnings to list (all by default)')
    .option(
      '--upload <n>',
      'only the warnings of this upload (0: the file that made the data set; 1, 2, …: files added with --into)',
    )
    .action(async (datasetId: string, o: { skip: string; take?: string; upload?: string }, cmd: Command) => {
      await run(
        cmd.optsWithGlobals<GlobalOptions>(),
        async (app) => {
          const upload = o.upload === undefined ? undefined : toInt(o.upload, 'upload');
          const rows = await app
            .get(DatasetsService)
            .warnings(
              datasetId,
              toInt(o.skip, 'skip'),
              o.take === undefined ? undefined : toInt(o.take, 'take'),
              upload,
            );
          // line numbers are per upload: name the upload of each line once there is more than one
          const several = rows.some((w) => w.upload > 0);
          const text = rows
            .map((w) => `${several ? `upload ${w.upload} ` : ''}line ${w.line}: ${w.field} ${w.reason}`)
            .join('\n');
          return { json: { datasetId, warnings: rows }, text: rows.length ? text : 'no warnings' };
        },
        { role: 'viewer' },
      );
    });

  datasets
    .command('cluster <datasetId> <recordId>')
    .description('why lines were merged: the cluster of a record with its items and member records')
    .action(async (datasetId: string, recordId: string, _o: unknown, cmd: Command) => {
      await run(
        cmd.optsWithGlobals<GlobalOptions>(),
        async (app) => ({
          json: await app.get(DatasetsService).clusterOfRecord(datasetId, recordId),
        }),
        { role: 'admin' },
      );
    });
}

function toInt(v: string, name: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0) throw new BadInputError(`--${name} must be a whole number`);
  return n;
}

export function formatScope(s: {
  lines: number;
  records: number;
  quarantined: number;
  uniqueItems: number;
  uniqueEmailAddresses: number;
  uniquePeople: number;
  uniquePhoneNumbers: number;
  phoneNumbersNotValid?: number;
  uniqueFiles: number;
  uniqueProjects: number;
  duplicationFactor: number;
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
