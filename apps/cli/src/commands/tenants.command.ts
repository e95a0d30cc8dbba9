import { createReadStream } from 'node:fs';
import { access } from 'node:fs/promises';
import { basename } from 'node:path';
import type { Command } from 'commander';
import { BadInputError } from '../../../../libs/common/errors.js';
import { readLines } from '../../../../libs/common/read-lines.js';
import { expansionLimitsOf } from '../../../../libs/common/gzip-input.js';
import { APP_CONFIG, type AppConfig } from '../../../../libs/config/config.js';
import {
  DirectoryService,
  MAX_TENANT_LINE,
  type DomainConflictView,
  type ImportResult,
  type TenantView,
} from '../../../../libs/directory/directory.service.js';
import { decompressIfGzip } from '../../../../libs/exposure/readers.js';
import { importTenantsInput } from '../../../../libs/directory/import-input.js';
import { run, type GlobalOptions } from '../cli-runner.js';
import { cliOperator } from '../operator.js';
import { parseOptions } from '../input.js';

export function registerTenantsCommands(program: Command): void {
  const tenants = program.command('tenants').description('the tenant directory: import and inspect');

  tenants
    .command('import <file>')
    .description(
      'import a tenant directory (JSONL, or CSV when the name ends in .csv or .csv.gz; optionally gzip); re-importing upserts by tenantId',
    )
    .option('--format <format>', 'jsonl or csv (default: csv when the name ends in .csv or .csv.gz, else JSON lines)')
    .action(async (file: string, opts: { format?: string }, cmd: Command) => {
      await run(
        cmd.optsWithGlobals<GlobalOptions>(),
        async (app) => {
          await access(file).catch(() => {
            throw new BadInputError(`cannot read ${file}`);
          });
          const { format } = parseOptions(importTenantsInput, { format: opts.format });
          const csv = (format ?? (/\.csv(\.gz)?$/i.test(file) ? 'csv' : 'jsonl')) === 'csv';
          const directory = app.get(DirectoryService);
          const input = createReadStream(file, { highWaterMark: 1 << 20 });
          const expansion = expansionLimitsOf(app.get<AppConfig>(APP_CONFIG));
          const source = { actor: cliOperator(), name: basename(file) };
          const r = csv
            ? await directory.importTenantsCsv(await decompressIfGzip(input, expansion), source)
            : await directory.importTenants(readLines(input, { maxLineLength: MAX_TENANT_LINE, expansion }), source);
          return {
            json: {
              imported: r.imported,
              updated: r.updated,
              rejected: r.rejected,
              warnings: r.warnings,
              conflicts: r.conflicts,
            },
            text: summary(r),
          };
        },
        { role: 'admin' },
      );
    });

  tenants
    .command('conflicts')
    .description('domains several tenants claim: they identify nobody until a re-import settles them')
    .action(async (_opts: unknown, cmd: Command) => {
      await run(
        cmd.optsWithGlobals<GlobalOptions>(),
        async (app) => {
          const conflicts = await app.get(DirectoryService).listConflicts();
          return { json: { conflicts }, text: describeConflicts(conflicts) };
        },
        { role: 'admin' },
      );
    });

  tenants
    .command('show <tenantId>')
    .description('one tenant: names, verified domains, phones and contacts')
    .action(async (tenantId: string, _opts: unknown, cmd: Command) => {
      await run(
        cmd.optsWithGlobals<GlobalOptions>(),
        async (app) => {
          const t = await app.get(DirectoryService).getTenant(tenantId);
          return { json: t, text: describe(t) };
        },
        { role: 'admin' },
      );
    });
}

function summary(r: ImportResult): string {
  const shown = r.rejected.slice(0, 20);
  const warned = r.warnings.slice(0, 50);
  return [
    `imported ${r.imported} new tenants, updated ${r.updated}, rejected ${r.rejected.length} lines, ${r.warnings.length} warnings, ${r.conflicts.length} domain conflicts`,
    shown.length ? 'rejected:' : '',
    ...shown.map((x) => `  line ${x.line}: ${x.reason}`),
    r.rejected.length > shown.length ? `  ... ${r.rejected.length - shown.length} more (use --json for all)` : '',
    warned.length ? 'warnings (the tenant was imported without the value):' : '',
    ...warned.map((w) => `  line ${w.line}: ${w.field}: ${w.reason}`),
    r.warnings.length > warned.length ? `  ... ${r.warnings.length - warned.length} more (use --json for all)` : '',
    r.conflicts.length ? 'domain conflicts (the domain identifies nobody until settled; see `tenants conflicts`):' : '',
    ...r.conflicts
      .slice(0, 20)
      .map(
        (c) => `  line ${c.line}: ${c.domain} is claimed by ${c.tenantIds.length} tenants: ${c.tenantIds.join(', ')}`,
      ),
    r.conflicts.length > 20 ? `  ... ${r.conflicts.length - 20} more (use --json for all)` : '',
  ]
    .filter(Boolean)
    .join('\n');
}

function describeConflicts(conflicts: DomainConflictView[]): string {
  if (conflicts.length === 0) return 'no domain conflicts';
  return [
    `${conflicts.length} domain ${conflicts.length === 1 ? 'conflict' : 'conflicts'} (each domain identifies nobody; re-import the directory without the domain on all but one claimant to settle it):`,
    ...conflicts.flatMap((c) => [
      `  ${c.domain} since ${c.since}`,
      ...c.claimants.map((t, i) => `    ${t.tenantId} ${t.name}${i === 0 ? ' (verified it first)' : ''}`),
    ]),
  ].join('\n');
}

function describe(t: TenantView): string {
  return [
    `${t.name} (${t.tenantId})`,
    t.aliases.length ? `  aliases:  ${t.aliases.join(', ')}` : '',
    `  domains:  ${t.domains.join(', ') || '(none)'}`,
    t.conflictedDomains?.length
      ? `  in conflict (identify nobody; see tenants conflicts): ${t.conflictedDomains.join(', ')}`
      : '',
    t.phones.length ? `  phones:   ${t.phones.join(', ')}` : '',
    `  contacts:${t.contacts.length === 0 ? ' (none)' : ''}`,
    ...t.contacts.map((c) => `    ${c.email}${c.name ? ` (${c.name})` : ''} [${c.roles.join(', ')}] ${c.locale}`),
  ]
    .filter(Boolean)
    .join('\n');
}
