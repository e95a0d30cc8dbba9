-- Defense in depth for the tenant inbox (DESIGN.md rule 5): tenant-facing transactions switch to
-- the NOLOGIN role impact_tenant (`set_config('role', 'impact_tenant', true)`) and set
-- `app.tenant_id`: the policies below then return and accept only that tenant's rows, so a query
-- that forgets its `where` cannot leak. The app connects as a superuser (which bypasses RLS), so
-- switching role is what makes the policies bite.
--
-- Prisma's migration runner splits statements at every semicolon (even in comments and quotes), so the
-- PL/pgSQL bodies write theirs as \073 inside E'' strings.

-- Roles are cluster-wide and every database of the cluster (each test run's too) runs this
-- migration, possibly at the same moment: create the role only if absent, and take a concurrent
-- creator's win as success.
DO E'BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = ''impact_tenant'') THEN
    CREATE ROLE impact_tenant NOLOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOINHERIT NOBYPASSRLS\073
  END IF\073
EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL\073
END';

-- A non-superuser application role needs membership to switch to impact_tenant, a superuser does not.
DO E'BEGIN
  IF NOT (SELECT rolsuper FROM pg_roles WHERE rolname = current_user) THEN
    EXECUTE format(''GRANT impact_tenant TO %I'', current_user)\073
  END IF\073
EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL\073
END';

-- Only what the inbox does: read notices and exposure views, keep per-user view points, and
-- write its own audit events (INSERT ... RETURNING needs SELECT too, a policy limits both).
GRANT USAGE ON SCHEMA public TO impact_tenant;
GRANT SELECT ON "notices" TO impact_tenant;
GRANT SELECT, INSERT, UPDATE ON "notice_view_points" TO impact_tenant;
GRANT SELECT ON "exposure_views" TO impact_tenant;
GRANT SELECT, INSERT ON "audit_events" TO impact_tenant;
GRANT USAGE ON SEQUENCE "audit_events_id_seq" TO impact_tenant;

ALTER TABLE "notices" ENABLE ROW LEVEL SECURITY;
ALTER TABLE "notices" FORCE ROW LEVEL SECURITY;
ALTER TABLE "notice_view_points" ENABLE ROW LEVEL SECURITY;
ALTER TABLE "notice_view_points" FORCE ROW LEVEL SECURITY;
ALTER TABLE "exposure_views" ENABLE ROW LEVEL SECURITY;
ALTER TABLE "exposure_views" FORCE ROW LEVEL SECURITY;
ALTER TABLE "audit_events" ENABLE ROW LEVEL SECURITY;

-- The role that ran the migrations owns the tables and does the service's own work (posting
-- notices, analysis, operator reads). FORCE would subject it to RLS too when it is not a
-- superuser, so it keeps full access through a policy of its own. impact_tenant never sees
-- these policies: policies apply only to the roles they name.
CREATE POLICY "notices_service" ON "notices" TO CURRENT_USER USING (true) WITH CHECK (true);
CREATE POLICY "notice_view_points_service" ON "notice_view_points" TO CURRENT_USER USING (true) WITH CHECK (true);
CREATE POLICY "exposure_views_service" ON "exposure_views" TO CURRENT_USER USING (true) WITH CHECK (true);
CREATE POLICY "audit_events_service" ON "audit_events" TO CURRENT_USER USING (true) WITH CHECK (true);

-- The tenant's policies. With `app.tenant_id` unset or empty the comparison is NULL: no rows.
CREATE POLICY "notices_tenant_read" ON "notices" FOR SELECT TO impact_tenant
  USING ("tenant_id" = NULLIF(current_setting('app.tenant_id', true), '')::uuid);

CREATE POLICY "exposure_views_tenant_read" ON "exposure_views" FOR SELECT TO impact_tenant
  USING ("tenant_id" = NULLIF(current_setting('app.tenant_id', true), '')::uuid);

CREATE POLICY "notice_view_points_tenant_read" ON "notice_view_points" FOR SELECT TO impact_tenant
  USING ("tenant_id" = NULLIF(current_setting('app.tenant_id', true), '')::uuid);
-- A view point may only be written for one of the tenant's own notices: the foreign key alone
-- would accept another tenant's notice id (referential checks ignore RLS), the sub-select here
-- runs under the notices policy, so it finds only this tenant's notices.
CREATE POLICY "notice_view_points_tenant_insert" ON "notice_view_points" FOR INSERT TO impact_tenant
  WITH CHECK ("tenant_id" = NULLIF(current_setting('app.tenant_id', true), '')::uuid
    AND EXISTS (SELECT 1 FROM "notices" n WHERE n."id" = "notice_id" AND n."tenant_id" = "notice_view_points"."tenant_id"));
CREATE POLICY "notice_view_points_tenant_update" ON "notice_view_points" FOR UPDATE TO impact_tenant
  USING ("tenant_id" = NULLIF(current_setting('app.tenant_id', true), '')::uuid)
  WITH CHECK ("tenant_id" = NULLIF(current_setting('app.tenant_id', true), '')::uuid
    AND EXISTS (SELECT 1 FROM "notices" n WHERE n."id" = "notice_id" AND n."tenant_id" = "notice_view_points"."tenant_id"));

CREATE POLICY "audit_events_tenant_insert" ON "audit_events" FOR INSERT TO impact_tenant
  WITH CHECK ("tenant_id" = NULLIF(current_setting('app.tenant_id', true), '')::uuid);
CREATE POLICY "audit_events_tenant_read" ON "audit_events" FOR SELECT TO impact_tenant
  USING ("tenant_id" = NULLIF(current_setting('app.tenant_id', true), '')::uuid);
