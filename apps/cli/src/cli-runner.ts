import { NestFactory } from '@nestjs/core';
import type { INestApplicationContext } from '@nestjs/common';
import { AppError } from '../../../libs/common/errors.js';
import { ConfigError, loadConfig } from '../../../libs/config/config.js';
import { assertRedisReachable } from '../../../libs/queue/redis-check.js';
import { CliModule, CliWithWorkersModule } from './cli.module.js';

export interface GlobalOptions {
  json?: boolean;
}

export interface CommandResult {
  /** the command's JSON result (docs/contracts.md §3) */
  json: unknown;
  /** what a person at a terminal reads instead; the JSON, indented, when absent */
  text?: string;
}

let context: INestApplicationContext | undefined;

/**
 * The Nest context, built on first use, so `--help` never touches the database. With workers,
 * the BullMQ processors run in this process too.
 */
export async function appContext(withWorkers = false): Promise<INestApplicationContext> {
  if (!context) await assertRedisReachable(loadConfig());
  context ??= await NestFactory.createApplicationContext(withWorkers ? CliWithWorkersModule : CliModule, {
    logger: ['error'],
    abortOnError: false,
  });
  return context;
}

/**
 * Runs one command: on success prints exactly one JSON document (with --json) or a readable
 * report on stdout and exits 0; on failure prints a one-line reason on stderr and exits 1.
 */
export async function run(
  opts: GlobalOptions,
  fn: (app: INestApplicationContext) => Promise<CommandResult>,
  settings: { workers?: boolean } = {},
): Promise<void> {
  let code = 0;
  try {
    const result = await fn(await appContext(settings.workers));
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
  if (err instanceof AppError || err instanceof ConfigError) return oneLine(err.message);
  if ((err as Error)?.message?.startsWith('cannot reach')) return oneLine((err as Error).message);
  const e = err as { code?: string; message?: string };
  if (e?.code === 'ECONNREFUSED')
    return `cannot reach a service (${oneLine(e.message ?? '')}); is PostgreSQL/Redis running? see README "Services"`;
  return oneLine(e?.message ?? String(err));
}

const oneLine = (s: string) => s.replace(/\s+/g, ' ').trim();
