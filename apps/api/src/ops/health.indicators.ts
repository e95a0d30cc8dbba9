import { Inject, Injectable, type OnApplicationShutdown } from '@nestjs/common';
import { HealthIndicatorService } from '@nestjs/terminus';
import { Redis } from 'ioredis';
import { APP_CONFIG, type AppConfig } from '../../../../libs/config/config.js';
import { PrismaService } from '../../../../libs/db/prisma.service.js';
import { redisConnection } from '../../../../libs/queue/queues.js';

/** Rejects after ms with `timed out after <ms> ms`; the timer never holds the process open. */
export function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms`)), ms);
    timer.unref();
  });
  return Promise.race([p, timeout]).finally(() => clearTimeout(timer));
}

/** PostgreSQL answers `SELECT 1` through the pool the service itself uses. */
@Injectable()
export class PostgresHealth {
  constructor(
    private readonly indicator: HealthIndicatorService,
    private readonly prisma: PrismaService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  async check(key = 'postgresql') {
    const session = this.indicator.check(key);
    try {
      await withTimeout(this.prisma.pool.query('SELECT 1'), this.config.HEALTH_TIMEOUT_MS);
      return session.up();
    } catch (err) {
      return session.down({ message: oneLine(err) });
    }
  }
}

/**
 * Redis answers PING on a connection of its own that never queues commands while disconnected:
 * the queues' connections wait for Redis forever (BullMQ needs that), a probe must not.
 */
@Injectable()
export class RedisHealth implements OnApplicationShutdown {
  private readonly redis: Redis;

  constructor(
    private readonly indicator: HealthIndicatorService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {
    this.redis = new Redis({
      ...redisConnection(config),
      lazyConnect: true,
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
      connectTimeout: config.HEALTH_TIMEOUT_MS,
      retryStrategy: () => null,
    });
    this.redis.on('error', () => undefined);
  }

  async check(key = 'redis') {
    const session = this.indicator.check(key);
    try {
      // a closed connection is opened again by the probe itself, not by a background retry loop
      if (this.redis.status === 'wait' || this.redis.status === 'end' || this.redis.status === 'close')
        await withTimeout(this.redis.connect(), this.config.HEALTH_TIMEOUT_MS);
      const pong = await withTimeout(this.redis.ping(), this.config.HEALTH_TIMEOUT_MS);
      return pong === 'PONG'
        ? session.up()
        : session.down({ message: `unexpected answer ${String(pong).slice(0, 50)}` });
    } catch (err) {
      // start over on the next probe
      this.redis.disconnect();
      return session.down({ message: oneLine(err) });
    }
  }

  onApplicationShutdown(): void {
    this.redis.disconnect();
  }
}

const oneLine = (err: unknown) => (err instanceof Error ? err.message : String(err)).split('\n')[0]!.slice(0, 300);
