-- Reminders: a campaign may ask for one more email to a tenant's privileged contacts when the
-- act-by date nears and nobody of the tenant has read the notice yet. Stored in seconds, null when
-- the campaign sends no reminders, and never zero, negative or longer than a year.
ALTER TABLE "campaigns" ADD COLUMN "remind_before_seconds" INTEGER;
ALTER TABLE "campaigns" ADD CONSTRAINT "campaigns_remind_before_range"
  CHECK ("remind_before_seconds" IS NULL OR ("remind_before_seconds" > 0 AND "remind_before_seconds" <= 31536000));

-- Whether anyone ever read a notice must survive an update that marks it unread again for every
-- reader: first_read_at is set the first time a user marks it read and never reset.
ALTER TABLE "notice_view_points" ADD COLUMN "first_read_at" TIMESTAMP(3);
-- A notice read before this column existed was read by its last change at the latest.
UPDATE "notice_view_points" SET "first_read_at" = "updated_at" WHERE "is_read";
