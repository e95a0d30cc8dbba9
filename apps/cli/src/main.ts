import 'reflect-metadata';
import { Command } from 'commander';
import { registerTenantsCommands } from './commands/tenants.command.js';
import { registerDatasetsCommands } from './commands/datasets.command.js';
import { registerCampaignsCommands, registerSendingCommands } from './commands/campaigns.command.js';
import { registerReviewCommands } from './commands/review.command.js';
import { registerAuthCommands } from './commands/auth.command.js';
import { registerAuditCommands } from './commands/audit.command.js';
import { registerIncidentsCommands } from './commands/incidents.command.js';
import { registerCampaignReportCommands } from './commands/reports.command.js';
import { registerNoticesCommands } from './commands/notices.command.js';
import { refuseMalformedIds } from './cli-runner.js';

const program = new Command('impact')
  .description('Operator command line of the exposure notification service')
  .option('--json', 'print exactly one JSON document on stdout; progress and logs go to stderr')
  .showHelpAfterError()
  .configureOutput({ writeOut: (s) => process.stderr.write(s), writeErr: (s) => process.stderr.write(s) })
  .exitOverride((err) => {
    process.exit(err.exitCode === 0 ? 0 : 2);
  })
  .hook('preAction', (_program, action) => refuseMalformedIds(action));

registerTenantsCommands(program);
registerDatasetsCommands(program);
registerIncidentsCommands(program);
registerNoticesCommands(program);
registerCampaignsCommands(program);
registerSendingCommands(program);
registerCampaignReportCommands(program);
registerReviewCommands(program);
registerAuthCommands(program);
registerAuditCommands(program);

await program.parseAsync(process.argv);
