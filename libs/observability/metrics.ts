import { Injectable, Module } from '@nestjs/common';
import { Counter, Registry, collectDefaultMetrics } from 'prom-client';

export const METRIC_PREFIX = 'impact_';

/**
 * The process's Prometheus counters. Each process (API, worker, CLI) counts what it does itself:
 * Prometheus scrapes every API and worker and sums them. The registry is this instance's own, so
 * several Nest applications in one process (the tests, the demo) never clash over metric names.
 */
@Injectable()
export class Metrics {
  readonly registry = new Registry();

  /** notices written for the first time (a retried job that finds its notice does not count) */
  readonly noticesPosted = new Counter({
    name: `${METRIC_PREFIX}notices_posted_total`,
    help: 'Notices posted to tenant inboxes',
    registers: [this.registry],
  });
  readonly emailsSent = new Counter({
    name: `${METRIC_PREFIX}emails_sent_total`,
    help: 'Emails the mail provider accepted and delivered',
    registers: [this.registry],
  });
  /** `final="true"`: the delivery is failed for good; `final="false"`: it will be retried */
  readonly emailsFailed = new Counter({
    name: `${METRIC_PREFIX}emails_failed_total`,
    help: 'Email sends that failed',
    labelNames: ['final'] as const,
    registers: [this.registry],
  });
  /** lines of exposed data read, by outcome; its rate is the ingest throughput */
  readonly ingestRecords = new Counter({
    name: `${METRIC_PREFIX}ingest_records_total`,
    help: 'Exposed-data lines ingested',
    labelNames: ['outcome'] as const,
    registers: [this.registry],
  });
  /** records attributed to tenants; its rate is the attribution throughput */
  readonly attributionRecords = new Counter({
    name: `${METRIC_PREFIX}attribution_records_total`,
    help: 'Exposed records attributed',
    registers: [this.registry],
  });

  constructor() {
    collectDefaultMetrics({ register: this.registry, prefix: METRIC_PREFIX });
    for (const outcome of ['accepted', 'quarantined']) this.ingestRecords.labels(outcome).inc(0);
    for (const final of ['true', 'false']) this.emailsFailed.labels(final).inc(0);
  }

  /** One written batch of an ingest: its accepted and quarantined lines. */
  ingested(accepted: number, quarantined: number): void {
    this.ingestRecords.labels('accepted').inc(accepted);
    this.ingestRecords.labels('quarantined').inc(quarantined);
  }

  /** The text exposition format, for a scrape. */
  async render(): Promise<{ contentType: string; body: string }> {
    return { contentType: this.registry.contentType, body: await this.registry.metrics() };
  }
}

/** Imported by the modules whose services count (exposure, campaigns) and by the API and worker; one instance per application. */
@Module({ providers: [Metrics], exports: [Metrics] })
export class MetricsModule {}
