import { Processor, WorkerHost } from '@nestjs/bullmq';
import type { Job } from 'bullmq';
import { QUEUE } from '../../../../libs/queue/queues.js';
import { NoticeJob } from '../../../../libs/campaigns/notice-job.js';
import { STALLS_BEFORE_PARKED, applyOutcome } from './outcome.js';

/** Posts one affected tenant's notice and queues its emails. */
@Processor(QUEUE.notices, { concurrency: 100, maxStalledCount: STALLS_BEFORE_PARKED })
export class NoticeProcessor extends WorkerHost {
  constructor(private readonly notices: NoticeJob) {
    super();
  }

  async process(job: Job<{ campaignId: string; tenantId: string }>, token?: string): Promise<string> {
    return applyOutcome(job, token, this.worker, await this.notices.postNotice(job.data.campaignId, job.data.tenantId));
  }
}
