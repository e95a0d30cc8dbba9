import { UnrecoverableError, type Job, type JobsOptions, type Queue } from 'bullmq';
import { z } from 'zod';
import { jobId, type QueueName } from './queues.js';

const guid = z.guid();

/**
 * Every job the service queues: queue → job name → what its data holds (ids only: PostgreSQL is
 * the record), the deterministic job id that makes a repeat of the same step one job, and its
 * retry policy. Producers add jobs and processors read them only through this map, so a wrong
 * name or data shape does not compile, and a job in Redis that does not fit it is refused.
 */
export const JOBS = {
  analysis: {
    analyze: {
      data: z.strictObject({ campaignId: guid }),
      id: (d: { campaignId: string }) => jobId('analyze', d.campaignId),
      opts: {
        attempts: 3,
        backoff: { type: 'exponential', delay: 2000, jitter: 0.5 },
        removeOnComplete: true,
        removeOnFail: 1000,
      },
    },
  },
  notices: {
    'post-notice': {
      data: z.strictObject({ campaignId: guid, tenantId: guid }),
      id: (d: { campaignId: string; tenantId: string }) => jobId('notice', d.campaignId, d.tenantId),
      opts: {
        attempts: 10,
        backoff: { type: 'exponential', delay: 1000, jitter: 0.5 },
        removeOnComplete: true,
        removeOnFail: 5000,
      },
    },
    // an incident update posted to one campaign's notices, a page at a time; a repeat revises only
    // the notices still without it
    'post-update': {
      data: z.strictObject({ updateId: guid, campaignId: guid }),
      id: (d: { updateId: string; campaignId: string }) => jobId('update', d.updateId, d.campaignId),
      opts: {
        attempts: 10,
        backoff: { type: 'exponential', delay: 1000, jitter: 0.5 },
        removeOnComplete: true,
        removeOnFail: 5000,
      },
    },
  },
  emails: {
    'send-email': {
      // a bigint delivery id, as a string (JSON has no bigint)
      data: z.strictObject({ deliveryId: z.string().regex(/^\d+$/, 'must be a delivery id') }),
      id: (d: { deliveryId: string }) => jobId('email', d.deliveryId),
      opts: {
        attempts: 8,
        backoff: { type: 'exponential', delay: 5000, jitter: 0.5 },
        removeOnComplete: true,
        removeOnFail: 5000,
      },
    },
  },
  webhooks: {
    'deliver-webhook': {
      data: z.strictObject({ deliveryId: z.string().regex(/^\d+$/, 'must be a delivery id') }),
      id: (d: { deliveryId: string }) => jobId('webhook', d.deliveryId),
      // attempts and backoff come from configuration (WEBHOOK_MAX_ATTEMPTS, WEBHOOK_RETRY_BASE_MS)
      opts: { removeOnComplete: true, removeOnFail: 5000 },
    },
  },
} as const satisfies {
  [Q in QueueName]: Record<string, { data: z.ZodType; id: (d: never) => string; opts: JobsOptions }>;
};

type Contract = typeof JOBS;
export type JobName<Q extends QueueName> = keyof Contract[Q] & string;
type Spec<Q extends QueueName, N extends JobName<Q>> = Contract[Q][N] extends { data: z.ZodType }
  ? Contract[Q][N]
  : never;
export type JobData<Q extends QueueName, N extends JobName<Q>> = z.infer<Spec<Q, N>['data']>;
/** A job of this queue and name, as a processor receives it. */
export type JobOf<Q extends QueueName, N extends JobName<Q>> = Job<JobData<Q, N>, unknown, N>;

/**
 * A queue as injected (`@InjectQueue(QUEUE.x) queue: JobQueue<'x'>`): the name in the type is what
 * lets `addJob` check the job name and data against the map.
 */
export type JobQueue<Q extends QueueName> = Queue & { readonly name: Q };

function spec<Q extends QueueName, N extends JobName<Q>>(queue: JobQueue<Q>, name: N) {
  const s = (JOBS[queue.name] as Record<string, { data: z.ZodType; id: (d: never) => string; opts: JobsOptions }>)[
    name
  ];
  if (!s) throw new Error(`queue ${queue.name} carries no job ${name}`);
  return s as unknown as { data: z.ZodType; id: (d: JobData<Q, N>) => string; opts: JobsOptions };
}

/** Adds one job with its contract's id and options (`opts` overrides them). */
export async function addJob<Q extends QueueName, N extends JobName<Q>>(
  queue: JobQueue<Q>,
  name: N,
  data: JobData<Q, N>,
  opts: JobsOptions = {},
): Promise<void> {
  const s = spec(queue, name);
  await queue.add(name, data, { ...s.opts, jobId: s.id(data), ...opts });
}

/** Adds jobs of one name in one round trip, each with its contract's id and options. */
export async function addJobs<Q extends QueueName, N extends JobName<Q>>(
  queue: JobQueue<Q>,
  name: N,
  data: JobData<Q, N>[],
  opts: JobsOptions = {},
): Promise<void> {
  if (!data.length) return;
  const s = spec(queue, name);
  await queue.addBulk(data.map((d) => ({ name, data: d, opts: { ...s.opts, ...opts, jobId: s.id(d) } })));
}

/** The id a job of this name and data has in its queue (to find it again, e.g. parked as failed). */
export function jobIdOf<Q extends QueueName, N extends JobName<Q>>(queue: JobQueue<Q>, name: N, data: JobData<Q, N>) {
  return spec(queue, name).id(data);
}

/** One handler per job name of the queue. */
export type JobHandlers<Q extends QueueName, R> = { [N in JobName<Q>]: (job: JobOf<Q, N>) => Promise<R> };

/**
 * A processor's typed dispatch: the job goes to its name's handler with its data checked against
 * the map. An unknown name or data that does not fit fails the job for good (retrying cannot help).
 */
export async function runJob<Q extends QueueName, R>(queue: Q, job: Job, handlers: JobHandlers<Q, R>): Promise<R> {
  const specs = JOBS[queue] as Record<string, { data: z.ZodType } | undefined>;
  const s = specs[job.name];
  const handler = (handlers as unknown as Record<string, ((job: Job) => Promise<R>) | undefined>)[job.name];
  if (!s || !handler) throw new UnrecoverableError(`queue ${queue} carries no job ${JSON.stringify(job.name)}`);
  const parsed = s.data.safeParse(job.data);
  if (!parsed.success)
    throw new UnrecoverableError(
      `job ${job.name} on queue ${queue}: data does not fit: ${parsed.error.issues.map((i) => `${i.path.join('.') || 'data'} ${i.message}`).join('; ')}`,
    );
  return handler(job);
}
