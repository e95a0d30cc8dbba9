import { Injectable } from '@nestjs/common';
import { PrismaService } from '../db/prisma.service.js';
import type { TenantTx } from '../inbox/tenant-scope.js';

/** An endpoint as the tenant sees it (never its secret). */
export interface EndpointRow {
  id: string;
  url: string;
  events: string[];
  description: string | null;
  enabled: boolean;
  failingSince: string | null;
  disabledAt: string | null;
  disabledReason: string | null;
  createdBy: string;
  createdAt: string;
}

export type WebhookDeliveryState = 'queued' | 'sending' | 'succeeded' | 'retrying' | 'failed';

export interface DeliveryRow {
  id: string;
  eventId: string;
  eventType: string;
  noticeId: string | null;
  state: WebhookDeliveryState;
  attempts: number;
  lastStatus: number | null;
  lastError: string | null;
  createdAt: string;
  updatedAt: string;
  deliveredAt: string | null;
}

/** What the delivery job needs: the delivery, its endpoint and the endpoint's secret. */
export interface DeliveryContext {
  id: bigint;
  tenantId: string;
  endpointId: string;
  eventId: string;
  payload: string;
  state: WebhookDeliveryState;
  url: string;
  secret: string;
  enabled: boolean;
}

/** A notice, and one endpoint of its tenant that subscribes to the event. */
export interface NoticeSubscriber {
  noticeId: string;
  tenantId: string;
  title: string;
  /** ISO 8601, UTC */
  postedAt: string;
  lastModifiedAt: string;
  endpointId: string;
}

export interface DisabledEndpoint {
  id: string;
  tenantId: string;
  url: string;
  disabledAt: Date;
  reason: string;
}

export interface NewDelivery {
  tenantId: string;
  endpointId: string;
  eventId: string;
  eventType: string;
  noticeId: string | null;
  payload: string;
}

/** Times as ISO strings in UTC (the columns hold UTC without a zone), as the inbox gives them. */
const iso = (col: string) => `to_char(${col}, 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;

const ENDPOINT_COLUMNS = `id::text, url, events, description, enabled, ${iso('failing_since')} AS "failingSince",
  ${iso('disabled_at')} AS "disabledAt", disabled_reason AS "disabledReason", created_by AS "createdBy",
  ${iso('created_at')} AS "createdAt"`;

const DELIVERY_COLUMNS = `id::text, event_id AS "eventId", event_type AS "eventType", notice_id AS "noticeId", state,
  attempts, last_status AS "lastStatus", last_error AS "lastError", ${iso('created_at')} AS "createdAt",
  ${iso('updated_at')} AS "updatedAt", ${iso('delivered_at')} AS "deliveredAt"`;

/**
 * The one owner of webhook_endpoints and webhook_deliveries. Tenant methods take a TenantScope
 * transaction (row-level security on, as impact_tenant, which cannot read the secret column);
 * the others run as the service, for the worker. Thin: the rules are WebhookService's.
 */
@Injectable()
export class WebhooksRepository {
  constructor(private readonly prisma: PrismaService) {}

  // ── the tenant's own endpoints (TenantScope) ──

  /**
   * Inserts an endpoint unless the tenant already has `max`: the count and the insert run under a
   * per-tenant transaction lock, so two registrations at once cannot both squeeze under the limit.
   */
  async insertEndpoint(
    tx: TenantTx,
    e: {
      tenantId: string;
      url: string;
      events: string[];
      description: string | null;
      secret: string;
      createdBy: string;
    },
    max: number,
  ): Promise<EndpointRow | null> {
    await tx.client.query(`SELECT pg_advisory_xact_lock(hashtextextended('webhook_endpoints:' || $1, 0))`, [e.tenantId]);
    const { rows: count } = await tx.client.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM webhook_endpoints WHERE tenant_id = $1::uuid`,
      [e.tenantId],
    );
    if ((count[0]?.n ?? 0) >= max) return null;
    const { rows } = await tx.client.query<EndpointRow>(
      `INSERT INTO webhook_endpoints (tenant_id, url, events, description, secret, created_by)
       VALUES ($1::uuid, $2, $3::text[], $4, $5, $6)
       RETURNING ${ENDPOINT_COLUMNS}`,
      [e.tenantId, e.url, e.events, e.description, e.secret, e.createdBy],
    );
    return rows[0]!;
  }

  async listEndpoints(tx: TenantTx, tenantId: string): Promise<EndpointRow[]> {
    const { rows } = await tx.client.query<EndpointRow>(
      `SELECT ${ENDPOINT_COLUMNS} FROM webhook_endpoints WHERE tenant_id = $1::uuid ORDER BY created_at, id`,
      [tenantId],
    );
    return rows;
  }

  async getEndpoint(tx: TenantTx, tenantId: string, id: string): Promise<EndpointRow | null> {
    const { rows } = await tx.client.query<EndpointRow>(
      `SELECT ${ENDPOINT_COLUMNS} FROM webhook_endpoints WHERE tenant_id = $1::uuid AND id = $2::uuid`,
      [tenantId, id],
    );
    return rows[0] ?? null;
  }

  async deleteEndpoint(tx: TenantTx, tenantId: string, id: string): Promise<boolean> {
    const res = await tx.client.query(`DELETE FROM webhook_endpoints WHERE tenant_id = $1::uuid AND id = $2::uuid`, [
      tenantId,
      id,
    ]);
    return (res.rowCount ?? 0) > 0;
  }

  /** Turns a disabled endpoint back on, with a clean failure record. */
  async enableEndpoint(tx: TenantTx, tenantId: string, id: string): Promise<EndpointRow | null> {
    const { rows } = await tx.client.query<EndpointRow>(
      `UPDATE webhook_endpoints SET enabled = true, failing_since = NULL, disabled_at = NULL, disabled_reason = NULL,
         disable_notified_at = NULL, updated_at = CURRENT_TIMESTAMP
       WHERE tenant_id = $1::uuid AND id = $2::uuid
       RETURNING ${ENDPOINT_COLUMNS}`,
      [tenantId, id],
    );
    return rows[0] ?? null;
  }

  async listDeliveries(
    tx: TenantTx,
    tenantId: string,
    endpointId: string,
    skip: number,
    take: number,
  ): Promise<DeliveryRow[]> {
    const { rows } = await tx.client.query<DeliveryRow>(
      `SELECT ${DELIVERY_COLUMNS} FROM webhook_deliveries
       WHERE tenant_id = $1::uuid AND endpoint_id = $2::uuid
       ORDER BY created_at DESC, id DESC LIMIT $3 OFFSET $4`,
      [tenantId, endpointId, take, skip],
    );
    return rows;
  }

  // ── the service (worker) ──

  /** The notices' facts, and the enabled endpoints of their tenants that subscribe to `type` and existed when each was posted. */
  async noticeSubscribers(noticeIds: readonly string[], type: string): Promise<NoticeSubscriber[]> {
    const { rows } = await this.prisma.pool.query<NoticeSubscriber>(
      `SELECT n.id AS "noticeId", n.tenant_id::text AS "tenantId", n.title, ${iso('n.posted_at')} AS "postedAt",
              ${iso('n.last_modified_at')} AS "lastModifiedAt", e.id::text AS "endpointId"
       FROM notices n
       JOIN webhook_endpoints e ON e.tenant_id = n.tenant_id AND e.enabled AND $2 = ANY(e.events) AND e.created_at <= n.posted_at
       WHERE n.id = ANY($1::text[])
       ORDER BY n.id, e.id`,
      [noticeIds, type],
    );
    return rows;
  }

  /**
   * Writes the deliveries that do not exist yet (one per event and endpoint, by the unique key) and
   * returns the ids of every one of them that is still to be sent, new or not.
   */
  async createDeliveries(ds: readonly NewDelivery[]): Promise<bigint[]> {
    if (!ds.length) return [];
    const { rows } = await this.prisma.pool.query<{ id: string }>(
      `WITH input AS (
         SELECT * FROM unnest($1::uuid[], $2::uuid[], $3::text[], $4::text[], $5::text[], $6::text[])
           AS t(tenant_id, endpoint_id, event_id, event_type, notice_id, payload)
       ), ins AS (
         INSERT INTO webhook_deliveries (tenant_id, endpoint_id, event_id, event_type, notice_id, payload)
         SELECT tenant_id, endpoint_id, event_id, event_type, notice_id, payload FROM input
         ON CONFLICT (event_id, endpoint_id) DO NOTHING
         RETURNING id
       )
       SELECT id::text FROM ins
       UNION
       SELECT d.id::text FROM webhook_deliveries d JOIN input i ON i.event_id = d.event_id AND i.endpoint_id = d.endpoint_id
       WHERE d.state IN ('queued', 'sending', 'retrying')`,
      [
        ds.map((d) => d.tenantId),
        ds.map((d) => d.endpointId),
        ds.map((d) => d.eventId),
        ds.map((d) => d.eventType),
        ds.map((d) => d.noticeId),
        ds.map((d) => d.payload),
      ],
    );
    return rows.map((r) => BigInt(r.id));
  }

  async deliveryContext(id: bigint): Promise<DeliveryContext | null> {
    const { rows } = await this.prisma.pool.query<Omit<DeliveryContext, 'id'> & { id: string }>(
      `SELECT d.id::text, d.tenant_id::text AS "tenantId", d.endpoint_id::text AS "endpointId", d.event_id AS "eventId",
              d.payload, d.state, e.url, e.secret, e.enabled
       FROM webhook_deliveries d JOIN webhook_endpoints e ON e.id = d.endpoint_id
       WHERE d.id = $1`,
      [id.toString()],
    );
    const r = rows[0];
    return r ? { ...r, id: BigInt(r.id) } : null;
  }

  /** Marks the delivery as being sent, if it is still to be sent; false when it finished meanwhile. */
  async claim(id: bigint): Promise<boolean> {
    const res = await this.prisma.pool.query(
      `UPDATE webhook_deliveries SET state = 'sending', attempts = attempts + 1, updated_at = CURRENT_TIMESTAMP
       WHERE id = $1 AND state IN ('queued', 'sending', 'retrying')`,
      [id.toString()],
    );
    return (res.rowCount ?? 0) > 0;
  }

  async recordResult(
    id: bigint,
    r: { state: WebhookDeliveryState; status: number | null; error: string | null },
  ): Promise<void> {
    await this.prisma.pool.query(
      `UPDATE webhook_deliveries SET state = $2::webhook_delivery_state, last_status = $3, last_error = $4,
         delivered_at = CASE WHEN $2 = 'succeeded' THEN CURRENT_TIMESTAMP ELSE delivered_at END,
         updated_at = CURRENT_TIMESTAMP
       WHERE id = $1`,
      [id.toString(), r.state, r.status, r.error],
    );
  }

  /** Ends a delivery unsent (its endpoint was disabled), keeping its last attempt's error beside the reason. */
  async giveUp(id: bigint, reason: string): Promise<void> {
    await this.prisma.pool.query(
      `UPDATE webhook_deliveries SET state = 'failed',
         last_error = $2 || COALESCE(' (last attempt: ' || last_error || ')', ''), updated_at = CURRENT_TIMESTAMP
       WHERE id = $1 AND state IN ('queued', 'sending', 'retrying')`,
      [id.toString(), reason],
    );
  }

  /** Any success ends an endpoint's run of failures. */
  async endpointSucceeded(endpointId: string): Promise<void> {
    await this.prisma.pool.query(
      `UPDATE webhook_endpoints SET failing_since = NULL WHERE id = $1::uuid AND failing_since IS NOT NULL`,
      [endpointId],
    );
  }

  /**
   * Records a failure; when the endpoint has failed without a success for `disableAfterMs`, disables
   * it. True only for the call that disabled it (the `enabled` guard makes that one call).
   */
  async endpointFailed(endpointId: string, disableAfterMs: number, reason: string): Promise<boolean> {
    await this.prisma.pool.query(
      `UPDATE webhook_endpoints SET failing_since = CURRENT_TIMESTAMP WHERE id = $1::uuid AND failing_since IS NULL`,
      [endpointId],
    );
    const { rowCount } = await this.prisma.pool.query(
      `UPDATE webhook_endpoints SET enabled = false, disabled_at = CURRENT_TIMESTAMP, disabled_reason = $3,
         updated_at = CURRENT_TIMESTAMP
       WHERE id = $1::uuid AND enabled
         AND failing_since <= CURRENT_TIMESTAMP - make_interval(secs => $2::double precision / 1000)`,
      [endpointId, disableAfterMs, reason],
    );
    return (rowCount ?? 0) > 0;
  }

  /** Endpoints disabled whose tenant has not been told yet. */
  async disabledUnnotified(): Promise<DisabledEndpoint[]> {
    const { rows } = await this.prisma.pool.query<DisabledEndpoint>(
      `SELECT id::text, tenant_id::text AS "tenantId", url, disabled_at AS "disabledAt", COALESCE(disabled_reason, '') AS reason
       FROM webhook_endpoints WHERE NOT enabled AND disabled_at IS NOT NULL AND disable_notified_at IS NULL
       ORDER BY disabled_at LIMIT 1000`,
    );
    return rows;
  }

  /** Marks the tenant told about this disabling (unless it was re-enabled meanwhile). */
  async markDisableNotified(id: string): Promise<void> {
    await this.prisma.pool.query(
      `UPDATE webhook_endpoints SET disable_notified_at = CURRENT_TIMESTAMP
       WHERE id = $1::uuid AND NOT enabled AND disable_notified_at IS NULL`,
      [id],
    );
  }

  /** Deliveries still to be sent, after `after` (id order), for reconciliation. */
  async pendingDeliveries(after: bigint, limit: number): Promise<bigint[]> {
    const { rows } = await this.prisma.pool.query<{ id: string }>(
      `SELECT id::text FROM webhook_deliveries WHERE state IN ('queued', 'sending', 'retrying') AND id > $1
       ORDER BY id LIMIT $2`,
      [after.toString(), limit],
    );
    return rows.map((r) => BigInt(r.id));
  }
}
