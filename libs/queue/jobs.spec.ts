import { UnrecoverableError, type Job, type JobsOptions } from 'bullmq';
import { addJob, addJobs, jobIdOf, runJob, type JobQueue } from './jobs.js';
import type { QueueName } from './queues.js';

const CAMPAIGN = '0b7e6f3a-2c1d-4e5f-8a9b-0c1d2e3f4a5b';
const TENANT = '9e1a0d74-9142-46b7-ac0b-b83e046acd16';

/** A queue that records what is added to it, as BullMQ would receive it. */
function recordingQueue<Q extends QueueName>(name: Q) {
  const added: { name: string; data: unknown; opts?: JobsOptions }[] = [];
  const queue = {
    name,
    add: async (n: string, data: unknown, opts?: JobsOptions) => void added.push({ name: n, data, opts }),
    addBulk: async (jobs: { name: string; data: unknown; opts?: JobsOptions }[]) => void added.push(...jobs),
  };
  return { queue: queue as unknown as JobQueue<Q>, added };
}

const job = (name: string, data: unknown) => ({ name, data }) as unknown as Job;

describe('the job contract', () => {
  it("adds a job with its contract's deterministic id and retry policy", async () => {
    const { queue, added } = recordingQueue('notices');
    await addJobs(queue, 'post-notice', [{ campaignId: CAMPAIGN, tenantId: TENANT }]);
    expect(added).toEqual([
      {
        name: 'post-notice',
        data: { campaignId: CAMPAIGN, tenantId: TENANT },
        opts: expect.objectContaining({ jobId: `notice__${CAMPAIGN}__${TENANT}`, attempts: 10 }),
      },
    ]);
    expect(jobIdOf(queue, 'post-notice', { campaignId: CAMPAIGN, tenantId: TENANT })).toBe(added[0]!.opts!.jobId);
  });

  it('lets a caller override the options, and gives each email its own id', async () => {
    const analysis = recordingQueue('analysis');
    await addJob(analysis.queue, 'analyze', { campaignId: CAMPAIGN }, { attempts: 1 });
    expect(analysis.added[0]!.opts).toMatchObject({ jobId: `analyze__${CAMPAIGN}`, attempts: 1 });
    const emails = recordingQueue('emails');
    await addJobs(emails.queue, 'send-email', [{ deliveryId: '1' }, { deliveryId: '2' }]);
    expect(emails.added.map((a) => a.opts!.jobId)).toEqual(['email__1', 'email__2']);
    await addJobs(emails.queue, 'send-email', []);
    expect(emails.added).toHaveLength(2);
  });

  it('refuses at run time a job the queue does not carry (a queue typed wrongly by a cast)', async () => {
    const { queue } = recordingQueue('emails');
    await expect(addJob(queue as never, 'post-notice' as never, {} as never)).rejects.toThrow(
      'queue emails carries no job post-notice',
    );
  });

  it('hands a job to the handler of its name', async () => {
    const seen: string[] = [];
    const r = await runJob('emails', job('send-email', { deliveryId: '42' }), {
      'send-email': async ({ data }) => (seen.push(data.deliveryId), 'done'),
    });
    expect(r).toBe('done');
    expect(seen).toEqual(['42']);
  });

  it('fails for good a job with an unknown name or data that does not fit, without calling a handler', async () => {
    let calls = 0;
    const handlers = { 'post-notice': async () => (calls++, 'done'), 'post-update': async () => (calls++, 'done') };
    await expect(
      runJob('notices', job('post-notices', { campaignId: CAMPAIGN, tenantId: TENANT }), handlers),
    ).rejects.toThrow(new UnrecoverableError('queue notices carries no job "post-notices"'));
    const bad = runJob('notices', job('post-notice', { campaignId: CAMPAIGN, tenantId: 'x' }), handlers);
    await expect(bad).rejects.toBeInstanceOf(UnrecoverableError);
    await expect(bad).rejects.toThrow('tenantId');
    await expect(
      runJob('notices', job('post-notice', { campaignId: CAMPAIGN, tenantId: TENANT, extra: 1 }), handlers),
    ).rejects.toBeInstanceOf(UnrecoverableError);
    await expect(
      runJob('emails', job('send-email', { deliveryId: '1; DROP' }), { 'send-email': handlers['post-notice'] }),
    ).rejects.toBeInstanceOf(UnrecoverableError);
    await expect(
      runJob('notices', job('post-update', { updateId: CAMPAIGN, campaignId: 'not-a-guid' }), handlers),
    ).rejects.toThrow('campaignId');
    expect(calls).toBe(0);
  });
});

/** Compile-time checks (tsc reads this file): a wrong name or data shape does not compile. Never run. */
export function contractMisuseDoesNotCompile(notices: JobQueue<'notices'>, emails: JobQueue<'emails'>): void {
  // @ts-expect-error: the notices queue carries no 'send-email' job
  void addJob(notices, 'send-email', { deliveryId: '1' });
  // @ts-expect-error: a notice job needs its tenant
  void addJob(notices, 'post-notice', { campaignId: CAMPAIGN });
  // @ts-expect-error: a delivery id travels as a string
  void addJobs(emails, 'send-email', [{ deliveryId: 1n }]);
  // @ts-expect-error: every job name of the queue needs its handler
  void runJob('notices', job('post-notice', {}), {});
  // @ts-expect-error: a handler for a name the queue does not carry
  void runJob('emails', job('send-email', {}), { 'send-email': async () => 1, 'post-notice': async () => 1 });
}
