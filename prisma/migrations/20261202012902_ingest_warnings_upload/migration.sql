-- AlterTable
ALTER TABLE "ingest_warnings" DROP CONSTRAINT "ingest_warnings_pkey",
ADD COLUMN     "upload" INTEGER NOT NULL DEFAULT 0,
ADD CONSTRAINT "ingest_warnings_pkey" PRIMARY KEY ("dataset_id", "upload", "line", "field");

