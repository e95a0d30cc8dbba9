-- A bad optional value costs that value, not the record: the values dropped from accepted lines are
-- listed with their line numbers, and the scope report counts null values and not-valid phone numbers.
-- AlterTable
ALTER TABLE "datasets" ADD COLUMN     "null_values" JSONB,
ADD COLUMN     "warning_counts" JSONB;

-- AlterTable
ALTER TABLE "exposure_records" ADD COLUMN     "other_phones" TEXT[] DEFAULT ARRAY[]::TEXT[];

-- CreateTable
CREATE TABLE "ingest_warnings" (
    "dataset_id" UUID NOT NULL,
    "line" INTEGER NOT NULL,
    "field" TEXT NOT NULL,
    "reason" TEXT NOT NULL,

    CONSTRAINT "ingest_warnings_pkey" PRIMARY KEY ("dataset_id","line","field")
);

-- AddForeignKey
ALTER TABLE "ingest_warnings" ADD CONSTRAINT "ingest_warnings_dataset_id_fkey" FOREIGN KEY ("dataset_id") REFERENCES "datasets"("id") ON DELETE CASCADE ON UPDATE CASCADE;

