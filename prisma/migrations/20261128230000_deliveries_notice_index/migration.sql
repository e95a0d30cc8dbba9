-- A notice's deliveries are looked up by notice id (the notice job on a retry, reconcile). Without
-- an index each look-up read the whole deliveries table, 100,000 rows in a 65,000-tenant campaign.
-- CreateIndex
CREATE INDEX "deliveries_notice_id_idx" ON "deliveries"("notice_id");
