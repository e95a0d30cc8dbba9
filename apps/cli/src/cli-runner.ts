import { NestFactory } from '@nestjs/core';
import type { INestApplicationContext } from '@nestjs/common';
import type { Command } from 'commander';
import { AppError } from '../../../libs/common/errors.js';
import { isGuid } from '../../../libs/common/guid.js';
import { ConfigError, loadConfig } from '../../../libs/config/config.js';
import { assertPostgresReachable } from '../../../libs/db/postgres-check.js';
import { assertRedisReachable } from '../../../libs/queue/redis-check.js';
import { EVERY_ROLE_WARNING, OperatorRoles, type OperatorRole } from '../../../libs/auth/operator-roles.js';
import { CliModule, CliWithWorkersModule } from './cli.module.js';
import { cliOperator, operatorName } from './operator.js';

export interface GlobalOptions {
  json?: boolean;
}

export interface CommandResult {
  /** the command's JSON result (docs/contracts.md §3) */
  json: unknown;
  /** what a person at a terminal reads instead; the JSON, indented, when absent */
  text?: string;
  /** the command streamed its own output to stdout (a CSV): nothing more is printed there */
  wroteStdout?: true;
}

let context: INestApplicationContext | undefined;

/**
 * The Nest context, built on first use, so `--help` never touches the database. With workers,
 * the BullMQ processors run in this process too.
 */
export async function appContext(withWorkers = false): Promise<INestApplicationContext> {
  if (!context) {
    const config = loadConfig();
    await assertPostgresReachable(config);
    await assertRedisReachable(config);
  }
  context ??= await NestFactory.createApplicationContext(withWorkers ? CliWithWorkersModule : CliModule, {
    logger: ['error'],
    abortOnError: false,
  });
  return context;
}

export class ForbiddenCommandError extends Error {}

/**
 * The operator's role check, before anything connects (OPERATOR_ROLES, as the API reads it).
 * The CLI holds the database credentials, so this keeps operators from mistakes and the audit
 * log true; it is no barrier to someone who has DATABASE_URL (README "Operator roles").
 */
export function authorize(role: OperatorRole): void {
  const roles = new OperatorRoles(loadConfig().OPERATOR_ROLES);
  if (!roles.configured) {
    process.stderr.write(`warning: ${EVERY_ROLE_WARNING}\n`);
    return;
  }
  if (!roles.has(operatorName(), role)) throw new ForbiddenCommandError(`operator ${cliOperator()} lacks role ${role}`);
}

/**
 * Runs one command: on success prints exactly one JSON document (with --json) or a readable
 * report on stdout and exits 0; on failure prints a one-line reason on stderr and exits 1.
 * `role`: what the operator needs for it (docs/contracts.md §5), checked before anything connects.
 */
export async function run(
  opts: GlobalOptions,
  fn: (app: INestApplicationContext) => Promise<CommandResult>,
  settings: { role: OperatorRole; workers?: boolean },
): Promise<void> {
  let code = 0;
  try {
    authorize(settings.role);
    const result = await fn(await appContext(settings.workers));
    if (!result.wroteStdout)
      process.stdout.write(
        opts.json || result.text === undefined
          ? `${JSON.stringify(result.json, null, opts.json ? undefined : 2)}\n`
          : `${result.text}\n`,
      );
  } catch (err) {
    code = 1;
    process.stderr.write(`error: ${reason(err)}\n`);
  } finally {
    await context?.close().catch(() => undefined);
    context = undefined;
  }
  process.exitCode = code;
  // A half-built context (a service down mid-start) can leave sockets open; the command is done,
  // so leave once stdout and stderr are flushed.
  await new Promise<void>((r) => process.stdout.write('', () => process.stderr.write('', () => r())));
  process.exit(code);
}

export function reason(err: unknown): string {
  if (err instanceof AppError || err instanceof ConfigError || err instanceof ForbiddenCommandError)
    return oneLine(err.message);
  if ((err as Error)?.message?.startsWith('cannot reach')) return oneLine((err as Error).message);
  const e = err as { code?: string; message?: string };
  if (e?.code === 'ECONNREFUSED')
    return `cannot reach a service (${oneLine(e.message ?? '')}); is PostgreSQL/Redis running? see README "Requirements"`;
  return oneLine(e?.message ?? String(err));
}

const oneLine = (s: string) => s.replace(/\s+/g, ' ').trim();

/** Arguments and option values that name a row by its id; a record id is the input's own and may be anything. */
const ID_PLACEHOLDER = /<(campaignId|datasetId|incidentId|reviewItemId|tenantId)>/;

/**
 * Refuses, before anything connects, an id that is not a GUID, with the same one-line error and
 * exit code as any other bad input (the database would otherwise answer with its own message).
 */
export function refuseMalformedIds(cmd: Command): void {
  // [what the message names, its usage text, its value]: an argument by its name, an option as typed
  const named: [string, string, unknown][] = [
    ...cmd.registeredArguments.map((a, i): [string, string, unknown] => [
      a.name(),
      `<${a.name()}>`,
      cmd.processedArgs[i],
    ]),
    ...cmd.options.map((o): [string, string, unknown] => [
      o.long ?? o.flags,
      o.flags,
      cmd.getOptionValue(o.attributeName()),
    ]),
  ];
  for (const [name, flags, value] of named) {
    if (!ID_PLACEHOLDER.test(flags) || value === undefined || isGuid(value)) continue;
    process.stderr.write(`error: ${name}: must be a GUID\n`);
    process.exit(1);
  }
}
