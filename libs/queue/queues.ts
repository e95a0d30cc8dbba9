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

/** BullMQ refuses ':' in custom job ids; ids are built from uuids and this separator. */
export const jobId = (...parts: string[]) => parts.join('__');
