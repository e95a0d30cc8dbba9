import type { z } from 'zod';
import { parseInput, guid } from '../../../libs/common/input.js';

/** `supportEmail` → `--support-email`, unless the command names the option otherwise. */
const optionName =
  (names: Record<string, string> = {}) =>
  (path: string): string =>
    names[path] ?? `--${path.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;

/**
 * The command's options checked with the operation's own schema (the one the API checks), so a
 * bad value is refused with the API's reason, named by its option: `--support-email: must be an
 * email address`.
 */
export function parseOptions<S extends z.ZodType>(
  schema: S,
  value: unknown,
  names?: Record<string, string>,
): z.output<S> {
  return parseInput(schema, value, optionName(names));
}

/** A positional id: `campaignId: must be a UUID`. */
export function idArgument(value: string, name: string): string {
  return parseInput(guid, value, undefined, name);
}
