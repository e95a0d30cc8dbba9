import { Inject, OnApplicationBootstrap } from '@nestjs/common';
import { Processor, WorkerHost } from '@nestjs/bullmq';
import type { Job } from 'bullmq';
import { QUEUE } from '../../queue/queues.js';
import { jobLockOptionsFromEnv } from '../../queue/job-locks.js';
import { runJob } from '../../queue/jobs.js';
import { APP_CONFIG, type AppConfig } from '../../config/config.js';
import { EmailJob } from '../../campaigns/email-job.js';
import { applyOutcome } from './outcome.js';

/**
 * Sends one notification email. The queue's limiter (MAIL_RATE_PER_MINUTE) lives in Redis, so it
 * caps the send rate across every worker process sharing it. The worker starts only once the
 * limiter is set from configuration (decorator options are fixed before configuration is read).
 */
@Processor(QUEUE.emails, { concurrency: 8, autorun: false, ...jobLockOptionsFromEnv('sending') })
export class EmailProcessor extends WorkerHost implements OnApplicationBootstrap {
  constructor(
    private readonly emails: EmailJob,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {
    super();
  }

  onApplicationBootstrap(): void {
    this.worker.opts.limiter = { max: this.config.MAIL_RATE_PER_MINUTE, duration: 60_000 };
    void this.worker.run().catch(() => undefined);
  }

  async process(job: Job, token?: string): Promise<string> {
    const lastAttempt = job.attemptsMade + 1 >= (job.opts.attempts ?? 1);
    return runJob(QUEUE.emails, job, {
      'send-email': async ({ data }) =>
        applyOutcome(job, token, this.worker, await this.emails.sendEmail(BigInt(data.deliveryId), lastAttempt)),
    });
  }
}
