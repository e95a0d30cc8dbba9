import type { Command } from 'commander';
import { APP_CONFIG, type AppConfig } from '../../../../libs/config/config.js';
import { sameOperator } from '../../../../libs/auth/operator-roles.js';
import { NoticeRevisions } from '../../../../libs/campaigns/notice-revisions.service.js';
import { noticeId, withdrawalInput } from '../../../../libs/campaigns/revision-input.js';
import { parseInput } from '../../../../libs/common/input.js';
import { parseOptions } from '../input.js';
import { run, type GlobalOptions } from '../cli-runner.js';
import { cliOperator } from '../operator.js';

/** A positional message id: `noticeId: must be a message id such as MC1000042`. */
const noticeArgument = (value: string) => parseInput(noticeId, value, undefined, 'noticeId');

export function registerNoticesCommands(program: Command): void {
  const notices = program.command('notices').description('posted notices: the withdrawal of a notice sent in error');

  notices
    .command('withdraw <noticeId>')
    .description('ask for the withdrawal of a notice sent in error; another operator approves it')
    .requiredOption('--reason <text>', 'why the notice was sent in error (operators only see it)')
    .action(async (id: string, o: { reason: string }, cmd: Command) => {
      await run(
        cmd.optsWithGlobals<GlobalOptions>(),
        async (app) => {
          const n = noticeArgument(id);
          const input = parseOptions(withdrawalInput, { reason: o.reason });
          const w = await app.get(NoticeRevisions).requestWithdrawal(n, input, cliOperator());
          return {
            json: w,
            text: `withdrawal of notice ${w.noticeId} asked for; another operator approves it (notices approve-withdrawal ${w.noticeId})`,
          };
        },
        { role: 'sender' },
      );
    });

  notices
    .command('approve-withdrawal <noticeId>')
    .description(
      'approve a withdrawal asked for by another operator (ALLOW_SELF_APPROVAL aside): the exposure view goes at once, the notice says it was sent in error, its readers are emailed',
    )
    .action(async (id: string, _o: unknown, cmd: Command) => {
      await run(
        cmd.optsWithGlobals<GlobalOptions>(),
        async (app) => {
          const { ALLOW_SELF_APPROVAL } = app.get<AppConfig>(APP_CONFIG);
          const actor = cliOperator();
          const w = await app
            .get(NoticeRevisions)
            .approveWithdrawal(noticeArgument(id), actor, { requireSecondOperator: !ALLOW_SELF_APPROVAL });
          // allowed only because ALLOW_SELF_APPROVAL is true: said where the operator sees it, and audited
          if (sameOperator(w.requestedBy, actor))
            process.stderr.write(
              `warning: ${actor} approved their own withdrawal of ${w.noticeId} (ALLOW_SELF_APPROVAL=true; audited as selfApproval)\n`,
            );
          return { json: w, text: `notice ${w.noticeId} withdrawn (revision ${w.revision})` };
        },
        { role: 'approver' },
      );
    });
}
