import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { sql, type RawBuilder } from 'kysely';
import { PrismaService } from '../db/prisma.service.js';
import type { Db } from '../db/transaction.js';
import type { IncidentSections } from '../notices/incident-words.js';

/** A `timestamp(3)` column holds UTC wall time (as Prisma writes it): read it as such, whatever the process's zone. */
const utc = (column: string): RawBuilder<Date> => sql<Date>`${sql.ref(column)} AT TIME ZONE 'UTC'`;

export interface IncidentRow {
  id: string;
  title: string;
  awareAt: Date | null;
  createdBy: string;
  createdAt: Date;
  updatedAt: Date;
}

export interface IncidentFilingRow {
  id: string;
  filedAt: Date;
  reference: string;
  recordedBy: string;
  recordedAt: Date;
}

export interface IncidentReportRow {
  version: number;
  format: 'md' | 'html';
  contentSha256: string;
  exportedBy: string;
  exportedAt: Date;
}

export interface IncidentUpdateRow {
  id: string;
  incidentId: string;
  /** Markdown by template locale, en-US always */
  texts: Record<string, string>;
  notify: boolean;
  createdBy: string;
  createdAt: Date;
}

export interface IncidentTextRow extends IncidentSections {
  locale: string;
  updatedBy: string;
  updatedAt: Date;
}

/**
 * The incident tables (`incidents`, `incident_texts`): thin typed statements, and the reads of
 * the campaigns and data sets an incident groups.
 */
@Injectable()
export class IncidentsRepository {
  constructor(private readonly prisma: PrismaService) {}

  async create(data: { title: string; awareAt: Date | null; createdBy: string }): Promise<IncidentRow> {
    const now = new Date().toISOString();
    const id = randomUUID();
    await this.prisma.db
      .insertInto('incidents')
      .values({
        id,
        title: data.title,
        aware_at: data.awareAt?.toISOString() ?? null,
        created_by: data.createdBy,
        created_at: now,
        updated_at: now,
      })
      .execute();
    return (await this.find(id))!;
  }

  async find(id: string): Promise<IncidentRow | null> {
    const row = await this.prisma.db
      .selectFrom('incidents')
      .select([
        'id',
        'title',
        'created_by as createdBy',
        utc('aware_at').as('awareAt'),
        utc('created_at').as('createdAt'),
        utc('updated_at').as('updatedAt'),
      ])
      .where('id', '=', id)
      .executeTakeFirst();
    return row ?? null;
  }

  /** A page of incidents, newest first, with how many campaigns each has. */
  list(skip: number, take: number) {
    return this.prisma.db
      .selectFrom('incidents as i')
      .select((eb) => [
        'i.id',
        'i.title',
        utc('i.aware_at').as('awareAt'),
        utc('i.created_at').as('createdAt'),
        eb
          .selectFrom('campaigns as c')
          .whereRef('c.incident_id', '=', 'i.id')
          .select(eb.fn.countAll<number>().as('n'))
          .as('campaigns'),
        // the first filing stops the clock: the list needs no other
        eb
          .selectFrom('incident_filings as f')
          .whereRef('f.incident_id', '=', 'i.id')
          .select(utc('f.filed_at').as('filedAt'))
          .orderBy('f.filed_at')
          .orderBy('f.id')
          .limit(1)
          .as('firstFiledAt'),
        eb
          .selectFrom('incident_filings as f')
          .whereRef('f.incident_id', '=', 'i.id')
          .select('f.reference')
          .orderBy('f.filed_at')
          .orderBy('f.id')
          .limit(1)
          .as('firstReference'),
        eb
          .selectFrom('incident_texts as t')
          .whereRef('t.incident_id', '=', 'i.id')
          .select(sql<string[]>`coalesce(array_agg(t.locale ORDER BY t.locale), '{}')`.as('locales'))
          .as('locales'),
      ])
      .orderBy('i.created_at', 'desc')
      .orderBy('i.id')
      .offset(skip)
      .limit(take)
      .execute();
  }

  /** The incident's campaigns with their status and data set, oldest first. */
  campaigns(incidentId: string) {
    return this.prisma.db
      .selectFrom('campaigns as c')
      .innerJoin('datasets as d', 'd.id', 'c.dataset_id')
      .select([
        'c.id as campaignId',
        'c.title',
        'c.status',
        'c.dataset_id as datasetId',
        'd.name as datasetName',
        utc('c.created_at').as('createdAt'),
      ])
      .where('c.incident_id', '=', incidentId)
      .orderBy('c.created_at')
      .orderBy('c.id')
      .execute();
  }

  /** A write of the incident's own rows and the incident's `updated_at`, in one transaction, at one `now`. */
  private async touching(incidentId: string, write: (db: Db, now: string) => Promise<unknown>): Promise<void> {
    const now = new Date().toISOString();
    await this.prisma.transaction(async ({ db }) => {
      await write(db, now);
      await db.updateTable('incidents').set({ updated_at: now }).where('id', '=', incidentId).execute();
    });
  }

  /** Writes (or replaces) the incident's words in one locale. */
  saveText(incidentId: string, locale: string, sections: IncidentSections, by: string): Promise<void> {
    return this.touching(incidentId, (db, now) =>
      db
        .insertInto('incident_texts')
        .values({ incident_id: incidentId, locale, ...sections, updated_by: by, updated_at: now })
        .onConflict((oc) =>
          oc.columns(['incident_id', 'locale']).doUpdateSet({ ...sections, updated_by: by, updated_at: now }),
        )
        .execute(),
    );
  }

  /** The incident's words, every locale. */
  texts(incidentId: string): Promise<IncidentTextRow[]> {
    return this.prisma.db
      .selectFrom('incident_texts')
      .select([
        'locale',
        'summary',
        'consequences',
        'measures',
        'actions',
        'contact',
        'updated_by as updatedBy',
        utc('updated_at').as('updatedAt'),
      ])
      .where('incident_id', '=', incidentId)
      .orderBy('locale')
      .execute();
  }

  /** The words of the incidents of several campaigns, in one statement: every locale of each. */
  textsOfCampaigns(campaignIds: readonly string[]) {
    if (campaignIds.length === 0) return Promise.resolve([]);
    return this.prisma.db
      .selectFrom('campaigns as c')
      .innerJoin('incident_texts as t', 't.incident_id', 'c.incident_id')
      .select([
        'c.id as campaignId',
        't.incident_id as incidentId',
        't.locale',
        't.summary',
        't.consequences',
        't.measures',
        't.actions',
        't.contact',
      ])
      .where('c.id', 'in', [...campaignIds])
      .execute();
  }

  /** Which incident a campaign belongs to, or null when there is no such campaign. */
  async incidentOf(campaignId: string): Promise<string | null> {
    const row = await this.prisma.db
      .selectFrom('campaigns')
      .select('incident_id')
      .where('id', '=', campaignId)
      .executeTakeFirst();
    return row?.incident_id ?? null;
  }

  /** Records a notification filed with the supervisory authority. */
  addFiling(incidentId: string, data: { filedAt: Date; reference: string; recordedBy: string }): Promise<void> {
    return this.touching(incidentId, (db, now) =>
      db
        .insertInto('incident_filings')
        .values({
          id: randomUUID(),
          incident_id: incidentId,
          filed_at: data.filedAt.toISOString(),
          reference: data.reference,
          recorded_by: data.recordedBy,
          recorded_at: now,
        })
        .execute(),
    );
  }

  /** The incident's filings, first filed first. */
  filings(incidentId: string): Promise<IncidentFilingRow[]> {
    return this.prisma.db
      .selectFrom('incident_filings')
      .select([
        'id',
        'reference',
        'recorded_by as recordedBy',
        utc('filed_at').as('filedAt'),
        utc('recorded_at').as('recordedAt'),
      ])
      .where('incident_id', '=', incidentId)
      .orderBy('filed_at')
      .orderBy('id')
      .execute();
  }

  /**
   * Stores an export as the incident's next version. The incident's row is locked first, so two
   * exports at once get consecutive numbers instead of one failing on the key.
   */
  async addReport(
    incidentId: string,
    data: { format: 'md' | 'html'; content: string; contentSha256: string; exportedBy: string },
  ): Promise<IncidentReportRow> {
    const now = new Date().toISOString();
    const version = await this.prisma.transaction(async ({ db }) => {
      await db.selectFrom('incidents').select('id').where('id', '=', incidentId).forUpdate().execute();
      const last = await db
        .selectFrom('incident_reports')
        .select((eb) => eb.fn.max<number | null>('version').as('v'))
        .where('incident_id', '=', incidentId)
        .executeTakeFirst();
      const next = (last?.v ?? 0) + 1;
      await db
        .insertInto('incident_reports')
        .values({
          incident_id: incidentId,
          version: next,
          format: data.format,
          content: data.content,
          content_sha256: data.contentSha256,
          exported_by: data.exportedBy,
          exported_at: now,
        })
        .execute();
      return next;
    });
    return { ...(await this.report(incidentId, version))! };
  }

  /** The incident's exports without their content, newest first. */
  reports(incidentId: string): Promise<IncidentReportRow[]> {
    return this.prisma.db
      .selectFrom('incident_reports')
      .select([
        'version',
        sql<'md' | 'html'>`format`.as('format'),
        'content_sha256 as contentSha256',
        'exported_by as exportedBy',
        utc('exported_at').as('exportedAt'),
      ])
      .where('incident_id', '=', incidentId)
      .orderBy('version', 'desc')
      .execute();
  }

  /** One export, with its content. */
  async report(incidentId: string, version: number): Promise<(IncidentReportRow & { content: string }) | null> {
    const row = await this.prisma.db
      .selectFrom('incident_reports')
      .select([
        'version',
        sql<'md' | 'html'>`format`.as('format'),
        'content',
        'content_sha256 as contentSha256',
        'exported_by as exportedBy',
        utc('exported_at').as('exportedAt'),
      ])
      .where('incident_id', '=', incidentId)
      .where('version', '=', version)
      .executeTakeFirst();
    return row ?? null;
  }

  /** Incidents aware since before `awareBefore` with nothing filed, oldest awareness first (at most `limit`). */
  overdueUnfiled(awareBefore: Date, limit: number): Promise<IncidentRow[]> {
    return this.prisma.db
      .selectFrom('incidents as i')
      .select([
        'i.id',
        'i.title',
        'i.created_by as createdBy',
        utc('i.aware_at').as('awareAt'),
        utc('i.created_at').as('createdAt'),
        utc('i.updated_at').as('updatedAt'),
      ])
      .where(sql<boolean>`i.aware_at < (${awareBefore.toISOString()}::timestamptz AT TIME ZONE 'UTC')`)
      .where((eb) =>
        eb.not(eb.exists(eb.selectFrom('incident_filings as f').select('f.id').whereRef('f.incident_id', '=', 'i.id'))),
      )
      .orderBy('i.aware_at')
      .limit(limit)
      .execute();
  }

  // ── updates of an incident ──

  /** Writes an update of the incident and touches the incident, in one transaction. */
  async createUpdate(data: {
    incidentId: string;
    texts: Record<string, string>;
    notify: boolean;
    createdBy: string;
  }): Promise<IncidentUpdateRow> {
    const id = randomUUID();
    await this.touching(data.incidentId, (db, now) =>
      db
        .insertInto('incident_updates')
        .values({
          id,
          incident_id: data.incidentId,
          texts: JSON.stringify(data.texts),
          notify: data.notify,
          created_by: data.createdBy,
          created_at: now,
        })
        .execute(),
    );
    return (await this.findUpdate(id))!;
  }

  async findUpdate(id: string): Promise<IncidentUpdateRow | null> {
    const row = await this.prisma.db
      .selectFrom('incident_updates')
      .select([
        'id',
        'incident_id as incidentId',
        'texts',
        'notify',
        'created_by as createdBy',
        utc('created_at').as('createdAt'),
      ])
      .where('id', '=', id)
      .executeTakeFirst();
    return row ? { ...row, texts: row.texts as Record<string, string> } : null;
  }

  /** The incident's updates, oldest first. */
  async updates(incidentId: string): Promise<IncidentUpdateRow[]> {
    const rows = await this.prisma.db
      .selectFrom('incident_updates')
      .select([
        'id',
        'incident_id as incidentId',
        'texts',
        'notify',
        'created_by as createdBy',
        utc('created_at').as('createdAt'),
      ])
      .where('incident_id', '=', incidentId)
      .orderBy('created_at')
      .orderBy('id')
      .execute();
    return rows.map((r) => ({ ...r, texts: r.texts as Record<string, string> }));
  }

  /** The newest updates with the campaigns of their incidents (what a worker's start-up checks). */
  async recentUpdatesWithCampaigns(limit: number): Promise<{ updateId: string; campaignIds: string[] }[]> {
    const { rows } = await sql<{ updateId: string; campaignIds: string[] }>`
      SELECT u.id AS "updateId", array_agg(c.id::text ORDER BY c.id) AS "campaignIds"
        FROM incident_updates u JOIN campaigns c ON c.incident_id = u.incident_id
       GROUP BY u.id, u.created_at ORDER BY u.created_at DESC LIMIT ${limit}`.execute(this.prisma.db);
    return rows;
  }
}
