-- AlterTable
ALTER TABLE "quarantined_lines" DROP CONSTRAINT "quarantined_lines_pkey",
ADD COLUMN     "record_id" TEXT,
ADD COLUMN     "upload" INTEGER NOT NULL DEFAULT 0,
ADD CONSTRAINT "quarantined_lines_pkey" PRIMARY KEY ("dataset_id", "upload", "line");

-- AlterTable
ALTER TABLE "exposure_records" ADD COLUMN     "upload" INTEGER NOT NULL DEFAULT 0;

-- AlterTable
ALTER TABLE "items" ADD COLUMN     "first_upload" INTEGER NOT NULL DEFAULT 0;

-- CreateTable
CREATE TABLE "dataset_uploads" (
    "dataset_id" UUID NOT NULL,
    "upload" INTEGER NOT NULL,
    "name" TEXT NOT NULL,
    "format" TEXT NOT NULL,
    "header" TEXT,
    "sha256" TEXT,
    "lines" INTEGER NOT NULL DEFAULT 0,
    "accepted" INTEGER NOT NULL DEFAULT 0,
    "quarantined" INTEGER NOT NULL DEFAULT 0,
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "dataset_uploads_pkey" PRIMARY KEY ("dataset_id","upload")
);

-- CreateIndex
CREATE INDEX "quarantined_lines_dataset_id_record_id_idx" ON "quarantined_lines"("dataset_id", "record_id");

-- AddForeignKey
ALTER TABLE "dataset_uploads" ADD CONSTRAINT "dataset_uploads_dataset_id_fkey" FOREIGN KEY ("dataset_id") REFERENCES "datasets"("id") ON DELETE CASCADE ON UPDATE CASCADE;

