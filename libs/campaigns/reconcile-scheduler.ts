import { randomUUID } from 'node:crypto';
import { Inject, Injectable, Logger, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import type { Redis } from 'ioredis';
import { APP_CONFIG, type AppConfig } from '../config/config.js';
import { failFastRedis } from '../queue/queues.js';
import { DispatchReconciler } from './dispatch-reconciler.js';

/** How often a worker looks whether Redis still holds the marker (one SET NX: cheap). */
export const MARKER_CHECK_MS = 1000;

/**
 * Puts back what PostgreSQL says is unfinished without waiting for an operator: every
 * RECONCILE_INTERVAL_MS (one worker of the fleet at a time, through a lock in Redis), and at once
 * when Redis comes back without its data. That is told by a marker key the workers keep in Redis:
 * a restart without persistence, a flush or an eviction takes it with the queues, and the first
 * worker to set it again (SET NX, so exactly one) reconciles. Reconciliation is idempotent
 * (deterministic job ids, delivery rows checked before each send), so two runs at once cost work,
 * never a second notice or email.
 */
@Injectable()
export class ReconcileScheduler implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger('reconcile');
  private readonly id = randomUUID();
  private readonly markerKey: string;
  private readonly lockKey: string;
  private redis?: Redis;
  private timers: NodeJS.Timeout[] = [];
  private running: Promise<void> | null = null;
  private again = false;
  private stopped = false;

  constructor(
    private readonly dispatch: DispatchReconciler,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {
    this.markerKey = `${config.QUEUE_PREFIX}:reconcile:marker`;
    this.lockKey = `${config.QUEUE_PREFIX}:reconcile:lock`;
  }

  async onApplicationBootstrap(): Promise<void> {
    const redis = failFastRedis(this.config);
    this.redis = redis;
    try {
      await redis.connect();
      // the start-up reconciliation (ProcessorsModule) covers whatever was lost before now
      await redis.set(this.markerKey, new Date().toISOString());
    } catch (err) {
      this.logger.warn(`Redis not reachable for the reconcile marker: ${(err as Error).message}`);
    }
    // a reconnect is the likeliest moment to find Redis empty: look at once
    redis.on('ready', () => void this.checkMarker());
    this.timers.push(setInterval(() => void this.checkMarker(), MARKER_CHECK_MS).unref());
    if (this.config.RECONCILE_INTERVAL_MS > 0)
      this.timers.push(setInterval(() => void this.periodic(), this.config.RECONCILE_INTERVAL_MS).unref());
  }

  async onModuleDestroy(): Promise<void> {
    this.stopped = true;
    for (const t of this.timers) clearInterval(t);
    this.timers = [];
    await this.running?.catch(() => undefined);
    this.redis?.disconnect();
  }

  /** Reconciles when the marker is gone, and puts it back; of several workers, the one whose SET wins. */
  async checkMarker(): Promise<boolean> {
    const redis = this.redis;
    if (!redis || this.stopped || redis.status !== 'ready') return false;
    const set = await redis.set(this.markerKey, new Date().toISOString(), 'NX').catch(() => null);
    if (set !== 'OK') return false;
    this.logger.warn(
      'Redis lost its data (the reconcile marker was gone): re-queueing what PostgreSQL says is unfinished',
    );
    await this.reconcile();
    return true;
  }

  /** The periodic pass, by the worker that takes the interval's lock. */
  async periodic(): Promise<boolean> {
    const redis = this.redis;
    if (!redis || this.stopped || redis.status !== 'ready') return false;
    // held for nearly the interval: the worker whose timer fires first after it lapses takes the next one
    const interval = this.config.RECONCILE_INTERVAL_MS;
    const ttl = interval - Math.min(500, Math.floor(interval / 10));
    const got = await redis.set(this.lockKey, this.id, 'PX', ttl, 'NX').catch(() => null);
    if (got !== 'OK') return false;
    await this.reconcile();
    return true;
  }

  /**
   * One reconciliation at a time in this process; a request during one runs another after it
   * (the running one may have read PostgreSQL and Redis before what prompted the request).
   */
  reconcile(): Promise<void> {
    if (this.stopped) return Promise.resolve();
    this.again = true;
    this.running ??= (async () => {
      try {
        while (this.again && !this.stopped) {
          this.again = false;
          await this.dispatch
            .reconcileAll()
            .catch((err: unknown) =>
              this.logger.error(`reconciliation failed: ${err instanceof Error ? err.message : String(err)}`),
            );
        }
      } finally {
        this.running = null;
      }
    })();
    return this.running;
  }
}
