-- The service connects as an application role that owns no table (docs/design.md "Database
-- roles"), and ANALYZE is the owner's: run as anyone else it skips the table with a warning, and
-- the clustering queries after an ingest would be planned for the data sets there were before.
-- This function runs the two ANALYZEs as its owner, the migrating role. It takes no argument and
-- fixes its search path, so a caller chooses nothing, and db:setup grants EXECUTE to the application
-- role. Statements inside E'' write their semicolons as \073 (Prisma splits at every semicolon).
CREATE FUNCTION refresh_exposure_statistics() RETURNS void LANGUAGE plpgsql SECURITY DEFINER
  SET search_path = pg_catalog, pg_temp
  AS E'BEGIN ANALYZE public.items\073 ANALYZE public.exposure_records\073 END';
REVOKE ALL ON FUNCTION refresh_exposure_statistics() FROM PUBLIC;
