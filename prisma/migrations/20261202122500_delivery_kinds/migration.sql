-- An email about a notice is no longer only the notice itself: updates, a withdrawal and a
-- reminder go through the same exactly-once path (a delivery row written before the send, a
-- deterministic operation id). The unique key grows with them: still one email per address per
-- campaign for each kind and revision, so a retry or a second scheduler can never send twice.
CREATE TYPE "delivery_kind" AS ENUM ('notice', 'update', 'withdrawal', 'reminder');

ALTER TABLE "deliveries" ADD COLUMN "kind" "delivery_kind" NOT NULL DEFAULT 'notice',
                         ADD COLUMN "revision" INTEGER NOT NULL DEFAULT 0;

DROP INDEX "deliveries_campaign_id_address_key";
CREATE UNIQUE INDEX "deliveries_campaign_id_address_kind_revision_key" ON "deliveries"("campaign_id", "address", "kind", "revision");

-- The notice and its reminder are revision 0, an update or a withdrawal names the revision it announces.
ALTER TABLE "deliveries" ADD CONSTRAINT "deliveries_revision_of_kind"
  CHECK (("kind" IN ('notice', 'reminder') AND "revision" = 0) OR ("kind" IN ('update', 'withdrawal') AND "revision" > 0));
