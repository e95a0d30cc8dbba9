import type { Command } from 'commander';
import type { INestApplicationContext } from '@nestjs/common';
import { CampaignsService } from '../../../../libs/campaigns/campaigns.service.js';
import { PreviewService } from '../../../../libs/campaigns/preview.service.js';
import { run, type GlobalOptions } from '../cli-runner.js';
import { cliOperator } from '../operator.js';
import { byteProgress } from '../progress.js';
import { formatScope } from './datasets.command.js';

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
  const campaigns = program.command('campaigns').description('notification campaigns: create, analyze, review, approve');

  campaigns
    .command('create')
    .description('a campaign over an ingested data set')
    .requiredOption('--dataset <id>', 'the data set')
    .option('--title <title>', 'notice title')
    .option('--support-url <url>', 'where customers reach us')
    .option('--support-phone <phone>', 'support phone number')
    .option('--support-email <email>', 'support email address')
    .option('--respond-by <date>', 'action required by (ISO date)')
    .option('--incident-date <date>', 'when the exposure was found (ISO date); the notice says so')
    .action(async (o: { dataset: string; title?: string; supportUrl?: string; supportPhone?: string; supportEmail?: string; respondBy?: string; incidentDate?: string }, cmd: Command) => {
      await run(cmd.optsWithGlobals<GlobalOptions>(), async (app) => {
        const c = await app.get(CampaignsService).create(
          { datasetId: o.dataset, title: o.title, supportUrl: o.supportUrl, supportPhone: o.supportPhone, supportEmail: o.supportEmail, respondBy: o.respondBy, incidentDate: o.incidentDate },
          cliOperator(),
        );
        return { json: brief(c), text: `campaign ${c.id} created (${c.status})` };
      });
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
          let c = await campaigns.requestAnalysis(id, cliOperator());
          if (o.wait) {
            await waitWhile(app, id, 'analyzing', g.json);
            c = await campaigns.get(id);
            if (c.status === 'failed') throw new Error(`analysis failed: ${c.lastError ?? 'unknown error'}`);
          }
          return { json: brief(c), text: `campaign ${c.id} ${c.status}${c.analysis ? `\n${JSON.stringify(c.analysis)}` : ''}` };
        },
        { workers: o.wait },
      );
    });

  campaigns
    .command('preview <campaignId>')
    .description('the scope, the decision per tenant with its reasons; with --tenant, exactly what that tenant will see')
    .option('--tenant <tenantId>', 'one tenant')
    .action(async (id: string, o: { tenant?: string }, cmd: Command) => {
      await run(cmd.optsWithGlobals<GlobalOptions>(), async (app) => {
        const preview = app.get(PreviewService);
        if (o.tenant) {
          const t = await preview.previewTenant(id, o.tenant);
          return { json: t };
        }
        const p = await preview.preview(id);
        const { campaignId: _c, status: _s, ...contract } = p;
        return {
          json: contract,
          text: [
            p.scope ? formatScope(p.scope) : '',
            `Tenants: ${p.tenants.affected} affected, ${p.tenants.notAffected} not affected, ${p.tenants.needsReview} need review`,
            ...p.decisions
              .filter((d) => d.decision !== 'not_affected')
              .slice(0, 50)
              .map((d) => `  ${d.decision.padEnd(12)} ${d.tenantId} ${d.tenantName ?? ''}: ${d.reasons.join('; ')}`),
          ].join('\n'),
        };
      });
    });

  campaigns
    .command('approve <campaignId>')
    .description('approve the decisions for sending (no unresolved review items may remain)')
    .action(async (id: string, _o: unknown, cmd: Command) => {
      await run(cmd.optsWithGlobals<GlobalOptions>(), async (app) => {
        // At the console an operator approves their own campaign; the API asks for a second operator.
        const c = await app.get(CampaignsService).approve(id, cliOperator(), { requireSecondOperator: false });
        return { json: brief(c), text: `campaign ${c.id} ${c.status}` };
      });
    });

  campaigns
    .command('cancel <campaignId>')
    .description('cancel the campaign: nothing more is sent')
    .action(async (id: string, _o: unknown, cmd: Command) => {
      await run(cmd.optsWithGlobals<GlobalOptions>(), async (app) => {
        const c = await app.get(CampaignsService).cancel(id, cliOperator());
        return { json: brief(c), text: `campaign ${c.id} ${c.status}` };
      });
    });
}
