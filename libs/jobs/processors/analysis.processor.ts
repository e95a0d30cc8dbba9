import { Processor, WorkerHost } from '@nestjs/bullmq';
import type { Job } from 'bullmq';
import { QUEUE } from '../../queue/queues.js';
import { jobLockOptionsFromEnv } from '../../queue/job-locks.js';
import { runJob } from '../../queue/jobs.js';
import { CampaignsService } from '../../campaigns/campaigns.service.js';

/** Runs a campaign's analysis: attribution, decisions, review items, exposure views. */
@Processor(QUEUE.analysis, { concurrency: 1, ...jobLockOptionsFromEnv('analysis') })
export class AnalysisProcessor extends WorkerHost {
  constructor(private readonly campaigns: CampaignsService) {
    super();
  }

  async process(job: Job): Promise<void> {
    const lastAttempt = job.attemptsMade + 1 >= (job.opts.attempts ?? 1);
    await runJob(QUEUE.analysis, job, {
      analyze: ({ data }) =>
        this.campaigns.runAnalysis(
          data.campaignId,
          lastAttempt,
          (p) => void job.updateProgress(p).catch(() => undefined),
        ),
    });
  }
}
