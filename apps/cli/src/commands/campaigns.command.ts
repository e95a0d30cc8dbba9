import type { Command } from 'commander';
import type { INestApplicationContext } from '@nestjs/common';
import { CampaignsService } from '../../../../libs/campaigns/campaigns.service.js';
import { PreviewService } from '../../../../libs/campaigns/preview.service.js';
import { CampaignLauncher } from '../../../../libs/campaigns/campaign-launcher.js';
import { CampaignStatusView, type CampaignStatusReport } from '../../../../libs/campaigns/campaign-status.js';
import {
  createCampaignInput,
  decisionsInput,
  deliveriesInput,
  setReminderInput,
} from '../../../../libs/campaigns/campaign-input.js';
import { reminderOf } from '../../../../libs/campaigns/reminder-setting.js';
import { BadInputError } from '../../../../libs/common/errors.js';
import { idArgument, parseOptions } from '../input.js';
import { run, type GlobalOptions } from '../cli-runner.js';
import { cliOperator } from '../operator.js';
import { byteProgress, campaignProgress } from '../progress.js';
import { formatScope } from './datasets.command.js';
import { listPageInput } from '../../../../libs/common/input.js';
import { APP_CONFIG, type AppConfig } from '../../../../libs/config/config.js';
import { sameOperator } from '../../../../libs/auth/operator-roles.js';

const WAIT_POLL_MS = 300;

/** Blocks until the campaign leaves `status`, with a spinner-like bar on a terminal. */
async function waitWhile(app: INestApplicationContext, id: string, status: string, quiet?: boolean): Promise<void> {
  const campaigns = app.get(CampaignsService);
  const bar = byteProgress(1, quiet);
  try {
    for (;;) {
      const c = await campaigns.get(id);
      if (c.status !== status) return;
      await new Promise((r) => setTimeout(r, WAIT_POLL_MS));
    }
  } finally {
    bar.update(1);
    bar.stop();
  }
}

const brief = (c: { id: string; status: string }) => ({ campaignId: c.id, status: c.status });

export function registerCampaignsCommands(program: Command): void {
  const campaigns = program
    .command('campaigns')
    .description('notification campaigns: create, analyze, review, approve');

  campaigns
    .command('create')
    .description('a campaign over an ingested data set')
    .requiredOption('--dataset <datasetId>', 'the data set')
    .option('--incident <incidentId>', 'the incident it tells of (default: a new one of its own, titled like it)')
    .option('--title <title>', 'notice title')
    .option('--support-url <url>', 'where customers reach us')
    .option('--support-phone <phone>', 'support phone number')
    .option('--support-email <email>', 'support email address')
    .option('--respond-by <date>', 'action required by (ISO date)')
    .option('--incident-date <date>', 'when the exposure was found (ISO date); the notice says so')
    .option(
      '--remind-before <duration>',
      'remind tenants whose notice nobody has read this long before --respond-by (3d, 36h, 2d12h; at most 365d)',
    )
    .action(
      async (
        o: {
          dataset: string;
          incident?: string;
          title?: string;
          supportUrl?: string;
          supportPhone?: string;
          supportEmail?: string;
          respondBy?: string;
          incidentDate?: string;
          remindBefore?: string;
        },
        cmd: Command,
      ) => {
        await run(
          cmd.optsWithGlobals<GlobalOptions>(),
          async (app) => {
            const input = parseOptions(
              createCampaignInput,
              {
                datasetId: o.dataset,
                incidentId: o.incident,
                title: o.title,
                supportUrl: o.supportUrl,
                supportPhone: o.supportPhone,
                supportEmail: o.supportEmail,
                respondBy: o.respondBy,
                incidentDate: o.incidentDate,
                remindBefore: o.remindBefore,
              },
              { datasetId: '--dataset', incidentId: '--incident' },
            );
            const c = await app.get(CampaignsService).create(input, cliOperator());
            return { json: brief(c), text: `campaign ${c.id} created (${c.status})` };
          },
          { role: 'admin' },
        );
      },
    );

  campaigns
    .command('list')
    .description('campaigns, newest first, with their status and the counts of their last analysis')
    .option('--skip <n>', 'campaigns to skip', '0')
    .option('--take <n>', 'campaigns to list', '100')
    .action(async (o: { skip: string; take: string }, cmd: Command) => {
      await run(
        cmd.optsWithGlobals<GlobalOptions>(),
        async (app) => {
          const q = parseOptions(listPageInput, { skip: o.skip, take: o.take });
          const r = await app.get(CampaignsService).list(q.skip, q.take);
          const counts = (c: (typeof r.campaigns)[number]) => {
            const t = (c.counts as { tenants?: { affected: number; notAffected: number; needsReview: number } } | null)
              ?.tenants;
            return t
              ? `${t.affected} affected, ${t.notAffected} not affected, ${t.needsReview} need review`
              : 'not analyzed';
          };
          return {
            json: r,
            text:
              r.campaigns
                .map(
                  (c) =>
                    `${c.campaignId} ${c.createdAt.toISOString()} ${c.status.padEnd(9)} ${counts(c)}  data set ${c.datasetId}${c.title ? `  ${c.title}` : ''}`,
                )
                .join('\n') || 'none',
          };
        },
        { role: 'viewer' },
      );
    });

  campaigns
    .command('analyze <campaignId>')
    .description('attribute the records to tenants and decide who was affected (queued on the worker)')
    .option('--wait', 'block until the analysis is done; runs it in this process when no worker is running')
    .action(async (id: string, o: { wait?: boolean }, cmd: Command) => {
      const g = cmd.optsWithGlobals<GlobalOptions>();
      await run(
        g,
        async (app) => {
          const campaigns = app.get(CampaignsService);
          let c = await campaigns.requestAnalysis(idArgument(id, 'campaignId'), cliOperator());
          if (o.wait) {
            await waitWhile(app, id, 'analyzing', g.json);
            c = await campaigns.get(id);
            if (c.status === 'failed') throw new Error(`analysis failed: ${c.lastError ?? 'unknown error'}`);
          }
          return {
            json: brief(c),
            text: `campaign ${c.id} ${c.status}${c.analysis ? `\n${JSON.stringify(c.analysis)}` : ''}`,
          };
        },
        { role: 'admin', workers: o.wait },
      );
    });

  campaigns
    .command('preview <campaignId>')
    .description(
      'the scope, the decision per tenant with its reasons; with --tenant, exactly what that tenant will see',
    )
    .option('--tenant <tenantId>', 'one tenant')
    .action(async (id: string, o: { tenant?: string }, cmd: Command) => {
      await run(
        cmd.optsWithGlobals<GlobalOptions>(),
        async (app) => {
          const preview = app.get(PreviewService);
          idArgument(id, 'campaignId');
          const { tenant } = parseOptions(decisionsInput, { tenant: o.tenant });
          if (tenant) {
            const t = await preview.previewTenant(id, tenant, cliOperator());
            return { json: t };
          }
          const p = await preview.preview(id);
          const { campaignId: _c, status: _s, ...contract } = p;
          return {
            json: contract,
            text: [
              p.scope ? formatScope(p.scope) : '',
              `Tenants: ${p.tenants.affected} affected, ${p.tenants.notAffected} not affected, ${p.tenants.needsReview} need review`,
              ...p.renderProblems.map((problem) => `Problem (stops a launch): ${problem}`),
              ...p.warnings.map(
                (w) =>
                  `Warning: ${w.recipients} recipient(s) with locale ${JSON.stringify(w.requested)} get ${w.used} (no templates of their own)`,
              ),
              ...p.decisions
                .filter((d) => d.decision !== 'not_affected')
                .slice(0, 50)
                .map((d) => `  ${d.decision.padEnd(12)} ${d.tenantId} ${d.tenantName ?? ''}: ${d.reasons.join('; ')}`),
            ].join('\n'),
          };
        },
        { role: o.tenant === undefined ? 'viewer' : 'admin' },
      );
    });

  campaigns
    .command('approve <campaignId>')
    .description(
      'approve the decisions for sending: by an operator other than the creator (ALLOW_SELF_APPROVAL aside), no unresolved review items left',
    )
    .action(async (id: string, _o: unknown, cmd: Command) => {
      await run(
        cmd.optsWithGlobals<GlobalOptions>(),
        async (app) => {
          const { ALLOW_SELF_APPROVAL } = app.get<AppConfig>(APP_CONFIG);
          const actor = cliOperator();
          const c = await app
            .get(CampaignsService)
            .approve(idArgument(id, 'campaignId'), actor, { requireSecondOperator: !ALLOW_SELF_APPROVAL });
          // allowed only because ALLOW_SELF_APPROVAL is true: said where the operator sees it, and audited
          if (sameOperator(c.createdBy, actor))
            process.stderr.write(
              `warning: ${actor} approved their own campaign ${c.id} (ALLOW_SELF_APPROVAL=true; audited as selfApproval)\n`,
            );
          return { json: brief(c), text: `campaign ${c.id} ${c.status}` };
        },
        { role: 'approver' },
      );
    });

  campaigns
    .command('withdraw-approval <campaignId>')
    .description('take an approval back before the launch: the campaign is ready again and needs a new approval')
    .action(async (id: string, _o: unknown, cmd: Command) => {
      await run(
        cmd.optsWithGlobals<GlobalOptions>(),
        async (app) => {
          const c = await app.get(CampaignsService).withdrawApproval(idArgument(id, 'campaignId'), cliOperator());
          return { json: brief(c), text: `campaign ${c.id} ${c.status}: approval withdrawn` };
        },
        { role: 'approver' },
      );
    });

  campaigns
    .command('set-reminder <campaignId>')
    .description(
      'turn reminders on (--remind-before 3d) or off (--off), before or after the launch: tenants whose notice nobody has read get one reminder email per privileged contact that long before the act-by date',
    )
    .option('--remind-before <duration>', 'how long before --respond-by (3d, 36h, 2d12h; at most 365d)')
    .option('--off', 'send no reminders')
    .action(async (id: string, o: { remindBefore?: string; off?: boolean }, cmd: Command) => {
      await run(
        cmd.optsWithGlobals<GlobalOptions>(),
        async (app) => {
          idArgument(id, 'campaignId');
          if ((o.remindBefore === undefined) === !o.off)
            throw new BadInputError('give either --remind-before <duration> or --off');
          const input = parseOptions(setReminderInput, { remindBefore: o.off ? null : o.remindBefore });
          const r = reminderOf(await app.get(CampaignsService).setReminder(id, input, cliOperator()));
          return {
            json: r,
            text: `campaign ${r.campaignId}: ${r.remindBefore ? `reminders ${r.remindBefore} before ${r.respondBy}` : 'no reminders'}`,
          };
        },
        { role: 'sender' },
      );
    });

  campaigns
    .command('cancel <campaignId>')
    .description('cancel the campaign: nothing more is sent')
    .action(async (id: string, _o: unknown, cmd: Command) => {
      await run(
        cmd.optsWithGlobals<GlobalOptions>(),
        async (app) => {
          const c = await app.get(CampaignLauncher).cancel(idArgument(id, 'campaignId'), cliOperator());
          return { json: brief(c), text: `campaign ${c.id} ${c.status}` };
        },
        { role: 'sender' },
      );
    });
}

function describeStatus(s: CampaignStatusReport): string {
  const c = s.counts;
  return [
    `campaign ${s.campaignId}: ${s.status} (${s.progress.percent}%)`,
    `  tenants  ${c.tenants.affected} affected, ${c.tenants.notAffected} not affected, ${c.tenants.needsReview} need review`,
    `  notices  ${c.notices.posted}/${c.notices.expected} posted`,
    `  emails   ${c.emails.sent} sent, ${c.emails.failed} failed, ${c.emails.retrying} retrying, ${c.emails.queued} queued`,
    `  reads    ${c.reads.tenantsRead} tenant(s) read, ${c.reads.tenantsUnread} not yet`,
    `  reminders ${describeReminders(s)}`,
    s.lastError ? `  last error: ${s.lastError}` : '',
  ]
    .filter(Boolean)
    .join('\n');
}

/** The reminder setting and, once any were written (reminders may have been turned off since), their counts. */
function describeReminders(s: CampaignStatusReport): string {
  const r = s.counts.reminders;
  const setting = s.remindBefore ? `${s.remindBefore} before the act-by date` : 'off';
  if (!s.remindBefore && r.written === 0) return setting;
  return `${setting}: ${r.written} written, ${r.sent} sent, ${r.failed} failed, ${r.retrying} retrying, ${r.queued} queued`;
}

/** Follows the campaign's progress until it leaves `sending` (or stops being `whileStatus`). */
async function follow(
  app: INestApplicationContext,
  id: string,
  quiet: boolean | undefined,
  whileStatus = 'sending',
): Promise<CampaignStatusReport> {
  const view = app.get(CampaignStatusView);
  const bar = campaignProgress(quiet);
  try {
    for (;;) {
      const s = await view.status(id);
      bar.update(s.progress.done, s.progress.total, {
        notices: s.counts.notices.posted,
        sent: s.counts.emails.sent,
        failed: s.counts.emails.failed,
      });
      if (s.status !== whileStatus) return s;
      await new Promise((r) => setTimeout(r, WAIT_POLL_MS));
    }
  } finally {
    bar.stop();
  }
}

export function registerSendingCommands(program: Command): void {
  const campaigns = program.commands.find((c) => c.name() === 'campaigns')!;

  campaigns
    .command('launch <campaignId>')
    .description('send: one notice per affected tenant, one email per privileged contact (queued)')
    .option('--wait', 'block until everything is sent; runs the work in this process when no worker is running')
    .action(async (id: string, o: { wait?: boolean }, cmd: Command) => {
      const g = cmd.optsWithGlobals<GlobalOptions>();
      await run(
        g,
        async (app) => {
          const c = await app.get(CampaignLauncher).launch(idArgument(id, 'campaignId'), cliOperator());
          if (!o.wait) return { json: brief(c), text: `campaign ${c.id} ${c.status}` };
          const s = await follow(app, id, g.json);
          return {
            json: { ...brief({ id, status: s.status }), counts: s.counts, progress: s.progress },
            text: describeStatus(s),
          };
        },
        { role: 'sender', workers: o.wait },
      );
    });

  for (const action of ['pause', 'resume'] as const) {
    campaigns
      .command(`${action} <campaignId>`)
      .description(
        action === 'pause'
          ? 'hold sending; jobs wait until resumed'
          : 'continue sending, re-queueing whatever is unfinished',
      )
      .action(async (id: string, _o: unknown, cmd: Command) => {
        await run(
          cmd.optsWithGlobals<GlobalOptions>(),
          async (app) => {
            const c = await app.get(CampaignLauncher)[action](idArgument(id, 'campaignId'), cliOperator());
            return { json: brief(c), text: `campaign ${c.id} ${c.status}` };
          },
          { role: 'sender' },
        );
      });
  }

  campaigns
    .command('status <campaignId>')
    .description('status, counts and progress')
    .option('--watch', 'follow the progress live until the campaign stops sending')
    .option('--wait', 'with --watch: also run the queued work in this process')
    .action(async (id: string, o: { watch?: boolean; wait?: boolean }, cmd: Command) => {
      const g = cmd.optsWithGlobals<GlobalOptions>();
      await run(
        g,
        async (app) => {
          idArgument(id, 'campaignId');
          const s = o.watch ? await follow(app, id, g.json) : await app.get(CampaignStatusView).status(id);
          return { json: s, text: describeStatus(s) };
        },
        { role: 'viewer', workers: o.wait },
      );
    });

  campaigns
    .command('deliveries <campaignId>')
    .description('the emails of a campaign, by state (e.g. --state failed, with reasons)')
    .option('--state <state>', 'queued, sending, sent, failed or retrying')
    .option('--skip <n>', 'rows to skip', '0')
    .option('--take <n>', 'rows to list', '100')
    .action(async (id: string, o: { state?: string; skip: string; take: string }, cmd: Command) => {
      await run(
        cmd.optsWithGlobals<GlobalOptions>(),
        async (app) => {
          const q = parseOptions(deliveriesInput, { state: o.state, skip: o.skip, take: o.take });
          const r = await app.get(CampaignStatusView).deliveries(idArgument(id, 'campaignId'), q.state, q.skip, q.take);
          return {
            json: r,
            text:
              r.value
                .map(
                  (d) =>
                    `${d.id} ${d.state} ${d.tenantId} ${d.noticeId} attempts ${d.attempts}${d.lastError ? ` - ${d.lastError}` : ''}`,
                )
                .join('\n') || 'none',
          };
        },
        { role: 'viewer' },
      );
    });
}
