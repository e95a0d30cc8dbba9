import { Redis } from 'ioredis';
import type { AppConfig } from '../config/config.js';
import { redisConnection } from './queues.js';

/**
 * Fails fast with a one-line reason when Redis does not answer: BullMQ's own connection would
 * otherwise retry forever and a command would just hang.
 */
export async function assertRedisReachable(config: AppConfig, timeoutMs = 3000): Promise<void> {
  const redis = new Redis({
    ...redisConnection(config),
    lazyConnect: true,
    connectTimeout: timeoutMs,
    maxRetriesPerRequest: 1,
    retryStrategy: () => null,
  });
  redis.on('error', () => undefined);
  try {
    await redis.connect();
    await redis.ping();
  } catch (err) {
    const url = new URL(config.REDIS_URL);
    throw new Error(
      `cannot reach Redis at ${url.host} (${(err as Error).message}): start it (README "Requirements") or set REDIS_URL`,
      { cause: err },
    );
  } finally {
    redis.disconnect();
  }
}
