-- CreateTable
CREATE TABLE "notification_recipients" (
    "id" UUID NOT NULL,
    "tenant_id" UUID NOT NULL,
    "address" TEXT NOT NULL,
    "locale" TEXT NOT NULL,
    "added_by" TEXT NOT NULL,
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "token_hash" TEXT,
    "token_expires_at" TIMESTAMP(3),
    "confirmation_sent_at" TIMESTAMP(3),
    "confirmed_at" TIMESTAMP(3),

    CONSTRAINT "notification_recipients_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "notification_recipients_token_hash_key" ON "notification_recipients"("token_hash");

-- CreateIndex
CREATE UNIQUE INDEX "notification_recipients_tenant_id_address_key" ON "notification_recipients"("tenant_id", "address");

-- AddForeignKey
ALTER TABLE "notification_recipients" ADD CONSTRAINT "notification_recipients_tenant_id_fkey" FOREIGN KEY ("tenant_id") REFERENCES "tenants"("id") ON DELETE CASCADE ON UPDATE CASCADE;


-- A tenant admin lists, adds and removes the tenant's own recipients in a TenantScope transaction
-- (role impact_tenant, `app.tenant_id` set): the policies return and accept only that tenant's
-- rows. The confirmation link and the notice job run as the service role, which keeps full access.
GRANT SELECT, INSERT, UPDATE, DELETE ON "notification_recipients" TO impact_tenant;
ALTER TABLE "notification_recipients" ENABLE ROW LEVEL SECURITY;
ALTER TABLE "notification_recipients" FORCE ROW LEVEL SECURITY;
CREATE POLICY "notification_recipients_service" ON "notification_recipients" TO CURRENT_USER USING (true) WITH CHECK (true);
CREATE POLICY "notification_recipients_tenant" ON "notification_recipients" FOR ALL TO impact_tenant
  USING ("tenant_id" = NULLIF(current_setting('app.tenant_id', true), '')::uuid)
  WITH CHECK ("tenant_id" = NULLIF(current_setting('app.tenant_id', true), '')::uuid);
-- A locale is a short BCP-47 tag (the service checks it is a shipped template locale).
ALTER TABLE "notification_recipients" ADD CONSTRAINT "notification_recipients_locale_check" CHECK (length("locale") BETWEEN 2 AND 35);

-- Emails go only to the roles that may read data-privacy notices, and now to a tenant's own
-- recipient, but only while it is confirmed when its delivery row is written: the database holds
-- the rule too, not only the notice job's query.
ALTER TABLE "deliveries" DROP CONSTRAINT "deliveries_privileged_role";
ALTER TABLE "deliveries" ADD CONSTRAINT "deliveries_privileged_role" CHECK ("role" IN ('GlobalAdmin', 'PrivacyReader', 'NotificationRecipient'));
CREATE FUNCTION "deliveries_recipient_confirmed"() RETURNS trigger LANGUAGE plpgsql AS E'BEGIN
  IF NEW.role = ''NotificationRecipient'' AND NOT EXISTS (
       SELECT 1 FROM notification_recipients r
        WHERE r.tenant_id = NEW.tenant_id AND r.address = NEW.address AND r.confirmed_at IS NOT NULL) THEN
    RAISE EXCEPTION ''% is not a confirmed notification recipient of tenant %'', NEW.address, NEW.tenant_id
      USING ERRCODE = ''check_violation''\073
  END IF\073
  RETURN NEW\073
END';
CREATE TRIGGER "deliveries_recipient_confirmed" BEFORE INSERT OR UPDATE OF "role", "address", "tenant_id" ON "deliveries"
  FOR EACH ROW EXECUTE FUNCTION "deliveries_recipient_confirmed"();
