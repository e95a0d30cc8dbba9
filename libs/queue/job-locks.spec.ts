import { jobLockOptionsFromEnv } from './job-locks.js';

describe('jobLockOptionsFromEnv', () => {
  it("by default frees a dead worker's sending job within seconds, and gives the analysis a longer lock", () => {
    const sending = jobLockOptionsFromEnv('sending', {});
    expect(sending).toEqual({ lockDuration: 10_000, stalledInterval: 5000, maxStalledCount: 10 });
    // lock runs out, then the next stalled check: well under BullMQ's default 30 s + 30 s
    expect(sending.lockDuration + sending.stalledInterval).toBeLessThan(30_000);
    expect(jobLockOptionsFromEnv('analysis', {}).lockDuration).toBe(60_000);
  });

  it('reads the environment, and falls back to the defaults on a value the configuration check refuses', () => {
    const env = {
      JOB_LOCK_MS: '4000',
      JOB_STALLED_INTERVAL_MS: '1500',
      JOB_MAX_STALLED: '3',
      ANALYSIS_LOCK_MS: '90000',
    };
    expect(jobLockOptionsFromEnv('sending', env)).toEqual({
      lockDuration: 4000,
      stalledInterval: 1500,
      maxStalledCount: 3,
    });
    expect(jobLockOptionsFromEnv('analysis', env).lockDuration).toBe(90_000);
    expect(jobLockOptionsFromEnv('sending', { JOB_LOCK_MS: '5' }).lockDuration).toBe(10_000);
  });
});
