import { createWriteStream } from 'node:fs';
import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { Command } from 'commander';
import { BadInputError } from '../../../../libs/common/errors.js';
import { CampaignReports } from '../../../../libs/reports/campaign-reports.service.js';
import { EXPORT_KINDS } from '../../../../libs/reports/export-columns.js';
import { RATE_BUCKETS, type RateBucketRow } from '../../../../libs/reports/rates.js';
import { exportInput, ratesInput } from '../../../../libs/reports/report-input.js';
import { idArgument, parseOptions } from '../input.js';
import { run, type GlobalOptions } from '../cli-runner.js';
import { cliOperator } from '../operator.js';

const percent = (r: number | null) => (r === null ? '-' : `${(r * 100).toFixed(1)}%`);

const rateLine = (b: RateBucketRow) =>
  `${b.start}  posted ${b.noticesPosted} (${percent(b.rates.posted)})  read ${b.firstReads} (${percent(b.rates.read)})  acknowledged ${b.firstAcknowledgements} (${percent(b.rates.acknowledged)})`;

/** stdout as a pipeline's end that is never ended: the runner still has its exit to make. */
const stdoutKeptOpen = () =>
  new Writable({
    write: (chunk: Buffer, _enc, done) => (process.stdout.write(chunk) ? done() : process.stdout.once('drain', done)),
  });

/** `campaigns export` and `campaigns rates` (docs/contracts.md §5), beside the other campaign commands. */
export function registerCampaignReportCommands(program: Command): void {
  const campaigns = program.commands.find((c) => c.name() === 'campaigns');
  if (!campaigns) throw new Error('the campaigns command must be registered first');

  campaigns
    .command('export <campaignId>')
    .description(
      'a CSV of the campaign: its decisions, deliveries, notices (readers, acknowledgements) or audit events; to --out, else to stdout',
    )
    .requiredOption('--what <what>', EXPORT_KINDS.join(', '))
    .option('--out <file>', 'write the CSV to this file (needed with --json, whose summary takes stdout)')
    .action(async (id: string, o: { what: string; out?: string }, cmd: Command) => {
      const g = cmd.optsWithGlobals<GlobalOptions>();
      await run(
        g,
        async (app) => {
          const campaignId = idArgument(id, 'campaignId');
          const input = parseOptions(exportInput, { what: o.what });
          if (g.json && !o.out) throw new BadInputError('--out: needed with --json (the JSON summary takes stdout)');
          const out = await app.get(CampaignReports).export(campaignId, input.what, cliOperator());
          await pipeline(Readable.from(out.chunks), o.out ? createWriteStream(o.out) : stdoutKeptOpen());
          const summary = { campaignId, what: input.what, rows: out.counts.rows, file: o.out ?? null };
          if (!o.out) {
            process.stderr.write(`${summary.rows} ${input.what} row(s) written\n`);
            return { json: summary, wroteStdout: true };
          }
          return { json: summary, text: `${summary.rows} ${input.what} row(s) written to ${o.out}` };
        },
        { role: 'admin' },
      );
    });

  campaigns
    .command('rates <campaignId>')
    .description(
      'per hour or day since the launch: notices posted, tenants with a first read and a first acknowledgement, with cumulative rates',
    )
    .option('--bucket <bucket>', RATE_BUCKETS.join(' or '), 'day')
    .action(async (id: string, o: { bucket: string }, cmd: Command) => {
      await run(
        cmd.optsWithGlobals<GlobalOptions>(),
        async (app) => {
          const campaignId = idArgument(id, 'campaignId');
          const q = parseOptions(ratesInput, { bucket: o.bucket });
          const r = await app.get(CampaignReports).rates(campaignId, q.bucket);
          const head = `campaign ${r.campaignId}: ${r.affectedTenants} affected tenant(s), launched ${r.launchedAt ?? 'not yet'}`;
          return { json: r, text: [head, ...r.buckets.map(rateLine)].join('\n') };
        },
        { role: 'viewer' },
      );
    });
}
