import { DelayedError, UnrecoverableError, Worker, type Job } from 'bullmq';
import type { StepOutcome } from '../../campaigns/step-outcome.js';

/** Turns a step's outcome into what BullMQ understands: delay, rate limit, retry, or give up. */
export async function applyOutcome(
  job: Job,
  token: string | undefined,
  worker: Worker,
  outcome: StepOutcome,
): Promise<string> {
  switch (outcome.kind) {
    case 'done':
      return 'done';
    case 'skipped':
      return `skipped: ${outcome.reason}`;
    case 'deferred':
      await job.moveToDelayed(Date.now() + outcome.ms, token);
      throw new DelayedError();
    case 'throttled':
      // pauses the whole queue (every worker) for the provider's Retry-After; the job is retried
      await worker.rateLimit(outcome.ms);
      throw Worker.RateLimitError();
    case 'retry':
      throw new Error(outcome.reason);
    case 'permanent':
      throw new UnrecoverableError(outcome.reason);
  }
}
