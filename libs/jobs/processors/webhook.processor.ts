import { Processor, WorkerHost } from '@nestjs/bullmq';
import type { Job } from 'bullmq';
import { QUEUE } from '../../queue/queues.js';
import { WebhookService } from '../../webhooks/webhook.service.js';
import { jobLockOptionsFromEnv } from '../../queue/job-locks.js';
import { runJob } from '../../queue/jobs.js';
import { applyOutcome } from './outcome.js';

/** Sends one signed webhook delivery; retries back off exponentially (the job's options). */
@Processor(QUEUE.webhooks, { concurrency: 20, ...jobLockOptionsFromEnv('sending') })
export class WebhookProcessor extends WorkerHost {
  constructor(private readonly webhooks: WebhookService) {
    super();
  }

  async process(job: Job, token?: string): Promise<string> {
    const lastAttempt = job.attemptsMade + 1 >= (job.opts.attempts ?? 1);
    return runJob(QUEUE.webhooks, job, {
      'deliver-webhook': async ({ data }) =>
        applyOutcome(job, token, this.worker, await this.webhooks.deliver(BigInt(data.deliveryId), lastAttempt)),
    });
  }
}
