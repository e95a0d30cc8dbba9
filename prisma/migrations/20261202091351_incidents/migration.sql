-- Incidents: the data sets and campaigns of one exposure, and the operator's own words about it
-- (five Markdown sections per locale, docs/contracts.md §5).

-- CreateTable
CREATE TABLE "incidents" (
    "id" UUID NOT NULL,
    "title" TEXT NOT NULL,
    "aware_at" TIMESTAMP(3),
    "created_by" TEXT NOT NULL,
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "incidents_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "incident_texts" (
    "incident_id" UUID NOT NULL,
    "locale" TEXT NOT NULL,
    "summary" TEXT NOT NULL,
    "consequences" TEXT NOT NULL,
    "measures" TEXT NOT NULL,
    "actions" TEXT NOT NULL,
    "contact" TEXT NOT NULL,
    "updated_by" TEXT NOT NULL,
    "updated_at" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "incident_texts_pkey" PRIMARY KEY ("incident_id","locale")
);

-- AddForeignKey
ALTER TABLE "incident_texts" ADD CONSTRAINT "incident_texts_incident_id_fkey" FOREIGN KEY ("incident_id") REFERENCES "incidents"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- Function bodies hold no semicolon, or one written \073 in an E'' string: Prisma's migration
-- runner splits statements at every semicolon, even inside quotes.

-- A value as Markdown text: white space collapsed, the characters that could start inline markup
-- escaped, so a support phone number is shown as written.
CREATE FUNCTION markdown_text(value text) RETURNS text LANGUAGE sql IMMUTABLE AS $$
  SELECT regexp_replace(btrim(regexp_replace(value, '\s+', ' ', 'g')), '([\\`*_\[\]<>&~!|])', '\\\1', 'g')
$$;

-- A campaign's incident, made with the campaign when it names none: titled like it, aware when
-- its incident date says, and its en-US words written from the notice's fixed narrative and the
-- campaign's support contacts, so that it renders as a campaign did before incidents, in words
-- the operator can then edit (`incidents text`). The service, seeds and scripts alike get one.
CREATE FUNCTION campaign_own_incident(c campaigns) RETURNS uuid LANGUAGE sql VOLATILE AS $$
  WITH i AS (
    INSERT INTO incidents (id, title, aware_at, created_by, created_at, updated_at)
    VALUES (gen_random_uuid(), COALESCE(NULLIF(btrim(c.title), ''), 'Campaign ' || c.id), c.incident_date,
            c.created_by, now() AT TIME ZONE 'UTC', now() AT TIME ZONE 'UTC')
    RETURNING id
  ), t AS (
    INSERT INTO incident_texts (incident_id, locale, summary, consequences, measures, actions, contact, updated_by, updated_at)
    SELECT i.id,
      'en-US',
      COALESCE('On ' || to_char(c.incident_date, 'FMMonth FMDD, YYYY') || ', we', 'We')
        || ' learned that a misconfigured storage endpoint had left business transaction data reachable without authentication.'
        || ' The cause was a configuration error on our side, not a security vulnerability.'
        || ' We secured the endpoint promptly, and it is now reachable only with authentication.'
        || ' Our investigation found no indication that customer accounts or systems were compromised.',
      'Whoever reached the endpoint could read the data of your organization listed in this notice.'
        || ' We found no indication that it was misused, but it could be used to make phishing messages look genuine.',
      '- We secured the endpoint: it is now reachable only with authentication.' || chr(10)
        || '- We analyzed the exposed data, removed duplicates and determined which organization each record belongs to,'
        || ' so that we notify exactly the organizations whose data was exposed.' || chr(10)
        || '- We are improving our processes to prevent this kind of misconfiguration.',
      '- Review the exposure view of this notice in the Message Center. It shows which data of your organization was exposed.' || chr(10)
        || '- Be alert to phishing: be careful with unexpected messages that refer to names, email addresses, phone numbers'
        || ' or business details of your organization, and check the sender before you open links or attachments.' || chr(10)
        || '- Contact us if you have questions or concerns.',
      CASE
        WHEN COALESCE(c.support_url, c.support_phone, c.support_email) IS NULL
          THEN 'Contact us through your usual support channel.'
        ELSE concat_ws(chr(10),
          '- Support website: ' || CASE WHEN c.support_url ~ '^https?://[^\s<>]+$' THEN '<' || c.support_url || '>'
                                        ELSE markdown_text(c.support_url) END,
          '- Phone: ' || markdown_text(c.support_phone),
          '- Email: ' || CASE WHEN c.support_email ~ '^[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+$'
                              THEN '<' || c.support_email || '>' ELSE markdown_text(c.support_email) END)
      END,
      c.created_by,
      now() AT TIME ZONE 'UTC'
    FROM i
    RETURNING incident_id
  )
  SELECT incident_id FROM t
$$;

CREATE FUNCTION campaigns_own_incident() RETURNS trigger LANGUAGE plpgsql AS
  E'BEGIN IF NEW.incident_id IS NULL THEN NEW.incident_id := campaign_own_incident(NEW)\073 END IF\073 RETURN NEW\073 END';

-- AlterTable: one incident per existing campaign, then every campaign has one
ALTER TABLE "campaigns" ADD COLUMN "incident_id" UUID;
UPDATE "campaigns" c SET "incident_id" = campaign_own_incident(c);
ALTER TABLE "campaigns" ALTER COLUMN "incident_id" SET NOT NULL;

CREATE TRIGGER campaigns_own_incident BEFORE INSERT ON "campaigns"
  FOR EACH ROW EXECUTE FUNCTION campaigns_own_incident();

-- CreateIndex
CREATE INDEX "campaigns_incident_id_idx" ON "campaigns"("incident_id");

-- AddForeignKey
ALTER TABLE "campaigns" ADD CONSTRAINT "campaigns_incident_id_fkey" FOREIGN KEY ("incident_id") REFERENCES "incidents"("id") ON DELETE RESTRICT ON UPDATE CASCADE;
