-- A tenant admin acknowledges a notice: one row per (notice, user), the first acknowledgement stands.
CREATE TABLE "notice_acknowledgements" (
    "notice_id" TEXT NOT NULL,
    "tenant_id" UUID NOT NULL,
    "user_id" TEXT NOT NULL,
    "acknowledged_by" TEXT NOT NULL,
    "acknowledged_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "notice_acknowledgements_pkey" PRIMARY KEY ("notice_id", "user_id")
);

CREATE INDEX "notice_acknowledgements_tenant_id_user_id_idx" ON "notice_acknowledgements"("tenant_id", "user_id");

ALTER TABLE "notice_acknowledgements" ADD CONSTRAINT "notice_acknowledgements_notice_id_fkey" FOREIGN KEY ("notice_id") REFERENCES "notices"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- Tenant-facing writes run as impact_tenant with app.tenant_id set (libs/inbox/tenant-scope.ts).
-- Insert and read only: an acknowledgement is never changed or taken back by the tenant.
-- The insert policy checks the notice under the notices policy, since a foreign key check alone
-- would accept another tenant's notice id (referential checks ignore row-level security).
GRANT SELECT, INSERT ON "notice_acknowledgements" TO impact_tenant;
ALTER TABLE "notice_acknowledgements" ENABLE ROW LEVEL SECURITY;
ALTER TABLE "notice_acknowledgements" FORCE ROW LEVEL SECURITY;
CREATE POLICY "notice_acknowledgements_service" ON "notice_acknowledgements" TO CURRENT_USER USING (true) WITH CHECK (true);
CREATE POLICY "notice_acknowledgements_tenant_read" ON "notice_acknowledgements" FOR SELECT TO impact_tenant
  USING ("tenant_id" = NULLIF(current_setting('app.tenant_id', true), '')::uuid);
CREATE POLICY "notice_acknowledgements_tenant_insert" ON "notice_acknowledgements" FOR INSERT TO impact_tenant
  WITH CHECK ("tenant_id" = NULLIF(current_setting('app.tenant_id', true), '')::uuid
    AND EXISTS (SELECT 1 FROM "notices" n WHERE n."id" = "notice_id" AND n."tenant_id" = "notice_acknowledgements"."tenant_id"));

-- The notices export and the rates read each notice's readers from the audit log: the tenant
-- reads of one campaign's notices, by notice, without walking the campaign's list events.
CREATE INDEX "audit_events_notice_reads" ON "audit_events" ("campaign_id", "subject", "at")
  WHERE "action" IN ('inbox.message.read', 'inbox.viewpoint.markRead');
