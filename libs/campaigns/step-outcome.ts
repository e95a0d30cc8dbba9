/** What one notice or email job came to; the worker maps it to BullMQ's delay, rate limit, retry or failure. */
export type StepOutcome =
  | { kind: 'done' }
  | { kind: 'skipped'; reason: string }
  | { kind: 'deferred'; ms: number }
  | { kind: 'throttled'; ms: number }
  | { kind: 'retry'; reason: string }
  | { kind: 'permanent'; reason: string };

/** How long a job of a paused campaign waits before it looks again. */
export const PAUSED_RECHECK_MS = 5000;

/**
 * Whether a job of a campaign in this status may do its work now: a paused campaign puts it off,
 * one no longer sending ends it. Null: go on.
 */
export function sendingGate(status: string): StepOutcome | null {
  if (status === 'paused') return { kind: 'deferred', ms: PAUSED_RECHECK_MS };
  if (status !== 'sending') return { kind: 'skipped', reason: `campaign is ${status}` };
  return null;
}
