-- Message ids: MC followed by digits, from a sequence (never reused, never guessed from a count).
CREATE SEQUENCE notice_number START WITH 1000001;

-- CreateEnum
CREATE TYPE "delivery_state" AS ENUM ('queued', 'sending', 'sent', 'failed', 'retrying');

-- CreateTable
CREATE TABLE "notices" (
    "id" TEXT NOT NULL DEFAULT ('MC'::text || nextval('notice_number'::regclass)),
    "campaign_id" UUID NOT NULL,
    "tenant_id" UUID NOT NULL,
    "decision" "decision" NOT NULL DEFAULT 'affected',
    "title" TEXT NOT NULL,
    "category" TEXT NOT NULL,
    "severity" TEXT NOT NULL,
    "tags" TEXT[],
    "is_major_change" BOOLEAN NOT NULL,
    "action_required_by" TIMESTAMP(3),
    "services" TEXT[],
    "details" JSONB NOT NULL,
    "body_html" TEXT NOT NULL,
    "locale" TEXT NOT NULL,
    "posted_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "last_modified_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "notices_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "deliveries" (
    "id" BIGSERIAL NOT NULL,
    "campaign_id" UUID NOT NULL,
    "tenant_id" UUID NOT NULL,
    "notice_id" TEXT NOT NULL,
    "address" TEXT NOT NULL,
    "role" TEXT NOT NULL,
    "locale" TEXT NOT NULL,
    "operation_id" UUID NOT NULL,
    "state" "delivery_state" NOT NULL DEFAULT 'queued',
    "attempts" INTEGER NOT NULL DEFAULT 0,
    "last_error" TEXT,
    "provider_message_id" TEXT,
    "queued_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "sent_at" TIMESTAMP(3),

    CONSTRAINT "deliveries_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "notice_view_points" (
    "notice_id" TEXT NOT NULL,
    "tenant_id" UUID NOT NULL,
    "user_id" TEXT NOT NULL,
    "is_read" BOOLEAN NOT NULL DEFAULT false,
    "is_archived" BOOLEAN NOT NULL DEFAULT false,
    "is_favorited" BOOLEAN NOT NULL DEFAULT false,
    "updated_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "notice_view_points_pkey" PRIMARY KEY ("notice_id","user_id")
);

-- CreateIndex
CREATE INDEX "notices_tenant_id_posted_at_idx" ON "notices"("tenant_id", "posted_at");

-- CreateIndex
CREATE UNIQUE INDEX "notices_campaign_id_tenant_id_key" ON "notices"("campaign_id", "tenant_id");

-- CreateIndex
CREATE UNIQUE INDEX "deliveries_operation_id_key" ON "deliveries"("operation_id");

-- CreateIndex
CREATE INDEX "deliveries_campaign_id_state_idx" ON "deliveries"("campaign_id", "state");

-- CreateIndex
CREATE UNIQUE INDEX "deliveries_campaign_id_address_key" ON "deliveries"("campaign_id", "address");

-- CreateIndex
CREATE INDEX "notice_view_points_tenant_id_user_id_idx" ON "notice_view_points"("tenant_id", "user_id");

-- CreateIndex
CREATE UNIQUE INDEX "tenant_decisions_campaign_id_tenant_id_decision_key" ON "tenant_decisions"("campaign_id", "tenant_id", "decision");

-- AddForeignKey
ALTER TABLE "notices" ADD CONSTRAINT "notices_campaign_id_tenant_id_decision_fkey" FOREIGN KEY ("campaign_id", "tenant_id", "decision") REFERENCES "tenant_decisions"("campaign_id", "tenant_id", "decision") ON DELETE RESTRICT ON UPDATE RESTRICT;

-- AddForeignKey
ALTER TABLE "deliveries" ADD CONSTRAINT "deliveries_notice_id_fkey" FOREIGN KEY ("notice_id") REFERENCES "notices"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "notice_view_points" ADD CONSTRAINT "notice_view_points_notice_id_fkey" FOREIGN KEY ("notice_id") REFERENCES "notices"("id") ON DELETE CASCADE ON UPDATE CASCADE;


-- No identified impact, no message (DESIGN.md rule 3): a notice's foreign key to its tenant's
-- decision includes the decision, and the decision it may point at is pinned to 'affected'.
ALTER TABLE "notices" ADD CONSTRAINT "notices_only_for_affected" CHECK ("decision" = 'affected');
-- Emails go only to the roles that may read data-privacy notices.
ALTER TABLE "deliveries" ADD CONSTRAINT "deliveries_privileged_role" CHECK ("role" IN ('GlobalAdmin', 'PrivacyReader'));
