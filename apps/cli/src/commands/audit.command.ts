import type { Command } from 'commander';
import { AUDIT_ACTION_FILTER, AuditService } from '../../../../libs/audit/audit.service.js';
import { BadInputError } from '../../../../libs/common/errors.js';
import { run, type GlobalOptions } from '../cli-runner.js';
import { GUID } from '../../../../libs/common/guid.js';

function count(name: string, value: string | undefined, fallback: number, min: number, max: number): number {
  if (value === undefined) return fallback;
  if (!/^\d+$/.test(value) || Number(value) < min || Number(value) > max)
    throw new BadInputError(`--${name} must be a whole number from ${min} to ${max}`);
  return Number(value);
}

export function registerAuditCommands(program: Command): void {
  const audit = program.command('audit').description('the append-only audit log: operator actions and tenant reads');

  audit
    .command('list')
    .description('audit events, oldest first, optionally of one tenant and/or one campaign')
    .option('--tenant <tenantId>', 'only events of this tenant')
    .option('--campaign <campaignId>', 'only events of this campaign')
    .option('--action <action>', 'only events of this action (tenants.import), or of a family (dataset.*)')
    .option('--subject <subject>', 'only events about this subject (a data set id, an imported file name)')
    .option('--skip <n>', 'events to skip', undefined)
    .option('--take <n>', 'events to list (1..1000, default 100)', undefined)
    .action(
      async (
        o: { tenant?: string; campaign?: string; action?: string; subject?: string; skip?: string; take?: string },
        cmd: Command,
      ) => {
        await run(
          cmd.optsWithGlobals<GlobalOptions>(),
          async (app) => {
            for (const [name, v] of [
              ['tenant', o.tenant],
              ['campaign', o.campaign],
            ] as const) {
              if (v !== undefined && !GUID.test(v)) throw new BadInputError(`--${name}: must be a GUID`);
            }
            if (o.action !== undefined && !AUDIT_ACTION_FILTER.test(o.action))
              throw new BadInputError(
                '--action must be an action such as tenants.import, or a family such as dataset.*',
              );
            const filter = {
              ...(o.tenant ? { tenantId: o.tenant.toLowerCase() } : {}),
              ...(o.campaign ? { campaignId: o.campaign.toLowerCase() } : {}),
              ...(o.action ? { action: o.action } : {}),
              ...(o.subject ? { subject: o.subject } : {}),
            };
            const skip = count('skip', o.skip, 0, 0, 10_000_000);
            const take = count('take', o.take, 100, 1, 1000);
            const events = await app.get(AuditService).list({ ...filter, skip, take });
            return {
              json: { ...filter, skip, take, events },
              text: events.length
                ? events
                    .map(
                      (e) =>
                        `${e.at.toISOString()} ${e.actor} ${e.action}${e.subject ? ` ${e.subject}` : ''}${e.tenantId ? ` tenant ${e.tenantId}` : ''}${e.campaignId ? ` campaign ${e.campaignId}` : ''}`,
                    )
                    .join('\n')
                : 'no audit events',
            };
          },
          { role: 'viewer' },
        );
      },
    );
}
