-- CreateEnum
CREATE TYPE "campaign_status" AS ENUM ('draft', 'analyzing', 'ready', 'approved', 'sending', 'paused', 'completed', 'cancelled', 'failed');

-- CreateEnum
CREATE TYPE "decision" AS ENUM ('affected', 'not_affected', 'needs_review');

-- CreateTable
CREATE TABLE "campaigns" (
    "id" UUID NOT NULL,
    "dataset_id" UUID NOT NULL,
    "title" TEXT NOT NULL,
    "support_url" TEXT,
    "support_phone" TEXT,
    "support_email" TEXT,
    "respond_by" TIMESTAMP(3),
    "incident_date" TIMESTAMP(3),
    "status" "campaign_status" NOT NULL DEFAULT 'draft',
    "created_by" TEXT NOT NULL,
    "approved_by" TEXT,
    "approved_at" TIMESTAMP(3),
    "analysis" JSONB,
    "last_error" TEXT,
    "analyzed_at" TIMESTAMP(3),
    "started_at" TIMESTAMP(3),
    "finished_at" TIMESTAMP(3),
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "campaigns_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "tenant_decisions" (
    "campaign_id" UUID NOT NULL,
    "tenant_id" UUID NOT NULL,
    "decision" "decision" NOT NULL,
    "reasons" TEXT[],
    "data_categories" TEXT[],
    "records" INTEGER NOT NULL,
    "raw_records" INTEGER NOT NULL,
    "review_keys" TEXT[],

    CONSTRAINT "tenant_decisions_pkey" PRIMARY KEY ("campaign_id","tenant_id")
);

-- CreateTable
CREATE TABLE "review_items" (
    "id" UUID NOT NULL,
    "campaign_id" UUID NOT NULL,
    "review_key" TEXT NOT NULL,
    "item_key" TEXT NOT NULL,
    "record_ids" TEXT[],
    "candidates" TEXT[],
    "triggers" TEXT[],
    "open" BOOLEAN NOT NULL DEFAULT true,
    "resolved" BOOLEAN NOT NULL DEFAULT false,
    "resolved_tenant_id" UUID,
    "resolved_by" TEXT,
    "resolved_at" TIMESTAMP(3),

    CONSTRAINT "review_items_pkey" PRIMARY KEY ("campaign_id","review_key")
);

-- CreateTable
CREATE TABLE "record_attributions" (
    "campaign_id" UUID NOT NULL,
    "record_id" TEXT NOT NULL,
    "item_key" TEXT NOT NULL,
    "tenant_ids" TEXT[],
    "attribution" JSONB NOT NULL,

    CONSTRAINT "record_attributions_pkey" PRIMARY KEY ("campaign_id","record_id")
);

-- CreateTable
CREATE TABLE "tenant_records" (
    "campaign_id" UUID NOT NULL,
    "tenant_id" UUID NOT NULL,
    "record_id" TEXT NOT NULL,

    CONSTRAINT "tenant_records_pkey" PRIMARY KEY ("campaign_id","tenant_id","record_id")
);

-- CreateTable
CREATE TABLE "exposure_views" (
    "campaign_id" UUID NOT NULL,
    "tenant_id" UUID NOT NULL,
    "view" JSONB NOT NULL,
    "updated_at" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "exposure_views_pkey" PRIMARY KEY ("campaign_id","tenant_id")
);

-- CreateTable
CREATE TABLE "audit_events" (
    "id" BIGSERIAL NOT NULL,
    "at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "actor" TEXT NOT NULL,
    "action" TEXT NOT NULL,
    "campaign_id" UUID,
    "tenant_id" UUID,
    "subject" TEXT,
    "details" JSONB,

    CONSTRAINT "audit_events_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "campaigns_dataset_id_idx" ON "campaigns"("dataset_id");

-- CreateIndex
CREATE INDEX "tenant_decisions_campaign_id_decision_idx" ON "tenant_decisions"("campaign_id", "decision");

-- CreateIndex
CREATE UNIQUE INDEX "review_items_id_key" ON "review_items"("id");

-- CreateIndex
CREATE INDEX "audit_events_campaign_id_at_idx" ON "audit_events"("campaign_id", "at");

-- CreateIndex
CREATE INDEX "audit_events_tenant_id_at_idx" ON "audit_events"("tenant_id", "at");

-- AddForeignKey
ALTER TABLE "campaigns" ADD CONSTRAINT "campaigns_dataset_id_fkey" FOREIGN KEY ("dataset_id") REFERENCES "datasets"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "tenant_decisions" ADD CONSTRAINT "tenant_decisions_campaign_id_fkey" FOREIGN KEY ("campaign_id") REFERENCES "campaigns"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "review_items" ADD CONSTRAINT "review_items_campaign_id_fkey" FOREIGN KEY ("campaign_id") REFERENCES "campaigns"("id") ON DELETE CASCADE ON UPDATE CASCADE;




-- The audit log is append-only: no role may rewrite history. Prisma's migration runner splits
-- statements at every semicolon, even inside quotes, so the body's semicolon is written \073.
CREATE FUNCTION audit_events_append_only() RETURNS trigger LANGUAGE plpgsql AS
  E'BEGIN RAISE EXCEPTION ''audit_events is append-only''\073 END';
CREATE TRIGGER audit_events_no_update BEFORE UPDATE OR DELETE ON "audit_events"
  FOR EACH ROW EXECUTE FUNCTION audit_events_append_only();
CREATE TRIGGER audit_events_no_truncate BEFORE TRUNCATE ON "audit_events"
  FOR EACH STATEMENT EXECUTE FUNCTION audit_events_append_only();
