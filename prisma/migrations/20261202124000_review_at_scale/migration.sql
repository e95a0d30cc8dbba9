-- A review resolution carries the operator's reason, and items can be shared out among reviewers.
-- The analysis' upsert of review items leaves these columns alone, so a re-analysis keeps them as
-- it keeps the resolution.
ALTER TABLE "review_items" ADD COLUMN "justification" TEXT,
                           ADD COLUMN "assigned_to" TEXT,
                           ADD COLUMN "assigned_by" TEXT,
                           ADD COLUMN "assigned_at" TIMESTAMP(3);

CREATE INDEX "review_items_campaign_id_assigned_to_idx" ON "review_items"("campaign_id", "assigned_to");

-- A reason is words, not a document: bounded so an export or an audit event stays readable.
ALTER TABLE "review_items" ADD CONSTRAINT "review_items_justification_length" CHECK (length("justification") <= 2000);
