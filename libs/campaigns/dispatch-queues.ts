import { Injectable } from '@nestjs/common';
import { InjectQueue } from '@nestjs/bullmq';
import type { Queue } from 'bullmq';
import { QUEUE } from '../queue/queues.js';
import { addJobs, jobIdOf, type JobQueue } from '../queue/jobs.js';
import type { EvalClient } from './dispatch.send-rate.js';

/** Job ids of the jobs BullMQ parked as failed, per queue. */
export interface ParkedJobs {
  notices: Set<string>;
  emails: Set<string>;
}

/**
 * The notice and email queues, and the BullMQ internals sending needs: deterministic job ids (a
 * repeat of the same step is one job), parked jobs given fresh attempts, and the Redis the send
 * rate is counted in.
 */
@Injectable()
export class DispatchQueues {
  constructor(
    @InjectQueue(QUEUE.notices) private readonly noticesQueue: JobQueue<'notices'>,
    @InjectQueue(QUEUE.emails) private readonly emailsQueue: JobQueue<'emails'>,
  ) {}

  /** Queues the notice job of each tenant; with `parked`, retries those of them BullMQ had parked. */
  async enqueueNotices(campaignId: string, tenantIds: string[], parked?: Set<string>): Promise<void> {
    const jobs = tenantIds.map((tenantId) => ({ campaignId, tenantId }));
    await addJobs(this.noticesQueue, 'post-notice', jobs);
    if (parked)
      await this.unpark(
        this.noticesQueue,
        parked,
        jobs.map((d) => jobIdOf(this.noticesQueue, 'post-notice', d)),
      );
  }

  /** Queues the posting of an incident update to each campaign's notices; with `parked`, retries those BullMQ had parked. */
  async enqueueUpdate(updateId: string, campaignIds: readonly string[], parked?: Set<string>): Promise<void> {
    const jobs = campaignIds.map((campaignId) => ({ updateId, campaignId }));
    await addJobs(this.noticesQueue, 'post-update', jobs);
    if (parked)
      await this.unpark(
        this.noticesQueue,
        parked,
        jobs.map((d) => jobIdOf(this.noticesQueue, 'post-update', d)),
      );
  }

  /** Queues the email job of each delivery; with `parked`, retries those of them BullMQ had parked. */
  async enqueueEmails(ids: bigint[], parked?: Set<string>): Promise<void> {
    const jobs = ids.map((id) => ({ deliveryId: id.toString() }));
    await addJobs(this.emailsQueue, 'send-email', jobs);
    if (parked)
      await this.unpark(
        this.emailsQueue,
        parked,
        jobs.map((d) => jobIdOf(this.emailsQueue, 'send-email', d)),
      );
  }

  /**
   * Jobs BullMQ parked as failed (stalled too often, attempts used up) while the record may say
   * their work is not done: adding them again with the same id would do nothing.
   */
  async parked(): Promise<ParkedJobs> {
    return { notices: await this.parkedJobIds(this.noticesQueue), emails: await this.parkedJobIds(this.emailsQueue) };
  }

  /** Where the send rate is counted: the emails queue's Redis, under its prefix. */
  sendRateStore(): { client: () => Promise<EvalClient>; key: string } {
    return {
      client: async () => (await this.emailsQueue.getBackend().client) as unknown as EvalClient,
      key: this.emailsQueue.toKey('send-rate'),
    };
  }

  /** Ids of the jobs in a queue's failed set (BullMQ keeps up to removeOnFail of them). */
  private async parkedJobIds(queue: Queue): Promise<Set<string>> {
    const client = (await queue.getBackend().client) as unknown as {
      zrange(key: string, start: number, stop: number): Promise<string[]>;
    };
    return new Set(await client.zrange(queue.toKey('failed'), 0, -1));
  }

  /** Retries, with fresh attempts, those of the jobs that are parked in the failed set. */
  private async unpark(queue: Queue, parked: Set<string>, ids: string[]): Promise<void> {
    for (const id of ids) {
      if (!parked.has(id)) continue;
      const job = await queue.getJob(id);
      if (job && (await job.isFailed()))
        await job
          .retry('failed', { resetAttemptsMade: true, resetAttemptsStarted: true })
          .catch(async (err: unknown) => {
            // another worker reconciling at the same time may have retried it first: then it is not failed any more
            if (await job.isFailed()) throw err;
          });
    }
  }
}
