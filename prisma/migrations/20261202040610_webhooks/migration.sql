-- CreateEnum
CREATE TYPE "webhook_delivery_state" AS ENUM ('queued', 'sending', 'succeeded', 'retrying', 'failed');

-- CreateTable
CREATE TABLE "webhook_endpoints" (
    "id" UUID NOT NULL DEFAULT gen_random_uuid(),
    "tenant_id" UUID NOT NULL,
    "url" TEXT NOT NULL,
    "events" TEXT[],
    "description" TEXT,
    "secret" TEXT NOT NULL,
    "enabled" BOOLEAN NOT NULL DEFAULT true,
    "failing_since" TIMESTAMP(3),
    "disabled_at" TIMESTAMP(3),
    "disabled_reason" TEXT,
    "disable_notified_at" TIMESTAMP(3),
    "created_by" TEXT NOT NULL,
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "webhook_endpoints_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "webhook_deliveries" (
    "id" BIGSERIAL NOT NULL,
    "tenant_id" UUID NOT NULL,
    "endpoint_id" UUID NOT NULL,
    "event_id" TEXT NOT NULL,
    "event_type" TEXT NOT NULL,
    "notice_id" TEXT,
    "payload" TEXT NOT NULL,
    "state" "webhook_delivery_state" NOT NULL DEFAULT 'queued',
    "attempts" INTEGER NOT NULL DEFAULT 0,
    "last_status" INTEGER,
    "last_error" TEXT,
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "delivered_at" TIMESTAMP(3),

    CONSTRAINT "webhook_deliveries_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "webhook_endpoints_tenant_id_idx" ON "webhook_endpoints"("tenant_id");

-- CreateIndex
CREATE INDEX "webhook_deliveries_endpoint_id_created_at_idx" ON "webhook_deliveries"("endpoint_id", "created_at");

-- CreateIndex
CREATE INDEX "webhook_deliveries_state_idx" ON "webhook_deliveries"("state");

-- CreateIndex
CREATE UNIQUE INDEX "webhook_deliveries_event_id_endpoint_id_key" ON "webhook_deliveries"("event_id", "endpoint_id");

-- AddForeignKey
ALTER TABLE "webhook_endpoints" ADD CONSTRAINT "webhook_endpoints_tenant_id_fkey" FOREIGN KEY ("tenant_id") REFERENCES "tenants"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "webhook_deliveries" ADD CONSTRAINT "webhook_deliveries_endpoint_id_fkey" FOREIGN KEY ("endpoint_id") REFERENCES "webhook_endpoints"("id") ON DELETE CASCADE ON UPDATE CASCADE;


-- A delivery belongs to its endpoint's tenant: the row-level security policies key on
-- webhook_deliveries.tenant_id, so it may never differ from the endpoint's.
CREATE UNIQUE INDEX "webhook_endpoints_id_tenant_id_key" ON "webhook_endpoints"("id", "tenant_id");
ALTER TABLE "webhook_deliveries" ADD CONSTRAINT "webhook_deliveries_endpoint_tenant_fkey" FOREIGN KEY ("endpoint_id", "tenant_id") REFERENCES "webhook_endpoints"("id", "tenant_id") ON DELETE CASCADE ON UPDATE CASCADE;

ALTER TABLE "webhook_endpoints" ADD CONSTRAINT "webhook_endpoints_events_check" CHECK (
  cardinality("events") > 0 AND "events" <@ ARRAY['notice.posted', 'notice.updated', 'notice.withdrawn', 'reminder']::text[]);

-- The tenant inbox registers, lists, re-enables and deletes its own endpoints and reads their
-- deliveries (docs/design.md rule 5: under row-level security as impact_tenant). The signing
-- secret is written once at creation and never readable by the tenant role: SELECT is granted
-- column by column without it, and UPDATE only on what re-enabling changes. Deliveries are
-- written by the worker only.
GRANT SELECT ("id", "tenant_id", "url", "events", "description", "enabled", "failing_since", "disabled_at",
  "disabled_reason", "disable_notified_at", "created_by", "created_at", "updated_at") ON "webhook_endpoints" TO impact_tenant;
GRANT INSERT ("tenant_id", "url", "events", "description", "secret", "created_by") ON "webhook_endpoints" TO impact_tenant;
GRANT UPDATE ("enabled", "failing_since", "disabled_at", "disabled_reason", "disable_notified_at", "updated_at") ON "webhook_endpoints" TO impact_tenant;
GRANT DELETE ON "webhook_endpoints" TO impact_tenant;
GRANT SELECT ("id", "tenant_id", "endpoint_id", "event_id", "event_type", "notice_id", "state", "attempts",
  "last_status", "last_error", "created_at", "updated_at", "delivered_at") ON "webhook_deliveries" TO impact_tenant;

ALTER TABLE "webhook_endpoints" ENABLE ROW LEVEL SECURITY;
ALTER TABLE "webhook_endpoints" FORCE ROW LEVEL SECURITY;
ALTER TABLE "webhook_deliveries" ENABLE ROW LEVEL SECURITY;
ALTER TABLE "webhook_deliveries" FORCE ROW LEVEL SECURITY;

-- The migrating role (the service: worker, operator paths) keeps full access, as in the tenant_rls migration.
CREATE POLICY "webhook_endpoints_service" ON "webhook_endpoints" TO CURRENT_USER USING (true) WITH CHECK (true);
CREATE POLICY "webhook_deliveries_service" ON "webhook_deliveries" TO CURRENT_USER USING (true) WITH CHECK (true);

-- The tenant's own rows only. With app.tenant_id unset or empty the comparison is NULL: no rows.
CREATE POLICY "webhook_endpoints_tenant" ON "webhook_endpoints" TO impact_tenant
  USING ("tenant_id" = NULLIF(current_setting('app.tenant_id', true), '')::uuid)
  WITH CHECK ("tenant_id" = NULLIF(current_setting('app.tenant_id', true), '')::uuid);
CREATE POLICY "webhook_deliveries_tenant_read" ON "webhook_deliveries" FOR SELECT TO impact_tenant
  USING ("tenant_id" = NULLIF(current_setting('app.tenant_id', true), '')::uuid);
