-- Incident updates and notice revisions: an update of an incident is posted to every notice of
-- its campaigns as a new revision, and a notice sent in error can be withdrawn (by two operators).
-- Earlier revisions stay readable: history is not erased.

-- CreateTable: an update of an incident, its Markdown words by template locale (en-US always)
CREATE TABLE "incident_updates" (
    "id" UUID NOT NULL,
    "incident_id" UUID NOT NULL,
    "texts" JSONB NOT NULL,
    "notify" BOOLEAN NOT NULL DEFAULT false,
    "created_by" TEXT NOT NULL,
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "incident_updates_pkey" PRIMARY KEY ("id"),
    CONSTRAINT "incident_updates_en_us" CHECK (jsonb_typeof("texts" -> 'en-US') = 'string')
);
CREATE INDEX "incident_updates_incident_id_created_at_idx" ON "incident_updates"("incident_id", "created_at");
ALTER TABLE "incident_updates" ADD CONSTRAINT "incident_updates_incident_id_fkey" FOREIGN KEY ("incident_id") REFERENCES "incidents"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- A notice's current revision (0 as posted) and when it was withdrawn.
ALTER TABLE "notices" ADD COLUMN "revision" INTEGER NOT NULL DEFAULT 0,
                      ADD COLUMN "withdrawn_at" TIMESTAMP(3);

-- CreateTable: every revision of a notice once it has more than one, the current one included.
-- At most one revision per notice and update, so a retried or doubled job cannot post an update twice.
CREATE TABLE "notice_revisions" (
    "notice_id" TEXT NOT NULL,
    "tenant_id" UUID NOT NULL,
    "revision" INTEGER NOT NULL,
    "cause" TEXT NOT NULL,
    "update_id" UUID,
    "title" TEXT NOT NULL,
    "body_html" TEXT NOT NULL,
    "translations" JSONB,
    "tags" TEXT[],
    "details" JSONB,
    "action_required_by" TIMESTAMP(3),
    "last_modified_at" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "notice_revisions_pkey" PRIMARY KEY ("notice_id", "revision"),
    CONSTRAINT "notice_revisions_cause" CHECK (("cause" = 'posted' AND "revision" = 0 AND "update_id" IS NULL)
      OR ("cause" = 'update' AND "revision" > 0 AND "update_id" IS NOT NULL)
      OR ("cause" = 'withdrawal' AND "revision" > 0 AND "update_id" IS NULL))
);
CREATE UNIQUE INDEX "notice_revisions_notice_id_update_id_key" ON "notice_revisions"("notice_id", "update_id");
CREATE INDEX "notice_revisions_update_id_idx" ON "notice_revisions"("update_id");
ALTER TABLE "notice_revisions" ADD CONSTRAINT "notice_revisions_notice_id_fkey" FOREIGN KEY ("notice_id") REFERENCES "notices"("id") ON DELETE RESTRICT ON UPDATE CASCADE;
ALTER TABLE "notice_revisions" ADD CONSTRAINT "notice_revisions_update_id_fkey" FOREIGN KEY ("update_id") REFERENCES "incident_updates"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- CreateTable: a withdrawal asked for by one operator and approved by another (operators only).
CREATE TABLE "notice_withdrawals" (
    "notice_id" TEXT NOT NULL,
    "reason" TEXT NOT NULL,
    "requested_by" TEXT NOT NULL,
    "requested_at" TIMESTAMP(3) NOT NULL,
    "approved_by" TEXT,
    "approved_at" TIMESTAMP(3),
    "revision" INTEGER,

    CONSTRAINT "notice_withdrawals_pkey" PRIMARY KEY ("notice_id"),
    CONSTRAINT "notice_withdrawals_reason" CHECK (length(btrim("reason")) BETWEEN 1 AND 2000),
    CONSTRAINT "notice_withdrawals_approval" CHECK (("approved_by" IS NULL) = ("approved_at" IS NULL))
);
ALTER TABLE "notice_withdrawals" ADD CONSTRAINT "notice_withdrawals_notice_id_fkey" FOREIGN KEY ("notice_id") REFERENCES "notices"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- The tenant inbox reads earlier revisions of its own notices, under row-level security like the notices.
GRANT SELECT ON "notice_revisions" TO impact_tenant;
ALTER TABLE "notice_revisions" ENABLE ROW LEVEL SECURITY;
ALTER TABLE "notice_revisions" FORCE ROW LEVEL SECURITY;
CREATE POLICY "notice_revisions_service" ON "notice_revisions" TO CURRENT_USER USING (true) WITH CHECK (true);
CREATE POLICY "notice_revisions_tenant_read" ON "notice_revisions" FOR SELECT TO impact_tenant
  USING ("tenant_id" = NULLIF(current_setting('app.tenant_id', true), '')::uuid);
