/** The part of an ioredis client this needs. */
export interface EvalClient {
  eval(script: string, numKeys: number, ...args: (string | number)[]): Promise<unknown>;
}

/** A send attempt the record (PostgreSQL) knows of: when, and which delivery. */
export interface RecordedAttempt {
  deliveryId: string;
  /** epoch milliseconds */
  at: number;
}

// KEYS[1] the log of grants (a sorted set of delivery ids scored by time), KEYS[2] its epoch
// marker. The marker has no expiry: it is missing only before the first send ever, or after Redis
// lost its data, and then the log is rebuilt from the record before anything more is granted.

/** -1: no log (seed it first). 0: granted. n > 0: wait n ms. */
const TAKE = `
if redis.call('EXISTS', KEYS[2]) == 0 then return -1 end
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local window = tonumber(ARGV[1])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - window)
if redis.call('ZCARD', KEYS[1]) < tonumber(ARGV[2]) then
  redis.call('ZADD', KEYS[1], now, ARGV[3])
  redis.call('PEXPIRE', KEYS[1], window)
  return 0
end
local oldest = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
return math.max(1, tonumber(oldest[2]) + window - now)
`;

/** ARGV: window, then time/member pairs; the marker is set by the last batch (ARGV[2] = '1'). */
const SEED = `
local window = tonumber(ARGV[1])
for i = 3, #ARGV, 2 do
  redis.call('ZADD', KEYS[1], 'GT', tonumber(ARGV[i]), ARGV[i + 1])
end
if redis.call('EXISTS', KEYS[1]) == 1 then redis.call('PEXPIRE', KEYS[1], window) end
if ARGV[2] == '1' then redis.call('SET', KEYS[2], '1') end
return 1
`;

const RELEASE = `return redis.call('ZREM', KEYS[1], ARGV[1])`;

export interface SendSlot {
  /** 0: the send may go now, and it is counted; otherwise how many milliseconds to wait */
  waitMs: number;
  /** uncounts a granted send the provider refused (a 429 is not a send) */
  release(): Promise<void>;
}

/**
 * MAIL_RATE_PER_MINUTE over ANY 60 seconds, not per fixed minute. BullMQ's limiter counts per
 * fixed window, and `worker.rateLimit` (the pause for a 429's Retry-After) replaces its counter,
 * so after a short pause it hands out a whole new minute's quota: ACS then refuses sends for
 * quota. This log in Redis is checked right before each send, by every worker.
 *
 * One entry per delivery: a retry of the same delivery uses the same operation id, which the
 * provider does not count again. The window is a little longer than a minute: a grant is logged
 * just before the request leaves, and requests do not all take equally long to get there. When
 * Redis restarts empty, the log is rebuilt from the delivery rows touched in the last window
 * before anything more is granted (Redis is not the record).
 */
export class SendRateLimiter {
  static readonly WINDOW_MS = 61_000;

  constructor(
    private readonly client: () => Promise<EvalClient>,
    private readonly key: string,
    private readonly perWindow: number,
    /** the send attempts PostgreSQL recorded in the last windowMs */
    private readonly recorded: (windowMs: number) => Promise<RecordedAttempt[]>,
    private readonly windowMs = SendRateLimiter.WINDOW_MS,
  ) {}

  /** A slot for one send of this delivery. */
  async take(deliveryId: string): Promise<SendSlot> {
    const redis = await this.client();
    const member = `d:${deliveryId}`;
    for (let round = 0; ; round++) {
      const r = Number(await redis.eval(TAKE, 2, this.key, `${this.key}:epoch`, this.windowMs, this.perWindow, member));
      if (r === 0)
        return {
          waitMs: 0,
          release: async () => void (await (await this.client()).eval(RELEASE, 1, this.key, member)),
        };
      if (r > 0) return { waitMs: r, release: () => Promise.resolve() };
      if (round > 3) throw new Error('send rate log: could not be rebuilt');
      await this.seed(redis);
    }
  }

  /** Rebuilds the log from the record; several processes doing it at once add the same entries. */
  private async seed(redis: EvalClient): Promise<void> {
    const pairs = (await this.recorded(this.windowMs)).flatMap((a) => [a.at, `d:${a.deliveryId}`]);
    const BATCH = 2000;
    for (let i = 0; i === 0 || i < pairs.length; i += BATCH) {
      const last = i + BATCH >= pairs.length;
      await redis.eval(
        SEED,
        2,
        this.key,
        `${this.key}:epoch`,
        this.windowMs,
        last ? '1' : '0',
        ...pairs.slice(i, i + BATCH),
      );
    }
  }
}
