-- A notice in the other languages its tenant's admins read, written once when it is posted and
-- read back whole by key: json, lz4-compressed like the other payloads written once.
ALTER TABLE "notices" ADD COLUMN     "translations" JSON;
ALTER TABLE "notices" ALTER COLUMN "translations" SET COMPRESSION lz4;
