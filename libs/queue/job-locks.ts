import { z } from 'zod';
import { WORKER_RECOVERY_SHAPE } from '../config/config.js';

export type JobKind = 'analysis' | 'sending';

/** The BullMQ worker options that decide how fast a dead worker's jobs are taken over. */
export interface JobLockOptions {
  lockDuration: number;
  stalledInterval: number;
  maxStalledCount: number;
}

const recoverySchema = z.object(WORKER_RECOVERY_SHAPE);
export type WorkerRecoveryConfig = z.infer<typeof recoverySchema>;

/**
 * A worker renews each job's lock at half its duration; when the worker dies the lock runs out,
 * and the next stalled check (every JOB_STALLED_INTERVAL_MS, on any worker) puts the job back: a
 * dead worker's job runs again within about JOB_LOCK_MS + JOB_STALLED_INTERVAL_MS, instead of
 * BullMQ's 30 s + 30 s. The price of a short lock: a step that holds the event loop longer than
 * half of it (the renewal cannot run) loses its job to another worker, which runs it again. The
 * sending steps are short (a batch of notices renders in well under a second, an email waits on
 * I/O), and a repeat is harmless (PostgreSQL rows make every step idempotent), so they get 10 s;
 * the analysis reads and attributes pages of records and a repeat costs a whole analysis, so it
 * keeps a longer lock. A job is put back up to JOB_MAX_STALLED times (BullMQ's default is once:
 * two crashes would park it as failed until the next reconciliation).
 */
export function jobLockOptions(kind: JobKind, config: WorkerRecoveryConfig): JobLockOptions {
  return {
    lockDuration: kind === 'analysis' ? config.ANALYSIS_LOCK_MS : config.JOB_LOCK_MS,
    stalledInterval: config.JOB_STALLED_INTERVAL_MS,
    maxStalledCount: config.JOB_MAX_STALLED,
  };
}

/**
 * The options from the environment, for the processor decorators (read when the classes are
 * defined, before Nest reads its configuration). A value that does not validate falls back to
 * its default here; the process's own configuration check then stops it with the reason.
 */
export function jobLockOptionsFromEnv(kind: JobKind, env: NodeJS.ProcessEnv = process.env): JobLockOptions {
  const clean = Object.fromEntries(
    Object.keys(WORKER_RECOVERY_SHAPE)
      .map((k) => [k, env[k]] as const)
      .filter(([, v]) => v !== undefined && v !== ''),
  );
  const parsed = recoverySchema.safeParse(clean);
  return jobLockOptions(kind, parsed.success ? parsed.data : recoverySchema.parse({}));
}
