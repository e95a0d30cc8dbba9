import type { Command } from 'commander';
import { DevIssuer } from '../../../../libs/auth/dev-issuer.js';
import { APP_CONFIG, type AppConfig } from '../../../../libs/config/config.js';
import { DirectoryRepository } from '../../../../libs/directory/directory.repository.js';
import { run, type GlobalOptions } from '../cli-runner.js';

export function registerAuthCommands(program: Command): void {
  const auth = program.command('auth').description('tenant sign-in for demos and tests');

  auth
    .command('token')
    .description(
      "a bearer token from the development issuer for a contact listed in that tenant, with the contact's roles (refused when DEV_ISSUER_ENABLED is not true)",
    )
    .requiredOption('--tenant <tenantId>', 'the tenant id (GUID)')
    .requiredOption('--email <contactEmail>', "one of that tenant's contact addresses")
    .action(async (o: { tenant: string; email: string }, cmd: Command) => {
      await run(
        cmd.optsWithGlobals<GlobalOptions>(),
        async (app) => {
          const issuer = new DevIssuer(app.get<AppConfig>(APP_CONFIG), app.get(DirectoryRepository));
          const t = await issuer.issue(o.tenant, o.email);
          return { json: t, text: `${t.token}\n(expires ${t.expiresAt})` };
        },
        { role: 'admin' },
      );
    });
}
