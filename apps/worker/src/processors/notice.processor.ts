import { Processor, WorkerHost } from '@nestjs/bullmq';
import type { Job } from 'bullmq';
import { QUEUE } from '../../../../libs/queue/queues.js';
import { jobLockOptionsFromEnv } from '../../../../libs/queue/job-locks.js';
import { DispatchService } from '../../../../libs/campaigns/dispatch.service.js';
import { applyOutcome } from './outcome.js';

/** Posts one affected tenant's notice and queues its emails. */
@Processor(QUEUE.notices, { concurrency: 100, ...jobLockOptionsFromEnv('sending') })
export class NoticeProcessor extends WorkerHost {
  constructor(private readonly dispatch: DispatchService) {
    super();
  }

  async process(job: Job<{ campaignId: string; tenantId: string }>, token?: string): Promise<string> {
    return applyOutcome(
      job,
      token,
      this.worker,
      await this.dispatch.postNotice(job.data.campaignId, job.data.tenantId),
    );
  }
}
