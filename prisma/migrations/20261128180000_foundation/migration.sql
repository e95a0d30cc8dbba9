-- CreateSchema
CREATE SCHEMA IF NOT EXISTS "public";

-- CreateEnum
CREATE TYPE "dataset_status" AS ENUM ('ingesting', 'ready', 'failed');

-- CreateTable
CREATE TABLE "tenants" (
    "id" UUID NOT NULL,
    "name" TEXT NOT NULL,
    "aliases" TEXT[],
    "phones" TEXT[],
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "tenants_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "tenant_domains" (
    "domain" TEXT NOT NULL,
    "tenant_id" UUID NOT NULL,
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "tenant_domains_pkey" PRIMARY KEY ("domain")
);

-- CreateTable
CREATE TABLE "tenant_contacts" (
    "id" BIGSERIAL NOT NULL,
    "tenant_id" UUID NOT NULL,
    "email" TEXT NOT NULL,
    "name" TEXT,
    "roles" TEXT[],
    "locale" TEXT NOT NULL DEFAULT 'en-US',

    CONSTRAINT "tenant_contacts_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "datasets" (
    "id" UUID NOT NULL,
    "name" TEXT NOT NULL,
    "sha256" TEXT,
    "status" "dataset_status" NOT NULL DEFAULT 'ingesting',
    "lines" INTEGER NOT NULL DEFAULT 0,
    "accepted" INTEGER NOT NULL DEFAULT 0,
    "quarantined" INTEGER NOT NULL DEFAULT 0,
    "duplicates" INTEGER NOT NULL DEFAULT 0,
    "scope" JSONB,
    "error" TEXT,
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "completed_at" TIMESTAMP(3),

    CONSTRAINT "datasets_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "quarantined_lines" (
    "dataset_id" UUID NOT NULL,
    "line" INTEGER NOT NULL,
    "reason" TEXT NOT NULL,
    "raw" TEXT NOT NULL,

    CONSTRAINT "quarantined_lines_pkey" PRIMARY KEY ("dataset_id","line")
);

-- CreateTable
CREATE TABLE "exposure_records" (
    "dataset_id" UUID NOT NULL,
    "record_id" TEXT NOT NULL,
    "line" INTEGER NOT NULL,
    "kind" TEXT NOT NULL,
    "fingerprint" TEXT NOT NULL,
    "data" JSONB NOT NULL,
    "emails" TEXT[],
    "phones" TEXT[],
    "person_keys" TEXT[],
    "file_keys" TEXT[],
    "project_ids" TEXT[],
    "tenant_ids" TEXT[],
    "companies" TEXT[],

    CONSTRAINT "exposure_records_pkey" PRIMARY KEY ("dataset_id","record_id")
);

-- CreateTable
CREATE TABLE "items" (
    "dataset_id" UUID NOT NULL,
    "fingerprint" TEXT NOT NULL,
    "kind" TEXT NOT NULL,
    "canonical_record_id" TEXT NOT NULL,
    "first_line" INTEGER NOT NULL,
    "copies" INTEGER NOT NULL,
    "text_fp" TEXT,
    "quoted_fp" TEXT,
    "lsh_bands" INTEGER[],
    "cluster_id" TEXT NOT NULL,
    "merge_reason" TEXT,

    CONSTRAINT "items_pkey" PRIMARY KEY ("dataset_id","fingerprint")
);

-- CreateTable
CREATE TABLE "entities" (
    "dataset_id" UUID NOT NULL,
    "type" TEXT NOT NULL,
    "key" TEXT NOT NULL,
    "occurrences" INTEGER NOT NULL,

    CONSTRAINT "entities_pkey" PRIMARY KEY ("dataset_id","type","key")
);

-- CreateIndex
CREATE INDEX "tenant_domains_tenant_id_idx" ON "tenant_domains"("tenant_id");

-- CreateIndex
CREATE INDEX "tenant_contacts_email_idx" ON "tenant_contacts"("email");

-- CreateIndex
CREATE UNIQUE INDEX "tenant_contacts_tenant_id_email_key" ON "tenant_contacts"("tenant_id", "email");

-- CreateIndex
CREATE UNIQUE INDEX "datasets_sha256_key" ON "datasets"("sha256");

-- CreateIndex
CREATE INDEX "exposure_records_dataset_id_fingerprint_idx" ON "exposure_records"("dataset_id", "fingerprint");

-- CreateIndex
CREATE INDEX "items_dataset_id_cluster_id_idx" ON "items"("dataset_id", "cluster_id");

-- CreateIndex
CREATE INDEX "items_dataset_id_text_fp_idx" ON "items"("dataset_id", "text_fp");

-- AddForeignKey
ALTER TABLE "tenant_domains" ADD CONSTRAINT "tenant_domains_tenant_id_fkey" FOREIGN KEY ("tenant_id") REFERENCES "tenants"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "tenant_contacts" ADD CONSTRAINT "tenant_contacts_tenant_id_fkey" FOREIGN KEY ("tenant_id") REFERENCES "tenants"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "quarantined_lines" ADD CONSTRAINT "quarantined_lines_dataset_id_fkey" FOREIGN KEY ("dataset_id") REFERENCES "datasets"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "exposure_records" ADD CONSTRAINT "exposure_records_dataset_id_fkey" FOREIGN KEY ("dataset_id") REFERENCES "datasets"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "items" ADD CONSTRAINT "items_dataset_id_fkey" FOREIGN KEY ("dataset_id") REFERENCES "datasets"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "entities" ADD CONSTRAINT "entities_dataset_id_fkey" FOREIGN KEY ("dataset_id") REFERENCES "datasets"("id") ON DELETE CASCADE ON UPDATE CASCADE;

