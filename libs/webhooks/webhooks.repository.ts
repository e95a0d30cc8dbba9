import { Injectable } from '@nestjs/common';
import { sql, type NotNull, type RawBuilder, type Selectable } from 'kysely';
import { PrismaService } from '../db/prisma.service.js';
import type { TenantTx } from '../inbox/tenant-scope.js';
import type { Notice, WebhookDelivery, WebhookEndpoint } from '../../generated/kysely/database.js';

type Endpoint = Selectable<WebhookEndpoint>;
type Delivery = Selectable<WebhookDelivery>;

/** Times as ISO strings in UTC (the columns hold UTC without a zone), as the inbox gives them. */
type IsoTime<T> = T extends Date ? string : T extends null ? null : never;

/** An endpoint as the tenant sees it (never its secret). */
export type EndpointRow = Pick<Endpoint, 'id' | 'url' | 'events' | 'description' | 'enabled'> & {
  failingSince: IsoTime<Endpoint['failing_since']>;
  disabledAt: IsoTime<Endpoint['disabled_at']>;
  disabledReason: Endpoint['disabled_reason'];
  createdBy: Endpoint['created_by'];
  createdAt: IsoTime<Endpoint['created_at']>;
};

export type WebhookDeliveryState = Delivery['state'];

export type DeliveryRow = Pick<Delivery, 'id' | 'state' | 'attempts'> & {
  eventId: Delivery['event_id'];
  eventType: Delivery['event_type'];
  noticeId: Delivery['notice_id'];
  lastStatus: Delivery['last_status'];
  lastError: Delivery['last_error'];
  createdAt: IsoTime<Delivery['created_at']>;
  updatedAt: IsoTime<Delivery['updated_at']>;
  deliveredAt: IsoTime<Delivery['delivered_at']>;
};

/** What the delivery job needs: the delivery, its endpoint and the endpoint's secret. */
export type DeliveryContext = { id: bigint } & Pick<Delivery, 'payload' | 'state'> &
  Pick<Endpoint, 'url' | 'secret' | 'enabled'> & {
    tenantId: Delivery['tenant_id'];
    endpointId: Delivery['endpoint_id'];
    eventId: Delivery['event_id'];
  };

/** A notice, and one endpoint of its tenant that subscribes to the event. */
export type NoticeSubscriber = Pick<Selectable<Notice>, 'title'> & {
  noticeId: Selectable<Notice>['id'];
  tenantId: Selectable<Notice>['tenant_id'];
  /** ISO 8601, UTC */
  postedAt: string;
  lastModifiedAt: string;
  endpointId: Endpoint['id'];
};

export type DisabledEndpoint = Pick<Endpoint, 'id' | 'url'> & {
  tenantId: Endpoint['tenant_id'];
  disabledAt: Date;
  reason: string;
};

export type NewDelivery = {
  tenantId: Delivery['tenant_id'];
  endpointId: Delivery['endpoint_id'];
  eventId: Delivery['event_id'];
  eventType: Delivery['event_type'];
  noticeId: Delivery['notice_id'];
  payload: Delivery['payload'];
};

const ISO = 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"';
const iso = (column: string): RawBuilder<string> => sql<string>`to_char(${sql.ref(column)}, ${sql.lit(ISO)})`;
const isoOrNull = (column: string): RawBuilder<string | null> =>
  sql<string | null>`to_char(${sql.ref(column)}, ${sql.lit(ISO)})`;

/** An endpoint's columns as EndpointRow (never the secret: the tenant role cannot read it). */
const ENDPOINT_COLUMNS = [
  'id',
  'url',
  'events',
  'description',
  'enabled',
  isoOrNull('failing_since').as('failingSince'),
  isoOrNull('disabled_at').as('disabledAt'),
  'disabled_reason as disabledReason',
  'created_by as createdBy',
  iso('created_at').as('createdAt'),
] as const;

const DELIVERY_COLUMNS = [
  'id',
  'event_id as eventId',
  'event_type as eventType',
  'notice_id as noticeId',
  'state',
  'attempts',
  'last_status as lastStatus',
  'last_error as lastError',
  iso('created_at').as('createdAt'),
  iso('updated_at').as('updatedAt'),
  isoOrNull('delivered_at').as('deliveredAt'),
] as const;

/** A delivery still to be sent. */
const PENDING: Delivery['state'][] = ['queued', 'sending', 'retrying'];

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
    await sql`SELECT pg_advisory_xact_lock(hashtextextended(${'webhook_endpoints:' + e.tenantId}, 0))`.execute(tx.db);
    const { n } = await tx.db
      .selectFrom('webhook_endpoints')
      .select((eb) => eb.fn.countAll<string>().as('n'))
      .where('tenant_id', '=', e.tenantId)
      .executeTakeFirstOrThrow();
    if (Number(n) >= max) return null;
    return tx.db
      .insertInto('webhook_endpoints')
      .values({
        tenant_id: e.tenantId,
        url: e.url,
        events: e.events,
        description: e.description,
        secret: e.secret,
        created_by: e.createdBy,
      })
      .returning(ENDPOINT_COLUMNS)
      .executeTakeFirstOrThrow();
  }

  listEndpoints(tx: TenantTx, tenantId: string): Promise<EndpointRow[]> {
    return tx.db
      .selectFrom('webhook_endpoints')
      .select(ENDPOINT_COLUMNS)
      .where('tenant_id', '=', tenantId)
      .orderBy('created_at')
      .orderBy('id')
      .execute();
  }

  async getEndpoint(tx: TenantTx, tenantId: string, id: string): Promise<EndpointRow | null> {
    const row = await tx.db
      .selectFrom('webhook_endpoints')
      .select(ENDPOINT_COLUMNS)
      .where('tenant_id', '=', tenantId)
      .where('id', '=', id)
      .executeTakeFirst();
    return row ?? null;
  }

  async deleteEndpoint(tx: TenantTx, tenantId: string, id: string): Promise<boolean> {
    const r = await tx.db
      .deleteFrom('webhook_endpoints')
      .where('tenant_id', '=', tenantId)
      .where('id', '=', id)
      .executeTakeFirst();
    return r.numDeletedRows > 0n;
  }

  /** Turns a disabled endpoint back on, with a clean failure record. */
  async enableEndpoint(tx: TenantTx, tenantId: string, id: string): Promise<EndpointRow | null> {
    const row = await tx.db
      .updateTable('webhook_endpoints')
      .set({
        enabled: true,
        failing_since: null,
        disabled_at: null,
        disabled_reason: null,
        disable_notified_at: null,
        updated_at: sql<Date>`CURRENT_TIMESTAMP`,
      })
      .where('tenant_id', '=', tenantId)
      .where('id', '=', id)
      .returning(ENDPOINT_COLUMNS)
      .executeTakeFirst();
    return row ?? null;
  }

  listDeliveries(
    tx: TenantTx,
    tenantId: string,
    endpointId: string,
    skip: number,
    take: number,
  ): Promise<DeliveryRow[]> {
    return tx.db
      .selectFrom('webhook_deliveries')
      .select(DELIVERY_COLUMNS)
      .where('tenant_id', '=', tenantId)
      .where('endpoint_id', '=', endpointId)
      .orderBy('created_at', 'desc')
      .orderBy('id', 'desc')
      .limit(take)
      .offset(skip)
      .execute();
  }

  // ── the service (worker) ──

  /** The notices' facts, and the enabled endpoints of their tenants that subscribe to `type` and existed when each was posted. */
  noticeSubscribers(noticeIds: readonly string[], type: string): Promise<NoticeSubscriber[]> {
    return this.prisma.db
      .selectFrom('notices as n')
      .innerJoin('webhook_endpoints as e', (j) =>
        j
          .onRef('e.tenant_id', '=', 'n.tenant_id')
          .on(sql.ref<boolean>('e.enabled'))
          .on(sql<boolean>`${type} = ANY(e.events)`)
          // a notice's posting goes to the endpoints that existed then; a later revision to those that exist now
          .on(sql<boolean>`(${type} <> 'notice.posted' OR e.created_at <= n.posted_at)`),
      )
      .select([
        'n.id as noticeId',
        'n.tenant_id as tenantId',
        'n.title',
        iso('n.posted_at').as('postedAt'),
        iso('n.last_modified_at').as('lastModifiedAt'),
        'e.id as endpointId',
      ])
      .where(sql<boolean>`n.id = ANY(${[...noticeIds]}::text[])`)
      .orderBy('n.id')
      .orderBy('e.id')
      .execute();
  }

  /**
   * Writes the deliveries that do not exist yet (one per event and endpoint, by the unique key) and
   * returns the ids of every one of them that is still to be sent, new or not.
   */
  async createDeliveries(ds: readonly NewDelivery[]): Promise<bigint[]> {
    if (!ds.length) return [];
    const { rows } = await sql<Pick<Delivery, 'id'>>`
      WITH input AS (
        SELECT * FROM unnest(${ds.map((d) => d.tenantId)}::uuid[], ${ds.map((d) => d.endpointId)}::uuid[],
                             ${ds.map((d) => d.eventId)}::text[], ${ds.map((d) => d.eventType)}::text[],
                             ${ds.map((d) => d.noticeId)}::text[], ${ds.map((d) => d.payload)}::text[])
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
      WHERE d.state IN ('queued', 'sending', 'retrying')`.execute(this.prisma.db);
    return rows.map((r) => BigInt(r.id));
  }

  async deliveryContext(id: bigint): Promise<DeliveryContext | null> {
    const r = await this.prisma.db
      .selectFrom('webhook_deliveries as d')
      .innerJoin('webhook_endpoints as e', 'e.id', 'd.endpoint_id')
      .select([
        'd.id',
        'd.tenant_id as tenantId',
        'd.endpoint_id as endpointId',
        'd.event_id as eventId',
        'd.payload',
        'd.state',
        'e.url',
        'e.secret',
        'e.enabled',
      ])
      .where('d.id', '=', id.toString())
      .executeTakeFirst();
    return r ? { ...r, id: BigInt(r.id) } : null;
  }

  /** Marks the delivery as being sent, if it is still to be sent; false when it finished meanwhile. */
  async claim(id: bigint): Promise<boolean> {
    const r = await this.prisma.db
      .updateTable('webhook_deliveries')
      .set((eb) => ({ state: 'sending', attempts: eb('attempts', '+', 1), updated_at: sql<Date>`CURRENT_TIMESTAMP` }))
      .where('id', '=', id.toString())
      .where('state', 'in', PENDING)
      .executeTakeFirst();
    return r.numUpdatedRows > 0n;
  }

  async recordResult(
    id: bigint,
    r: { state: WebhookDeliveryState; status: number | null; error: string | null },
  ): Promise<void> {
    await this.prisma.db
      .updateTable('webhook_deliveries')
      .set((eb) => ({
        state: r.state,
        last_status: r.status,
        last_error: r.error,
        delivered_at: r.state === 'succeeded' ? sql<Date>`CURRENT_TIMESTAMP` : eb.ref('delivered_at'),
        updated_at: sql<Date>`CURRENT_TIMESTAMP`,
      }))
      .where('id', '=', id.toString())
      .execute();
  }

  /** Ends a delivery unsent (its endpoint was disabled), keeping its last attempt's error beside the reason. */
  async giveUp(id: bigint, reason: string): Promise<void> {
    await this.prisma.db
      .updateTable('webhook_deliveries')
      .set({
        state: 'failed',
        last_error: sql<string>`${reason} || COALESCE(' (last attempt: ' || last_error || ')', '')`,
        updated_at: sql<Date>`CURRENT_TIMESTAMP`,
      })
      .where('id', '=', id.toString())
      .where('state', 'in', PENDING)
      .execute();
  }

  /** Any success ends an endpoint's run of failures. */
  async endpointSucceeded(endpointId: string): Promise<void> {
    await this.prisma.db
      .updateTable('webhook_endpoints')
      .set({ failing_since: null })
      .where('id', '=', endpointId)
      .where('failing_since', 'is not', null)
      .execute();
  }

  /**
   * Records a failure; when the endpoint has failed without a success for `disableAfterMs`, disables
   * it. True only for the call that disabled it (the `enabled` guard makes that one call).
   */
  async endpointFailed(endpointId: string, disableAfterMs: number, reason: string): Promise<boolean> {
    await this.prisma.db
      .updateTable('webhook_endpoints')
      .set({ failing_since: sql<Date>`CURRENT_TIMESTAMP` })
      .where('id', '=', endpointId)
      .where('failing_since', 'is', null)
      .execute();
    const r = await this.prisma.db
      .updateTable('webhook_endpoints')
      .set({
        enabled: false,
        disabled_at: sql<Date>`CURRENT_TIMESTAMP`,
        disabled_reason: reason,
        updated_at: sql<Date>`CURRENT_TIMESTAMP`,
      })
      .where('id', '=', endpointId)
      .where('enabled', '=', true)
      .where(
        'failing_since',
        '<=',
        sql<Date>`CURRENT_TIMESTAMP - make_interval(secs => ${disableAfterMs}::double precision / 1000)`,
      )
      .executeTakeFirst();
    return r.numUpdatedRows > 0n;
  }

  /** Endpoints disabled whose tenant has not been told yet. */
  disabledUnnotified(): Promise<DisabledEndpoint[]> {
    return this.prisma.db
      .selectFrom('webhook_endpoints')
      .select((eb) => [
        'id',
        'tenant_id as tenantId',
        'url',
        'disabled_at as disabledAt',
        eb.fn.coalesce('disabled_reason', sql.lit('')).as('reason'),
      ])
      .where('enabled', '=', false)
      .where('disabled_at', 'is not', null)
      .where('disable_notified_at', 'is', null)
      .orderBy('disabled_at')
      .limit(1000)
      .$narrowType<{ disabledAt: NotNull }>()
      .execute();
  }

  /** Marks the tenant told about this disabling (unless it was re-enabled meanwhile). */
  async markDisableNotified(id: string): Promise<void> {
    await this.prisma.db
      .updateTable('webhook_endpoints')
      .set({ disable_notified_at: sql<Date>`CURRENT_TIMESTAMP` })
      .where('id', '=', id)
      .where('enabled', '=', false)
      .where('disable_notified_at', 'is', null)
      .execute();
  }

  /** Deliveries still to be sent, after `after` (id order), for reconciliation. */
  async pendingDeliveries(after: bigint, limit: number): Promise<bigint[]> {
    const rows = await this.prisma.db
      .selectFrom('webhook_deliveries')
      .select('id')
      .where('state', 'in', PENDING)
      .where('id', '>', after.toString())
      .orderBy('id')
      .limit(limit)
      .execute();
    return rows.map((r) => BigInt(r.id));
  }
}
