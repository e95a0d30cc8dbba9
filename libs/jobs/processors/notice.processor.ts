import { Processor, WorkerHost } from '@nestjs/bullmq';
import type { Job } from 'bullmq';
import { QUEUE } from '../../queue/queues.js';
import { jobLockOptionsFromEnv } from '../../queue/job-locks.js';
import { runJob } from '../../queue/jobs.js';
import { NoticeJob } from '../../campaigns/notice-job.js';
import { UpdateJob } from '../../campaigns/update-job.js';
import { applyOutcome } from './outcome.js';

/** Posts one affected tenant's notice and queues its emails; posts an incident update to a campaign's notices. */
@Processor(QUEUE.notices, { concurrency: 100, ...jobLockOptionsFromEnv('sending') })
export class NoticeProcessor extends WorkerHost {
  constructor(
    private readonly notices: NoticeJob,
    private readonly updates: UpdateJob,
  ) {
    super();
  }

  async process(job: Job, token?: string): Promise<string> {
    return runJob(QUEUE.notices, job, {
      'post-notice': async ({ data }) =>
        applyOutcome(job, token, this.worker, await this.notices.postNotice(data.campaignId, data.tenantId)),
      'post-update': async ({ data }) =>
        applyOutcome(job, token, this.worker, await this.updates.postUpdate(data.updateId, data.campaignId)),
    });
  }
}
