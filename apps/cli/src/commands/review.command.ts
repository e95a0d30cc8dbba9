import type { Command } from 'commander';
import { ReviewService } from '../../../../libs/campaigns/review.service.js';
import { BadInputError } from '../../../../libs/common/errors.js';
import { parseInput } from '../../../../libs/common/input.js';
import { run, type GlobalOptions } from '../cli-runner.js';
import { cliOperator } from '../operator.js';
import { idArgument, parseOptions } from '../input.js';
import {
  listReviewInput,
  resolveReviewGroupInput,
  resolveReviewInput,
  reviewGroup,
} from '../../../../libs/campaigns/review-input.js';

export function registerReviewCommands(program: Command): void {
  const review = program.command('review').description('uncertain attributions an operator decides');

  review
    .command('list <campaignId>')
    .description('the open review items of a campaign, with their candidates and why')
    .option('--all', 'include items resolved or no longer raised')
    .action(async (id: string, o: { all?: boolean }, cmd: Command) => {
      await run(
        cmd.optsWithGlobals<GlobalOptions>(),
        async (app) => {
          const q = parseOptions(
            listReviewInput,
            { campaignId: id, all: o.all ? 'true' : 'false' },
            { campaignId: 'campaignId' },
          );
          const items = await app.get(ReviewService).list(q.campaignId, { all: q.all === 'true' });
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
        },
        { role: 'viewer' },
      );
    });

  review
    .command('resolve <reviewItemId>')
    .description('decide a review item: the tenant the record belongs to, or --none')
    .option('--tenant <tenantId>', 'the tenant it belongs to')
    .option('--none', 'it belongs to no tenant')
    .option('--justification <text>', 'why, in your words (kept with the answer, in the decisions export)')
    .action(async (itemId: string, o: { tenant?: string; none?: boolean; justification?: string }, cmd: Command) => {
      await run(
        cmd.optsWithGlobals<GlobalOptions>(),
        async (app) => {
          if (!!o.tenant === !!o.none) throw new BadInputError('give exactly one of --tenant <tenantId> or --none');
          const body = parseOptions(
            resolveReviewInput,
            { tenantId: o.none ? null : o.tenant, justification: o.justification },
            { tenantId: '--tenant' },
          );
          const item = await app
            .get(ReviewService)
            .resolve(
              idArgument(itemId, 'reviewItemId'),
              body.tenantId?.toLowerCase() ?? null,
              cliOperator(),
              body.justification,
            );
          return {
            json: item,
            text: `review item ${item.reviewItemId} resolved to ${item.resolution?.tenantId ?? 'none'}`,
          };
        },
        { role: 'reviewer' },
      );
    });

  review
    .command('resolve-group <campaignId> <group>')
    .description(
      'decide every open item of a review group (same candidates and triggers) at once: --tenant <tenantId> or --none',
    )
    .option('--tenant <tenantId>', 'the tenant they belong to')
    .option('--none', 'they belong to no tenant')
    .option('--justification <text>', 'why, in your words (kept with each answer, in the decisions export)')
    .action(
      async (
        campaignId: string,
        group: string,
        o: { tenant?: string; none?: boolean; justification?: string },
        cmd: Command,
      ) => {
        await run(
          cmd.optsWithGlobals<GlobalOptions>(),
          async (app) => {
            if (!!o.tenant === !!o.none) throw new BadInputError('give exactly one of --tenant <tenantId> or --none');
            const body = parseOptions(
              resolveReviewGroupInput,
              { campaignId, tenantId: o.none ? null : o.tenant, justification: o.justification },
              { campaignId: 'campaignId', tenantId: '--tenant' },
            );
            const key = parseInput(reviewGroup, group, undefined, 'group');
            const out = await app
              .get(ReviewService)
              .resolveGroup(
                body.campaignId.toLowerCase(),
                key,
                body.tenantId?.toLowerCase() ?? null,
                cliOperator(),
                body.justification,
              );
            return {
              json: out,
              text: `${out.items.length} review item(s) of group ${group} resolved to ${o.none ? 'none' : o.tenant}`,
            };
          },
          { role: 'reviewer' },
        );
      },
    );
}
