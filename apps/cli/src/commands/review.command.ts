import { createReadStream } from 'node:fs';
import { access } from 'node:fs/promises';
import type { Command } from 'commander';
import { ReviewService } from '../../../../libs/campaigns/review.service.js';
import { BadInputError } from '../../../../libs/common/errors.js';
import { parseInput } from '../../../../libs/common/input.js';
import { run, type GlobalOptions } from '../cli-runner.js';
import { cliOperator } from '../operator.js';
import { idArgument, parseOptions } from '../input.js';
import {
  assignReviewInput,
  listReviewFilteredInput,
  resolveMatchingInput,
  resolveReviewGroupInput,
  resolveReviewInput,
  reviewGroup,
} from '../../../../libs/campaigns/review-input.js';
import type { ReviewItemView } from '../../../../libs/campaigns/review.service.js';

interface FilterOptions {
  trigger?: string;
  candidate?: string;
  group?: string;
  assignee?: string;
}

/** The filter options every bulk review command takes. */
function filterOptions(cmd: Command): Command {
  return cmd
    .option('--trigger <trigger>', 'items raised by this trigger (as `review list` shows them)')
    .option('--candidate <tenantId>', 'items with this tenant among their candidates')
    .option('--group <group>', 'items of this review group')
    .option('--assignee <operator>', 'items assigned to this operator (`none`: unassigned)');
}

const filterOf = (o: FilterOptions) => ({
  ...(o.trigger !== undefined ? { trigger: o.trigger } : {}),
  ...(o.candidate !== undefined ? { candidate: o.candidate } : {}),
  ...(o.group !== undefined ? { group: o.group } : {}),
  ...(o.assignee !== undefined ? { assignee: o.assignee } : {}),
});

const FILTER_NAMES = {
  'filter.trigger': '--trigger',
  'filter.candidate': '--candidate',
  'filter.group': '--group',
  'filter.assignee': '--assignee',
};

function itemLine(i: ReviewItemView): string {
  return `${i.reviewItemId} group ${i.group} [${i.triggers.join(', ')}] records ${i.recordIds.join(', ')}\n    candidates: ${i.candidates.map((c) => `${c.tenantId} ${c.name ?? ''}`).join(' | ')}${i.excerpts.map((e) => `\n    text: ${e}`).join('')}${i.assignment ? `\n    assigned to ${i.assignment.to}` : ''}${i.resolution ? `\n    resolved: ${i.resolution.tenantId ?? 'none'} by ${i.resolution.by}${i.resolution.justification ? `: ${i.resolution.justification}` : ''}` : ''}`;
}

export function registerReviewCommands(program: Command): void {
  const review = program.command('review').description('uncertain attributions an operator decides');

  filterOptions(
    review
      .command('list <campaignId>')
      .description('the open review items of a campaign, with their candidates and why')
      .option('--all', 'include items resolved or no longer raised'),
  ).action(async (id: string, o: { all?: boolean } & FilterOptions, cmd: Command) => {
    await run(
      cmd.optsWithGlobals<GlobalOptions>(),
      async (app) => {
        const { campaignId, all, ...filter } = parseOptions(
          listReviewFilteredInput,
          { campaignId: id, all: o.all ? 'true' : 'false', ...filterOf(o) },
          { campaignId: 'campaignId' },
        );
        const items = await app.get(ReviewService).list(campaignId, { all: all === 'true', filter });
        return {
          json: { campaignId: id, items },
          text: items.length ? items.map(itemLine).join('\n') : 'no open review items',
        };
      },
      { role: 'viewer' },
    );
  });

  review
    .command('show <reviewItemId>')
    .description("one item with its records' content and the evidence for and against each candidate")
    .action(async (itemId: string, _o: object, cmd: Command) => {
      await run(
        cmd.optsWithGlobals<GlobalOptions>(),
        async (app) => {
          const d = await app.get(ReviewService).show(idArgument(itemId, 'reviewItemId').toLowerCase());
          const text = [
            itemLine(d),
            'why:',
            ...d.evidence.why.map((w) => `  ${w.trigger}: ${w.explanation}`),
            ...d.evidence.candidates.flatMap((c) => [
              `candidate ${c.tenantId} ${c.name ?? ''}`,
              ...c.for.map((f) => `  for: ${f}`),
              ...c.against.map((a) => `  against: ${a}`),
            ]),
            ...d.evidence.records.flatMap((r) => [
              `record ${r.recordId} (${r.kind ?? 'unknown kind'}, upload ${r.upload ?? '?'} line ${r.line ?? '?'})`,
              `  ${JSON.stringify(r.content)}`,
              ...r.elements.map(
                (e) =>
                  `  ${e.kind} ${e.value}: ${e.owners.length ? e.owners.map((o) => `${o.tenantId} by ${o.signal}`).join(', ') : `nobody (${e.unowned ?? 'no evidence'})`}`,
              ),
              ...r.notes.map((n) => `  note: ${n}`),
            ]),
          ].join('\n');
          return { json: d, text };
        },
        { role: 'reviewer' },
      );
    });

  review
    .command('resolve <reviewItemId>')
    .description('decide a review item: the tenant the record belongs to, or --none')
    .option('--tenant <tenantId>', 'the tenant it belongs to')
    .option('--none', 'it belongs to no tenant')
    .option('--justification <text>', 'why: kept with the resolution and in the audit log')
    .action(async (itemId: string, o: { tenant?: string; none?: boolean; justification?: string }, cmd: Command) => {
      await run(
        cmd.optsWithGlobals<GlobalOptions>(),
        async (app) => {
          if (!!o.tenant === !!o.none) throw new BadInputError('give exactly one of --tenant <tenantId> or --none');
          const body = parseOptions(
            resolveReviewInput,
            { tenantId: o.none ? null : o.tenant, justification: o.justification },
            { tenantId: '--tenant', justification: '--justification' },
          );
          const item = await app
            .get(ReviewService)
            .resolve(
              idArgument(itemId, 'reviewItemId'),
              body.tenantId?.toLowerCase() ?? null,
              cliOperator(),
              body.justification ?? null,
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
    .option('--justification <text>', 'why: kept with each resolution and in the audit log')
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
              { campaignId: 'campaignId', tenantId: '--tenant', justification: '--justification' },
            );
            const key = parseInput(reviewGroup, group, undefined, 'group');
            const out = await app
              .get(ReviewService)
              .resolveGroup(
                body.campaignId.toLowerCase(),
                key,
                body.tenantId?.toLowerCase() ?? null,
                cliOperator(),
                body.justification ?? null,
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

  filterOptions(
    review
      .command('resolve-matching <campaignId>')
      .description(
        'decide every open item the filter takes to one answer (--tenant <tenantId> or --none), with --justification',
      )
      .option('--tenant <tenantId>', 'the tenant they belong to (items it is no candidate of are skipped)')
      .option('--none', 'they belong to no tenant')
      .requiredOption('--justification <text>', 'why: required, kept with each resolution and in the audit log'),
  ).action(
    async (
      campaignId: string,
      o: { tenant?: string; none?: boolean; justification: string } & FilterOptions,
      cmd: Command,
    ) => {
      await run(
        cmd.optsWithGlobals<GlobalOptions>(),
        async (app) => {
          if (!!o.tenant === !!o.none) throw new BadInputError('give exactly one of --tenant <tenantId> or --none');
          const body = parseOptions(
            resolveMatchingInput,
            { campaignId, filter: filterOf(o), tenantId: o.none ? null : o.tenant, justification: o.justification },
            { campaignId: 'campaignId', tenantId: '--tenant', justification: '--justification', ...FILTER_NAMES },
          );
          const out = await app
            .get(ReviewService)
            .resolveMatching(
              body.campaignId.toLowerCase(),
              body.filter,
              body.tenantId?.toLowerCase() ?? null,
              body.justification,
              cliOperator(),
            );
          return {
            json: out,
            text: [
              `${out.resolved.length} review item(s) resolved to ${o.none ? 'none' : o.tenant}`,
              ...out.skipped.map((x) => `skipped ${x.reviewItemId}: ${x.reason}`),
            ].join('\n'),
          };
        },
        { role: 'reviewer' },
      );
    },
  );

  review
    .command('import <campaignId> <file>')
    .description('resolutions from a CSV file: reviewItemId,tenantId,justification (tenantId empty or none: none)')
    .action(async (campaignId: string, file: string, _o: object, cmd: Command) => {
      await run(
        cmd.optsWithGlobals<GlobalOptions>(),
        async (app) => {
          const id = idArgument(campaignId, 'campaignId').toLowerCase();
          await access(file).catch(() => {
            throw new BadInputError(`cannot read ${file}`);
          });
          const out = await app.get(ReviewService).importResolutions(id, createReadStream(file), cliOperator());
          return {
            json: out,
            text: [
              `${out.resolved} resolution(s) applied, ${out.refused.length} line(s) refused`,
              ...out.refused.map((r) => `line ${r.line}: ${r.reason}`),
            ].join('\n'),
          };
        },
        { role: 'reviewer' },
      );
    });

  filterOptions(
    review
      .command('assign <campaignId> [reviewItemIds...]')
      .description('assign open items (named, or taken by the filter) to an operator: --to <operator> or --unassign')
      .option('--to <operator>', 'the operator who reviews them')
      .option('--unassign', 'assign them to nobody'),
  ).action(
    async (campaignId: string, ids: string[], o: { to?: string; unassign?: boolean } & FilterOptions, cmd: Command) => {
      await run(
        cmd.optsWithGlobals<GlobalOptions>(),
        async (app) => {
          if (!!o.to === !!o.unassign) throw new BadInputError('give exactly one of --to <operator> or --unassign');
          const filter = filterOf(o);
          const body = parseOptions(
            assignReviewInput,
            {
              campaignId,
              ...(ids.length ? { reviewItemIds: ids } : {}),
              ...(Object.keys(filter).length || !ids.length ? { filter } : {}),
              assignee: o.unassign ? null : o.to,
            },
            { campaignId: 'campaignId', assignee: '--to', reviewItemIds: 'reviewItemIds', ...FILTER_NAMES },
          );
          const out = await app.get(ReviewService).assign(
            body.campaignId.toLowerCase(),
            {
              ...(body.reviewItemIds ? { reviewItemIds: body.reviewItemIds } : {}),
              ...(body.filter ? { filter: body.filter } : {}),
            },
            body.assignee,
            cliOperator(),
          );
          return {
            json: out,
            text: `${out.assigned} review item(s) ${body.assignee ? `assigned to ${body.assignee}` : 'unassigned'}`,
          };
        },
        { role: 'reviewer' },
      );
    },
  );
}
