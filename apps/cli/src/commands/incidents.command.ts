import type { Command } from 'commander';
import { readFile } from 'node:fs/promises';
import { z } from 'zod';
import { BadInputError } from '../../../../libs/common/errors.js';
import { IncidentsService } from '../../../../libs/incidents/incidents.service.js';
import { createIncidentInput, incidentLocale, listIncidentsInput } from '../../../../libs/incidents/incident-input.js';
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
                  `${i.incidentId} ${i.title} (${i.campaigns} campaign(s); words: ${i.locales.join(', ') || 'none'})`,
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
        async (app) => ({
          json: await app.get(IncidentsService).show(idArgument(id, 'incidentId')),
        }),
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
}
