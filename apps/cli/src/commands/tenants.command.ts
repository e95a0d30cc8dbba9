import { createReadStream } from 'node:fs';
import { access } from 'node:fs/promises';
import type { Command } from 'commander';
import { BadInputError } from '../../../../libs/common/errors.js';
import { readLines } from '../../../../libs/common/read-lines.js';
import { DirectoryService, MAX_TENANT_LINE, type ImportResult, type TenantView } from '../../../../libs/directory/directory.service.js';
import { run, type GlobalOptions } from '../cli-runner.js';

export function registerTenantsCommands(program: Command): void {
  const tenants = program.command('tenants').description('the tenant directory: import and inspect');

  tenants
    .command('import <file>')
    .description('import a tenant directory (JSONL, optionally gzip); re-importing upserts by tenantId')
    .action(async (file: string, _opts: unknown, cmd: Command) => {
      await run(cmd.optsWithGlobals<GlobalOptions>(), async (app) => {
        await access(file).catch(() => {
          throw new BadInputError(`cannot read ${file}`);
        });
        const r = await app.get(DirectoryService).importTenants(
          readLines(createReadStream(file, { highWaterMark: 1 << 20 }), { maxLineLength: MAX_TENANT_LINE }),
        );
        return { json: { imported: r.imported, updated: r.updated, rejected: r.rejected }, text: summary(r) };
      });
    });

  tenants
    .command('show <tenantId>')
    .description('one tenant: names, verified domains, phones and contacts')
    .action(async (tenantId: string, _opts: unknown, cmd: Command) => {
      await run(cmd.optsWithGlobals<GlobalOptions>(), async (app) => {
        const t = await app.get(DirectoryService).getTenant(tenantId);
        return { json: t, text: describe(t) };
      });
    });
}

function summary(r: ImportResult): string {
  const shown = r.rejected.slice(0, 20);
  return [
    `imported ${r.imported} new tenants, updated ${r.updated}, rejected ${r.rejected.length} lines`,
    ...shown.map((x) => `  line ${x.line}: ${x.reason}`),
    r.rejected.length > shown.length ? `  ... ${r.rejected.length - shown.length} more (use --json for all)` : '',
  ]
    .filter(Boolean)
    .join('\n');
}

function describe(t: TenantView): string {
  return [
    `${t.name} (${t.tenantId})`,
    t.aliases.length ? `  aliases:  ${t.aliases.join(', ')}` : '',
    `  domains:  ${t.domains.join(', ') || '(none)'}`,
    t.phones.length ? `  phones:   ${t.phones.join(', ')}` : '',
    `  contacts:${t.contacts.length === 0 ? ' (none)' : ''}`,
    ...t.contacts.map((c) => `    ${c.email}${c.name ? ` (${c.name})` : ''} [${c.roles.join(', ')}] ${c.locale}`),
  ]
    .filter(Boolean)
    .join('\n');
}
