-- The inbox writes its audit events with a plain INSERT (no RETURNING) inside its tenant
-- transaction, so the tenant role needs to insert them, never to read them: take back the
-- SELECT that 20261128220000_tenant_rls granted, and its policy.
REVOKE SELECT ON "audit_events" FROM impact_tenant;
DROP POLICY IF EXISTS "audit_events_tenant_read" ON "audit_events";
