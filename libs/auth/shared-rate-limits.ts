import { Inject, Injectable, Logger, OnModuleDestroy } from '@nestjs/common';
import { Redis } from 'ioredis';
import { RateLimiterMemory, RateLimiterRedis, RateLimiterRes } from 'rate-limiter-flexible';
import { APP_CONFIG, type AppConfig } from '../config/config.js';
import { redisConnection } from '../queue/queues.js';

export interface RateDecision {
  allowed: boolean;
  /** whole seconds until one request would be allowed again (0 when allowed) */
  retryAfterS: number;
}

const WINDOW_S = 60;

/** The Redis connection the API's limits count in: it fails at once while Redis is away, so the in-memory insurance answers. */
@Injectable()
export class RateLimitRedis implements OnModuleDestroy {
  readonly client: Redis;

  constructor(@Inject(APP_CONFIG) config: AppConfig) {
    this.client = new Redis({
      ...redisConnection(config),
      enableOfflineQueue: false,
      maxRetriesPerRequest: 1,
      retryStrategy: (times: number) => Math.min(times * 200, 2000),
    });
    this.client.on('error', () => undefined);
  }

  onModuleDestroy(): void {
    this.client.disconnect();
  }
}

/**
 * A limit counted in Redis, so every API process shares it (N processes no longer allow N times
 * the limit), with a per-process count in memory as insurance: while Redis does not answer, each
 * process counts on its own, which neither opens the gate nor locks everyone out.
 */
function sharedLimiter(redis: RateLimitRedis, prefix: string, name: string, points: number): RateLimiterRedis {
  return new RateLimiterRedis({
    storeClient: redis.client,
    keyPrefix: `${prefix}:ratelimit:${name}`,
    points,
    duration: WINDOW_S,
    rejectIfRedisNotReady: true,
    insuranceLimiter: new RateLimiterMemory({ keyPrefix: `${name}-insurance`, points, duration: WINDOW_S }),
  });
}

const retryAfter = (res: RateLimiterRes) => Math.max(1, Math.ceil(res.msBeforeNext / 1000));

/**
 * The inbox's two limits, per client address and per verified user: INBOX_RATE_PER_ADDRESS and
 * INBOX_RATE_PER_USER requests in a minute (a window opened by the key's first request).
 */
@Injectable()
export class InboxRateLimits {
  private readonly logger = new Logger('rate-limits');
  private readonly address: RateLimiterRedis;
  private readonly user: RateLimiterRedis;

  constructor(@Inject(APP_CONFIG) config: AppConfig, redis: RateLimitRedis) {
    this.address = sharedLimiter(redis, config.QUEUE_PREFIX, 'inbox-address', config.INBOX_RATE_PER_ADDRESS);
    this.user = sharedLimiter(redis, config.QUEUE_PREFIX, 'inbox-user', config.INBOX_RATE_PER_USER);
  }

  perAddress(address: string): Promise<RateDecision> {
    return this.take(this.address, address);
  }

  perUser(tenantId: string, userId: string): Promise<RateDecision> {
    return this.take(this.user, `${tenantId}\n${userId}`);
  }

  private async take(limiter: RateLimiterRedis, key: string): Promise<RateDecision> {
    try {
      await limiter.consume(key);
      return { allowed: true, retryAfterS: 0 };
    } catch (res) {
      if (res instanceof RateLimiterRes) return { allowed: false, retryAfterS: retryAfter(res) };
      // neither Redis nor the insurance answered: a limiter fault must not take the inbox down
      this.logger.error(`inbox rate limit not counted: ${res instanceof Error ? res.message : String(res)}`);
      return { allowed: true, retryAfterS: 0 };
    }
  }
}

/**
 * Failed operator authentications per client address, shared by every API process: after
 * OPERATOR_AUTH_MAX_FAILURES in a window opened by the first failure, the address waits for the
 * rest of it; a success clears its count.
 */
@Injectable()
export class OperatorAuthFailures {
  private readonly failures: RateLimiterRedis;

  constructor(@Inject(APP_CONFIG) config: AppConfig, redis: RateLimitRedis) {
    this.failures = sharedLimiter(redis, config.QUEUE_PREFIX, 'operator-auth', config.OPERATOR_AUTH_MAX_FAILURES);
  }

  /** Whole seconds the address must wait before trying again; 0 when it may try now. */
  async waitSeconds(address: string): Promise<number> {
    const res = await this.failures.get(address);
    if (!res || res.consumedPoints < this.failures.points) return 0;
    return res.msBeforeNext > 0 ? retryAfter(res) : 0;
  }

  /** Counts a failure; returns how many the address has in the current window. */
  async fail(address: string): Promise<number> {
    const res = await this.failures.penalty(address, 1);
    return res.consumedPoints;
  }

  async succeed(address: string): Promise<void> {
    await this.failures.delete(address);
  }
}
