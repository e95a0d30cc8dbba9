-- Records and attributions are written in bulk and read back whole, never queried inside: as
-- json (text kept as written) they skip jsonb's parse-and-decompose on the way in and its
-- re-serialization on the way out, the largest cost of ingest and analysis in the database.
-- lz4 instead of pglz for the values large enough to be compressed (most attributions are
-- over 2 KB): several times cheaper to compress and to read.
ALTER TABLE "exposure_records" ALTER COLUMN "data" SET DATA TYPE JSON USING "data"::json;
ALTER TABLE "exposure_records" ALTER COLUMN "data" SET COMPRESSION lz4;
ALTER TABLE "record_attributions" ALTER COLUMN "attribution" SET DATA TYPE JSON USING "attribution"::json;
ALTER TABLE "record_attributions" ALTER COLUMN "attribution" SET COMPRESSION lz4;
