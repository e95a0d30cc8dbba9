-- The regulator's record of an incident (GDPR Art. 33): each notification filed with the
-- supervisory authority (a first one, then any supplementary phases), and each draft notification
-- exported, kept as a numbered version so that what was sent can be read again exactly.
-- Operator tables only: tenants never read them, so no row-level policy and no grant to impact_tenant.

-- CreateTable
CREATE TABLE "incident_filings" (
    "id" UUID NOT NULL,
    "incident_id" UUID NOT NULL,
    "filed_at" TIMESTAMP(3) NOT NULL,
    "reference" TEXT NOT NULL,
    "recorded_by" TEXT NOT NULL,
    "recorded_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "incident_filings_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "incident_filings_incident_id_filed_at_idx" ON "incident_filings"("incident_id", "filed_at");

-- AddForeignKey
ALTER TABLE "incident_filings" ADD CONSTRAINT "incident_filings_incident_id_fkey" FOREIGN KEY ("incident_id") REFERENCES "incidents"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- CreateTable
CREATE TABLE "incident_reports" (
    "incident_id" UUID NOT NULL,
    "version" INTEGER NOT NULL,
    "format" TEXT NOT NULL,
    "content" TEXT NOT NULL,
    "content_sha256" TEXT NOT NULL,
    "exported_by" TEXT NOT NULL,
    "exported_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "incident_reports_pkey" PRIMARY KEY ("incident_id","version"),
    CONSTRAINT "incident_reports_format" CHECK ("format" IN ('md', 'html')),
    CONSTRAINT "incident_reports_version" CHECK ("version" > 0)
);

-- AddForeignKey
ALTER TABLE "incident_reports" ADD CONSTRAINT "incident_reports_incident_id_fkey" FOREIGN KEY ("incident_id") REFERENCES "incidents"("id") ON DELETE CASCADE ON UPDATE CASCADE;
