import type { Command } from 'commander';
import { open, readFile, unlink, type FileHandle } from 'node:fs/promises';
import { z } from 'zod';
import { BadInputError } from '../../../../libs/common/errors.js';
import { IncidentsService } from '../../../../libs/incidents/incidents.service.js';
import {
  createIncidentInput,
  fileIncidentInput,
  incidentLocale,
  incidentReportInput,
  incidentUpdateInput,
  listIncidentsInput,
  reportVersion,
} from '../../../../libs/incidents/incident-input.js';
import type { NotificationClock } from '../../../../libs/incidents/notification-clock.js';
import { IncidentReportService } from '../../../../libs/campaigns/incident-report.service.js';
import { NoticeRevisions } from '../../../../libs/campaigns/notice-revisions.service.js';
import { MAX_WORDS_FILE_CHARS } from '../../../../libs/notices/incident-words.js';
import { idArgument, parseOptions } from '../input.js';
import { run, type GlobalOptions } from '../cli-runner.js';
import { cliOperator } from '../operator.js';

/** The words file, read whole: refused with a reason when it cannot be read or is too long. */
async function readWordsFile(path: string): Promise<string> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    throw new BadInputError(
      `--file: cannot read ${path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`,
    );
  }
  if (text.length > MAX_WORDS_FILE_CHARS)
    throw new BadInputError(`--file: the file is longer than ${MAX_WORDS_FILE_CHARS} characters`);
  return text;
}

/**
 * A new file for an export, created before the export is made: an existing file is refused, never
 * overwritten (it may be the version that was sent), and a refused file stores no version.
 */
async function newFile(
  path: string,
): Promise<{ write: (content: string) => Promise<void>; discard: () => Promise<void> }> {
  let handle: FileHandle;
  try {
    handle = await open(path, 'wx');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') throw new BadInputError(`--out: ${path} exists; choose another file`);
    throw new BadInputError(`--out: cannot write ${path}: ${code ?? (err as Error).message}`);
  }
  return {
    write: async (content) => {
      try {
        await handle.writeFile(content, 'utf8');
      } finally {
        await handle.close();
      }
    },
    discard: async () => {
      await handle.close().catch(() => undefined);
      await unlink(path).catch(() => undefined);
    },
  };
}

/** Runs the export into a new file, or removes the file when the export fails. */
async function exportTo<T extends { content: string }>(path: string, produce: () => Promise<T>): Promise<T> {
  const file = await newFile(path);
  let result: T;
  try {
    result = await produce();
  } catch (err) {
    await file.discard();
    throw err;
  }
  await file.write(result.content);
  return result;
}

/** The clock in one line, with its warning on the next. */
const clockLines = (c: NotificationClock) => [
  `72-hour clock: ${c.summary}`,
  ...(c.warning ? [`warning: ${c.warning}`] : []),
];

export function registerIncidentsCommands(program: Command): void {
  const incidents = program
    .command('incidents')
    .description("incidents: the campaigns and data sets of one exposure, and the operator's words about it");

  incidents
    .command('create')
    .description('a new incident')
    .requiredOption('--title <title>', 'what the incident is called')
    .option('--aware-at <iso>', 'when we became aware of it (ISO date or date-time)')
    .action(async (o: { title: string; awareAt?: string }, cmd: Command) => {
      await run(
        cmd.optsWithGlobals<GlobalOptions>(),
        async (app) => {
          const input = parseOptions(createIncidentInput, { title: o.title, awareAt: o.awareAt });
          const i = await app.get(IncidentsService).create(input, cliOperator());
          return { json: i, text: `incident ${i.incidentId} created` };
        },
        { role: 'admin' },
      );
    });

  incidents
    .command('list')
    .description('incidents, newest first')
    .option('--skip <n>', 'incidents to skip')
    .option('--take <n>', 'incidents to list (1..1000, default 100)')
    .action(async (o: { skip?: string; take?: string }, cmd: Command) => {
      await run(
        cmd.optsWithGlobals<GlobalOptions>(),
        async (app) => {
          const q = parseOptions(listIncidentsInput, { skip: o.skip, take: o.take });
          const r = await app.get(IncidentsService).list(q.skip, q.take);
          return {
            json: r,
            text: r.incidents
              .map(
                (i) =>
                  `${i.incidentId} ${i.title} (${i.campaigns} campaign(s); words: ${i.locales.join(', ') || 'none'}; ${i.clock.state === 'overdue' ? 'WARNING: ' : ''}${i.clock.summary})`,
              )
              .join('\n'),
          };
        },
        { role: 'viewer' },
      );
    });

  incidents
    .command('show <incidentId>')
    .description('an incident: its data sets, its campaigns with their status, the locales it has words in')
    .action(async (id: string, _o: unknown, cmd: Command) => {
      await run(
        cmd.optsWithGlobals<GlobalOptions>(),
        async (app) => {
          const shown = await app.get(IncidentsService).show(idArgument(id, 'incidentId'));
          return {
            json: shown,
            text: [...clockLines(shown.clock), JSON.stringify(shown, null, 2)].join('\n'),
          };
        },
        { role: 'viewer' },
      );
    });

  incidents
    .command('text <incidentId>')
    .description(
      "write the incident's words in one locale from a Markdown file with the sections ## Summary, ## Likely consequences, ## Measures taken, ## What you should do, ## Contact",
    )
    .requiredOption('--locale <locale>', 'a shipped locale (en-US, fr-FR, ...)')
    .requiredOption('--file <file>', 'the Markdown file')
    .action(async (id: string, o: { locale: string; file: string }, cmd: Command) => {
      await run(
        cmd.optsWithGlobals<GlobalOptions>(),
        async (app) => {
          idArgument(id, 'incidentId');
          // the same check as the API's path parameter
          const { locale } = parseOptions(z.object({ locale: incidentLocale }), { locale: o.locale });
          const t = await app
            .get(IncidentsService)
            .writeTextFile(id, locale, await readWordsFile(o.file), cliOperator());
          return { json: t, text: `incident ${t.incidentId}: ${t.locale} words written` };
        },
        { role: 'admin' },
      );
    });

  incidents
    .command('filed <incidentId>')
    .description(
      'record a notification of the incident filed with the supervisory authority (the first stops the 72-hour clock; later ones are further phases)',
    )
    .requiredOption('--at <iso>', 'when it was filed (ISO date-time)')
    .requiredOption('--reference <text>', "the authority's case number or your own reference")
    .action(async (id: string, o: { at: string; reference: string }, cmd: Command) => {
      await run(
        cmd.optsWithGlobals<GlobalOptions>(),
        async (app) => {
          idArgument(id, 'incidentId');
          const input = parseOptions(fileIncidentInput, { at: o.at, reference: o.reference });
          const r = await app.get(IncidentsService).file(id, input, cliOperator());
          return { json: r, text: [`incident ${r.incidentId}: filing recorded`, ...clockLines(r.clock)].join('\n') };
        },
        { role: 'admin' },
      );
    });

  incidents
    .command('report <incidentId>')
    .description(
      'the draft notification to the supervisory authority (GDPR Art. 33(3)), stored as a new version; printed, or written to a new file with --out',
    )
    .option('--format <format>', 'md (default) or html (a standalone printable page)')
    .option('--out <file>', 'write it to this file (an existing file is refused)')
    .action(async (id: string, o: { format?: string; out?: string }, cmd: Command) => {
      await run(
        cmd.optsWithGlobals<GlobalOptions>(),
        async (app) => {
          idArgument(id, 'incidentId');
          const { format } = parseOptions(incidentReportInput, { format: o.format });
          const exporter = app.get(IncidentReportService);
          if (o.out) {
            const r = await exportTo(o.out, () => exporter.export(id, format, cliOperator()));
            const { content: _, ...brief } = r;
            return {
              json: { ...brief, out: o.out },
              text: `incident ${r.incidentId}: report version ${r.version} (${r.format}) written to ${o.out}`,
            };
          }
          const r = await exporter.export(id, format, cliOperator());
          return { json: r, text: r.content.replace(/\n$/, '') };
        },
        { role: 'admin' },
      );
    });

  incidents
    .command('reports <incidentId>')
    .description(
      "the incident's stored draft notifications, newest first; with --version, one of them as it was written",
    )
    .option('--version <n>', 'the version to read')
    .option('--out <file>', 'with --version: write it to this file (an existing file is refused)')
    .action(async (id: string, o: { version?: string; out?: string }, cmd: Command) => {
      await run(
        cmd.optsWithGlobals<GlobalOptions>(),
        async (app) => {
          idArgument(id, 'incidentId');
          const service = app.get(IncidentsService);
          if (o.version === undefined) {
            if (o.out) throw new BadInputError('--out: needs --version');
            const r = await service.reports(id);
            return {
              json: r,
              text:
                r.reports
                  .map(
                    (x) =>
                      `version ${x.version} ${x.format} ${x.exportedAt} by ${x.exportedBy} sha256:${x.contentSha256}`,
                  )
                  .join('\n') || `incident ${r.incidentId} has no stored report`,
            };
          }
          const { version } = parseOptions(z.object({ version: reportVersion }), { version: o.version });
          if (o.out) {
            const r = await exportTo(o.out, () => service.report(id, version));
            const { content: _, ...brief } = r;
            return {
              json: { ...brief, out: o.out },
              text: `report version ${r.version} (${r.format}) written to ${o.out}`,
            };
          }
          const r = await service.report(id, version);
          return { json: r, text: r.content.replace(/\n$/, '') };
        },
        { role: 'viewer' },
      );
    });

  registerIncidentUpdateCommand(incidents);
}

const UPDATE_WAIT_POLL_MS = 300;
const collect = (value: string, previous: string[]) => [...previous, value];

/**
 * `--file` and `--locale` given as pairs: the n-th file is written in the n-th locale; one file
 * without a locale is en-US. Refused, before anything connects, when they do not pair up.
 */
export function pairUpdateFiles(
  files: readonly string[],
  locales: readonly string[],
): { file: string; locale: string }[] {
  if (!files.length) throw new BadInputError('--file: give the update in at least one file (en-US)');
  if (locales.length === 0 && files.length === 1) return [{ file: files[0]!, locale: 'en-US' }];
  if (locales.length !== files.length)
    throw new BadInputError('--locale: give one --locale for each --file, in the same order (one file alone is en-US)');
  return files.map((file, i) => ({ file, locale: locales[i]! }));
}

export function registerIncidentUpdateCommand(incidents: Command): void {
  incidents
    .command('update <incidentId>')
    .description(
      'post an update of the incident to every notice of its campaigns: a dated "Update" section on top of each (Markdown, en-US required; other locales fall back to it)',
    )
    .option('--file <file>', 'the update, Markdown (repeat with --locale for each language)', collect, [])
    .option('--locale <locale>', 'the locale of the --file at the same position (default en-US)', collect, [])
    .option('--notify', "email the notices' readers about the update", false)
    .option(
      '--wait',
      'block until every notice has the update (and, with --notify, its emails are sent); runs the work in this process when no worker is running',
    )
    .action(
      async (id: string, o: { file: string[]; locale: string[]; notify: boolean; wait?: boolean }, cmd: Command) => {
        const g = cmd.optsWithGlobals<GlobalOptions>();
        await run(
          g,
          async (app) => {
            idArgument(id, 'incidentId');
            const texts: Record<string, string> = {};
            for (const { file, locale } of pairUpdateFiles(o.file, o.locale)) {
              const { locale: l } = parseOptions(z.object({ locale: incidentLocale }), { locale });
              if (texts[l] !== undefined) throw new BadInputError(`--locale: ${l} is given twice`);
              texts[l] = IncidentsService.updateFileText(await readWordsFile(file));
            }
            const input = parseOptions(incidentUpdateInput, { texts, notify: o.notify }, { texts: '--locale' });
            const revisions = app.get(NoticeRevisions);
            const u = await revisions.postUpdate(id, input, cliOperator());
            let progress: Awaited<ReturnType<NoticeRevisions['updateProgress']>> | undefined;
            if (o.wait)
              for (;;) {
                progress = await revisions.updateProgress(u.updateId);
                if (progress.pending === 0 && progress.emailsPending === 0) break;
                await new Promise((r) => setTimeout(r, UPDATE_WAIT_POLL_MS));
              }
            const json = progress ? { ...u, revised: progress.revised } : u;
            return {
              json,
              text: `update ${u.updateId} of incident ${u.incidentId} ${progress ? `posted to ${progress.revised} notice(s)` : `queued for ${u.campaigns.length} campaign(s)`}`,
            };
          },
          { role: 'sender', workers: o.wait },
        );
      },
    );
}
