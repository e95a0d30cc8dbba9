-- The operator's words on why a review item was answered as it was (optional), for the decisions export.
ALTER TABLE "review_items" ADD COLUMN "justification" TEXT;
ALTER TABLE "review_items" ADD CONSTRAINT "review_items_justification_length" CHECK (length("justification") <= 2000);
