-- A notice in the other languages its tenant's admins read, written once when it is posted. The
-- inbox reads one language out of it per row: jsonb finds a key without parsing the whole value
-- (json took ten times as long in the database), lz4 as for the other large payloads.
ALTER TABLE "notices" ADD COLUMN     "translations" JSONB;
ALTER TABLE "notices" ALTER COLUMN "translations" SET COMPRESSION lz4;
