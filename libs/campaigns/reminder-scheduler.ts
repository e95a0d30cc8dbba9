import { randomUUID } from 'node:crypto';
import { Inject, Injectable, Logger, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import type { Redis } from 'ioredis';
import { APP_CONFIG, type AppConfig } from '../config/config.js';
import { failFastRedis } from '../queue/queues.js';
import { ReminderRun } from './reminder-run.js';

/**
 * Runs the reminder run every REMINDER_INTERVAL_MS on one worker of the fleet at a time, through a
 * lock in Redis. The lock only saves work: two runs at once write and queue each reminder once
 * all the same (ReminderRun).
 */
@Injectable()
export class ReminderScheduler implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger('reminders');
  private readonly id = randomUUID();
  private readonly lockKey: string;
  private redis?: Redis;
  private timer?: NodeJS.Timeout;
  private running: Promise<unknown> | null = null;
  private stopped = false;

  constructor(
    private readonly reminders: ReminderRun,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {
    this.lockKey = `${config.QUEUE_PREFIX}:reminders:lock`;
  }

  async onApplicationBootstrap(): Promise<void> {
    const interval = this.config.REMINDER_INTERVAL_MS;
    if (interval <= 0) return;
    const redis = failFastRedis(this.config);
    this.redis = redis;
    await redis.connect().catch((err: Error) => this.logger.warn(`Redis not reachable for reminders: ${err.message}`));
    this.timer = setInterval(() => void this.periodic(), interval).unref();
  }

  async onModuleDestroy(): Promise<void> {
    this.stopped = true;
    clearInterval(this.timer);
    await this.running?.catch(() => undefined);
    this.redis?.disconnect();
  }

  /** One pass, by the worker that takes the interval's lock; false when another has it or Redis is away. */
  async periodic(now = new Date()): Promise<boolean> {
    const redis = this.redis;
    if (!redis || this.stopped || this.running || redis.status !== 'ready') return false;
    const interval = this.config.REMINDER_INTERVAL_MS;
    const ttl = interval - Math.min(500, Math.floor(interval / 10));
    const got = await redis.set(this.lockKey, this.id, 'PX', ttl, 'NX').catch(() => null);
    if (got !== 'OK') return false;
    this.running = this.reminders
      .run(now)
      .then((r) => {
        if (r.queued) this.logger.log(`reminders: ${r.queued} email(s) queued for ${r.notices} unread notice(s)`);
      })
      .catch((err: unknown) =>
        this.logger.error(`reminder run failed: ${err instanceof Error ? err.message : String(err)}`),
      )
      .finally(() => (this.running = null));
    await this.running;
    return true;
  }
}
