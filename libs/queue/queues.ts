import { Redis } from 'ioredis';
import type { AppConfig } from '../config/config.js';

/** The BullMQ queues. Job data carries ids only; PostgreSQL is the record of what is done. */
export const QUEUE = {
  analysis: 'analysis',
  notices: 'notices',
  emails: 'emails',
  webhooks: 'webhooks',
} as const;
export type QueueName = (typeof QUEUE)[keyof typeof QUEUE];

/** ioredis options for BullMQ from REDIS_URL; workers need maxRetriesPerRequest null. */
export function redisConnection(config: AppConfig) {
  const url = new URL(config.REDIS_URL);
  return {
    host: url.hostname,
    port: Number(url.port || 6379),
    ...(url.username ? { username: decodeURIComponent(url.username) } : {}),
    ...(url.password ? { password: decodeURIComponent(url.password) } : {}),
    ...(url.pathname.length > 1 ? { db: Number(url.pathname.slice(1)) } : {}),
    ...(url.protocol === 'rediss:' ? { tls: {} } : {}),
    maxRetriesPerRequest: null,
  };
}

/**
 * A connection of its own for a periodic pass (the reconciler, the reminders): it fails at once
 * while Redis is away instead of queueing commands, and reconnects in the background, so a missed
 * pass is made up by the next. Not connected yet: the caller connects and says what a failure means.
 */
export function failFastRedis(config: AppConfig): Redis {
  const redis = new Redis({
    ...redisConnection(config),
    maxRetriesPerRequest: 1,
    enableOfflineQueue: false,
    lazyConnect: true,
    retryStrategy: (times: number) => Math.min(times * 200, 2000),
  });
  redis.on('error', () => undefined);
  return redis;
}

/** BullMQ refuses ':' in custom job ids; ids are built from uuids and this separator. */
export const jobId = (...parts: string[]) => parts.join('__');
