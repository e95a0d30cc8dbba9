import type { Command } from 'commander';
import { ReviewService } from '../../../../libs/campaigns/review.service.js';
import { BadInputError } from '../../../../libs/common/errors.js';
import { run, type GlobalOptions } from '../cli-runner.js';
import { cliOperator } from '../operator.js';

export function registerReviewCommands(program: Command): void {
  const review = program.command('review').description('uncertain attributions an operator decides');

  review
    .command('list <campaignId>')
    .description('the open review items of a campaign, with their candidates and why')
    .option('--all', 'include items resolved or no longer raised')
    .action(async (id: string, o: { all?: boolean }, cmd: Command) => {
      await run(cmd.optsWithGlobals<GlobalOptions>(), async (app) => {
        const items = await app.get(ReviewService).list(id, { all: o.all });
        return {
          json: { campaignId: id, items },
          text: items.length
            ? items
                .map(
                  (i) =>
                    `${i.reviewItemId} group ${i.group} [${i.triggers.join(', ')}] records ${i.recordIds.join(', ')}\n    candidates: ${i.candidates.map((c) => `${c.tenantId} ${c.name ?? ''}`).join(' | ')}${i.excerpts.map((e) => `\n    text: ${e}`).join('')}${i.resolution ? `\n    resolved: ${i.resolution.tenantId ?? 'none'} by ${i.resolution.by}` : ''}`,
                )
                .join('\n')
            : 'no open review items',
        };
      });
    });

  review
    .command('resolve <reviewItemId>')
    .description('decide a review item: the tenant the record belongs to, or --none')
    .option('--tenant <tenantId>', 'the tenant it belongs to')
    .option('--none', 'it belongs to no tenant')
    .action(async (itemId: string, o: { tenant?: string; none?: boolean }, cmd: Command) => {
      await run(cmd.optsWithGlobals<GlobalOptions>(), async (app) => {
        if (!!o.tenant === !!o.none) throw new BadInputError('give exactly one of --tenant <tenantId> or --none');
        const item = await app
          .get(ReviewService)
          .resolve(itemId, o.none ? null : o.tenant!.toLowerCase(), cliOperator());
        return {
          json: item,
          text: `review item ${item.reviewItemId} resolved to ${item.resolution?.tenantId ?? 'none'}`,
        };
      });
    });

  review
    .command('resolve-group <campaignId> <group>')
    .description(
      'decide every open item of a review group (same candidates and triggers) at once: --tenant <tenantId> or --none',
    )
    .option('--tenant <tenantId>', 'the tenant they belong to')
    .option('--none', 'they belong to no tenant')
    .action(async (campaignId: string, group: string, o: { tenant?: string; none?: boolean }, cmd: Command) => {
      await run(cmd.optsWithGlobals<GlobalOptions>(), async (app) => {
        if (!!o.tenant === !!o.none) throw new BadInputError('give exactly one of --tenant <tenantId> or --none');
        const out = await app
          .get(ReviewService)
          .resolveGroup(campaignId.toLowerCase(), group, o.none ? null : o.tenant!.toLowerCase(), cliOperator());
        return {
          json: out,
          text: `${out.items.length} review item(s) of group ${group} resolved to ${o.none ? 'none' : o.tenant}`,
        };
      });
    });
}
