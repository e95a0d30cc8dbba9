/** The NOLOGIN role of prisma/migrations/*_tenant_rls that tenant-facing transactions switch to: row-level security applies to it. */
export const TENANT_ROLE = 'impact_tenant';
