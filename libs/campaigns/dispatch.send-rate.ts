import { randomBytes } from 'node:crypto';

/** The part of an ioredis client this needs. */
export interface EvalClient {
  eval(script: string, numKeys: number, ...args: (string | number)[]): Promise<unknown>;
}

/**
 * A send is granted when fewer than `max` were granted in the window before it; otherwise the
 * answer is how long until the oldest of them leaves the window. Redis's clock, so every worker
 * agrees. One script, so concurrent workers cannot both take the last slot.
 */
const TAKE = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local window = tonumber(ARGV[1])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - window)
if redis.call('ZCARD', KEYS[1]) < tonumber(ARGV[2]) then
  local member = now .. ':' .. ARGV[3]
  redis.call('ZADD', KEYS[1], now, member)
  redis.call('PEXPIRE', KEYS[1], window)
  return {0, member}
end
local oldest = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
return math.max(1, tonumber(oldest[2]) + window - now)
`;

const RELEASE = `return redis.call('ZREM', KEYS[1], ARGV[1])`;

/**
 * MAIL_RATE_PER_MINUTE over ANY 60 seconds, not per fixed minute. BullMQ's limiter counts per
 * fixed window, and `worker.rateLimit` (the pause for a 429's Retry-After) replaces its counter,
 * so after a short pause it hands out a whole new minute's quota: ACS then refuses sends for
 * quota. This log of grants in Redis is checked right before each send.
 *
 * The window is a little longer than a minute: a grant is logged just before the request leaves,
 * and requests do not all take equally long to reach the provider.
 */
export class SendRateLimiter {
  static readonly WINDOW_MS = 61_000;

  constructor(
    private readonly client: () => Promise<EvalClient>,
    private readonly key: string,
    private readonly perWindow: number,
    private readonly windowMs = SendRateLimiter.WINDOW_MS,
  ) {}

  /**
   * `waitMs` 0: this send may go now, and it is counted; `release()` uncounts it when the provider
   * refused it (a 429 is not a send). Otherwise how many milliseconds to wait.
   */
  async take(): Promise<{ waitMs: number; release(): Promise<void> }> {
    const redis = await this.client();
    const id = randomBytes(6).toString('hex');
    const r = (await redis.eval(TAKE, 1, this.key, this.windowMs, this.perWindow, id)) as [number, string] | number;
    if (typeof r === 'number') return { waitMs: r, release: async () => undefined };
    return {
      waitMs: 0,
      release: async () => {
        await (await this.client()).eval(RELEASE, 1, this.key, r[1]);
      },
    };
  }
}
