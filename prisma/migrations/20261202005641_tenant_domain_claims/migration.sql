-- CreateTable
CREATE TABLE "tenant_domain_claims" (
    "domain" TEXT NOT NULL,
    "tenant_id" UUID NOT NULL,
    "since" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "tenant_domain_claims_pkey" PRIMARY KEY ("domain","tenant_id")
);

-- CreateIndex
CREATE INDEX "tenant_domain_claims_tenant_id_idx" ON "tenant_domain_claims"("tenant_id");

-- AddForeignKey
ALTER TABLE "tenant_domain_claims" ADD CONSTRAINT "tenant_domain_claims_tenant_id_fkey" FOREIGN KEY ("tenant_id") REFERENCES "tenants"("id") ON DELETE CASCADE ON UPDATE CASCADE;

