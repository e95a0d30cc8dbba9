import { createHash, timingSafeEqual } from 'node:crypto';
import { OperatorCredentials } from '../auth/operator-credentials.js';
import type { AppConfig } from '../config/config.js';

/**
 * Who may scrape: METRICS_TOKEN, a credential a Prometheus server can hold without being able to
 * do anything else, or any operator token (an operator sees more than the metrics anyway). With
 * neither configured, nobody: the counters tell how large an incident is.
 */
export class MetricsAuth {
  private readonly metricsDigest: Buffer | null;
  private readonly operators: OperatorCredentials;

  constructor(config: Pick<AppConfig, 'METRICS_TOKEN' | 'OPERATOR_TOKENS'>) {
    this.metricsDigest = config.METRICS_TOKEN ? createHash('sha256').update(config.METRICS_TOKEN).digest() : null;
    this.operators = new OperatorCredentials(config.OPERATOR_TOKENS);
  }

  /** true when some credential is configured at all */
  get configured(): boolean {
    return this.metricsDigest !== null || this.operators.size > 0;
  }

  allows(authorization: string | undefined): boolean {
    const m = /^Bearer ([\x21-\x7e]{1,512})$/.exec(authorization ?? '');
    if (!m) return false;
    const isMetricsToken =
      this.metricsDigest !== null && timingSafeEqual(this.metricsDigest, createHash('sha256').update(m[1]!).digest());
    return this.operators.byToken(m[1]!) !== null || isMetricsToken;
  }
}
