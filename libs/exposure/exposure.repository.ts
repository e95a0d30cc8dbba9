import { Injectable } from '@nestjs/common';
import { sql, type RawBuilder, type Selectable } from 'kysely';
import { analyticChunks, analyticQuery } from '../db/analytic.js';
import { copyRowsPooled, copyText, copyTextArray } from '../db/copy.js';
import { PrismaService } from '../db/prisma.service.js';
import type { Prisma } from '../../generated/prisma/client.js';
import type {
  CampaignStatus,
  DatasetUpload,
  Entity,
  ExposureRecord,
  IngestWarning,
  Item,
  QuarantinedLine,
} from '../../generated/kysely/database.js';

type Rec = Selectable<ExposureRecord>;
type It = Selectable<Item>;
type Fingerprint = It['fingerprint'];

/** A record to write, with its entity keys (camelCase of exposure_records' columns). */
export interface RecordRow {
  recordId: Rec['record_id'];
  /** 0 for the file that made the data set, then 1, 2, … for files added to it */
  upload: Rec['upload'];
  line: Rec['line'];
  kind: Rec['kind'];
  fingerprint: Rec['fingerprint'];
  /** the record as JSON text */
  data: string;
  emails: Rec['emails'];
  phones: Rec['phones'];
  /** not-valid phone numbers (never evidence) */
  otherPhones: Rec['other_phones'];
  personKeys: Rec['person_keys'];
  fileKeys: Rec['file_keys'];
  projectIds: Rec['project_ids'];
  tenantIds: Rec['tenant_ids'];
  companies: Rec['companies'];
}

/** An item to write (camelCase of items' columns). */
export interface ItemRow {
  fingerprint: Fingerprint;
  kind: It['kind'];
  canonicalRecordId: It['canonical_record_id'];
  firstUpload: It['first_upload'];
  firstLine: It['first_line'];
  copies: It['copies'];
  textFp: It['text_fp'];
  quotedFp: It['quoted_fp'];
  lshBands: It['lsh_bands'];
}

export type QuarantineRow = Pick<Selectable<QuarantinedLine>, 'line' | 'reason' | 'raw'> & { recordId?: string };

export type WarningRow = Pick<Selectable<IngestWarning>, 'line' | 'field' | 'reason'>;

export type UploadRow = Pick<Selectable<DatasetUpload>, 'upload' | 'name' | 'format' | 'header' | 'sha256'>;

/**
 * Items are ordered by upload, then line: one number for both, exact in a double (an upload's
 * lines stay far below 2^32), so that an item added later never comes before one already there.
 */
const ordinal = (alias?: 'r' | 'o'): RawBuilder<number> => {
  const col = (c: string) => sql.ref(alias ? `${alias}.${c}` : c);
  return sql<number>`(${col('first_upload')}::float8 * 4294967296 + ${col('first_line')})`;
};

export interface ClusterUpdate {
  fingerprint: Fingerprint;
  clusterId: It['cluster_id'];
  mergeReason: NonNullable<It['merge_reason']>;
}

export type ScopeCounts = {
  uniqueItems: number;
  uniqueEmailAddresses: number;
  uniquePeople: number;
  uniquePhoneNumbers: number;
  /** how many of uniquePhoneNumbers are possible but not valid, or without a country code */
  phoneNumbersNotValid: number;
  uniqueFiles: number;
  uniqueProjects: number;
};

/**
 * A campaign of a data set, as far as a change to the data set concerns it, and the moves such a
 * change makes. The campaigns lib owns the campaigns table and depends on this one: it provides
 * these (DATASET_CAMPAIGNS), so the ingest reaches campaigns without importing that lib.
 */
export interface DatasetCampaign {
  id: string;
  status: CampaignStatus;
  startedAt: Date | null;
}

export interface DatasetCampaigns {
  /** The campaigns of a data set, oldest first. */
  datasetCampaigns(datasetId: string): Promise<DatasetCampaign[]>;
  /** Sends a campaign back to draft if it is still `from`, with the reason the operator sees; false when it moved meanwhile. */
  campaignBackToDraft(campaignId: string, from: CampaignStatus, message: string): Promise<boolean>;
}

/** The injection token of DatasetCampaigns (provided by the campaigns lib's DatasetCampaignsModule). */
export const DATASET_CAMPAIGNS = Symbol('DATASET_CAMPAIGNS');

// Entity keys never hold control characters (such lines are quarantined), so the unit
// separator can carry a list inside one text value of a bulk statement.
const SEP = '\u001f';
const SEP_SQL = sql.raw(`E'\\x1F'`);
const joinList = (xs: string[]) => xs.join(SEP);
const noNul = (s: string) => (s.includes('\u0000') ? s.replace(/\u0000/g, '\uFFFD') : s);
const split = (col: string) => sql<string[]>`string_to_array(${sql.ref(col)}, ${SEP_SQL})`;

/**
 * The one owner of the data set's tables (datasets, dataset_uploads, exposure_records, items,
 * entities, quarantined_lines, ingest_warnings). Bulk writes: records with COPY, the rest with one
 * typed statement per batch (arrays unnested server-side); simple reads and writes through Prisma.
 * No decisions here.
 */
@Injectable()
export class ExposureRepository {
  constructor(private readonly prisma: PrismaService) {}

  createDataset(name: string) {
    return this.prisma.dataset.create({ data: { name } });
  }

  findDataset(id: string) {
    return this.prisma.dataset.findUnique({ where: { id } });
  }

  /** Data sets, newest first (ties by id, so pages never overlap). */
  listDatasets(skip: number, take: number) {
    return this.prisma.dataset.findMany({ orderBy: [{ createdAt: 'desc' }, { id: 'desc' }], skip, take });
  }

  findDatasetBySha256(sha256: string) {
    return this.prisma.dataset.findUnique({ where: { sha256 } });
  }

  deleteDataset(id: string) {
    return this.prisma.dataset.delete({ where: { id } });
  }

  updateDataset(id: string, data: Prisma.DatasetUpdateInput) {
    return this.prisma.dataset.update({ where: { id }, data });
  }

  /** Marks the data set failed with the reason, when it is still `ingesting` (a step that handled its failure itself left it otherwise). */
  async failIfIngesting(id: string, reason: string): Promise<void> {
    await this.prisma.dataset.updateMany({
      where: { id, status: 'ingesting' },
      data: { status: 'failed', error: reason.slice(0, 1000) },
    });
  }

  /** Says the ingesting process is alive (see failAbandonedIngests). */
  async heartbeat(id: string): Promise<void> {
    await this.prisma.dataset.updateMany({ where: { id, status: 'ingesting' }, data: { heartbeatAt: new Date() } });
  }

  /**
   * Data sets left `ingesting` by a process that is gone: no heartbeat (or, before the first one,
   * no start) for `staleMs`. A live process renews its heartbeat far more often, so another API
   * process's upload in flight is never taken for abandoned. Returns the ids marked failed.
   */
  async failAbandonedIngests(staleMs: number, reason: string): Promise<string[]> {
    // timestamps are stored as UTC without a zone (as Prisma writes them)
    const rows = await this.prisma.db
      .updateTable('datasets')
      .set({ status: 'failed', error: reason })
      .where('status', '=', 'ingesting')
      .where(
        (eb) => eb.fn.coalesce('heartbeat_at', 'created_at'),
        '<',
        sql<Date>`(now() AT TIME ZONE 'UTC') - make_interval(secs => ${staleMs / 1000}::float8)`,
      )
      .returning('id')
      .execute();
    return rows.map((r) => r.id);
  }

  /**
   * Inserts all the rows with COPY, or none: false when a recordId is already in the data set
   * (then insertRecords takes the rows that are new).
   */
  async copyRecords(datasetId: string, rows: RecordRow[]): Promise<boolean> {
    if (!rows.length) return true;
    const lines = rows.map(
      (r) =>
        `${datasetId}\t${copyText(r.recordId)}\t${r.upload}\t${r.line}\t${copyText(r.kind)}\t${copyText(r.fingerprint)}\t${copyText(r.data)}\t` +
        `${copyTextArray(r.emails)}\t${copyTextArray(r.phones)}\t${copyTextArray(r.otherPhones)}\t${copyTextArray(r.personKeys)}\t${copyTextArray(r.fileKeys)}\t` +
        `${copyTextArray(r.projectIds)}\t${copyTextArray(r.tenantIds)}\t${copyTextArray(r.companies)}\n`,
    );
    try {
      await copyRowsPooled(
        this.prisma.pool,
        'COPY exposure_records (dataset_id, record_id, upload, line, kind, fingerprint, data, emails, phones, other_phones, person_keys, file_keys, project_ids, tenant_ids, companies) FROM STDIN',
        lines,
      );
      return true;
    } catch (err) {
      if ((err as { code?: string }).code === '23505') return false;
      throw err;
    }
  }

  /** Inserts the rows whose recordId is new to the data set; returns the recordIds inserted. */
  async insertRecords(datasetId: string, rows: RecordRow[]): Promise<Set<string>> {
    if (!rows.length) return new Set();
    const list = (f: (r: RecordRow) => string[]) => rows.map((r) => joinList(f(r)));
    const res = await sql<Pick<Rec, 'record_id'>>`
      INSERT INTO exposure_records
        (dataset_id, record_id, upload, line, kind, fingerprint, data, emails, phones, other_phones, person_keys, file_keys, project_ids, tenant_ids, companies)
      SELECT ${datasetId}, r.record_id, ${rows[0]!.upload}::int, r.line, r.kind, r.fingerprint, r.data::json,
             ${split('r.emails')}, ${split('r.phones')}, ${split('r.other_phones')},
             ${split('r.person_keys')}, ${split('r.file_keys')}, ${split('r.project_ids')},
             ${split('r.tenant_ids')}, ${split('r.companies')}
        FROM unnest(${rows.map((r) => r.recordId)}::text[], ${rows.map((r) => r.line)}::int[],
                    ${rows.map((r) => r.kind)}::text[], ${rows.map((r) => r.fingerprint)}::text[],
                    ${rows.map((r) => r.data)}::text[], ${list((r) => r.emails)}::text[],
                    ${list((r) => r.phones)}::text[], ${list((r) => r.otherPhones)}::text[],
                    ${list((r) => r.personKeys)}::text[], ${list((r) => r.fileKeys)}::text[],
                    ${list((r) => r.projectIds)}::text[], ${list((r) => r.tenantIds)}::text[],
                    ${list((r) => r.companies)}::text[])
             AS r(record_id, line, kind, fingerprint, data, emails, phones, other_phones, person_keys, file_keys, project_ids, tenant_ids, companies)
      ON CONFLICT (dataset_id, record_id) DO NOTHING
      RETURNING record_id`.execute(this.prisma.db);
    return new Set(res.rows.map((r) => r.record_id));
  }

  /** Adds items; an item already known gets its copies added. */
  async upsertItems(datasetId: string, items: ItemRow[]): Promise<void> {
    if (!items.length) return;
    await sql`
      INSERT INTO items (dataset_id, fingerprint, kind, canonical_record_id, first_upload, first_line, copies, text_fp, quoted_fp, lsh_bands, cluster_id)
      SELECT ${datasetId}, i.fp, i.kind, i.rid, ${items[0]!.firstUpload}::int, i.line, i.copies, i.text_fp, i.quoted_fp,
             COALESCE(string_to_array(i.bands, ',')::int[], '{}'), i.fp
        FROM unnest(${items.map((i) => i.fingerprint)}::text[], ${items.map((i) => i.kind)}::text[],
                    ${items.map((i) => i.canonicalRecordId)}::text[], ${items.map((i) => i.firstLine)}::int[],
                    ${items.map((i) => i.copies)}::int[], ${items.map((i) => i.textFp)}::text[],
                    ${items.map((i) => i.quotedFp)}::text[],
                    ${items.map((i) => (i.lshBands.length ? i.lshBands.join(',') : null))}::text[])
             AS i(fp, kind, rid, line, copies, text_fp, quoted_fp, bands)
      ON CONFLICT (dataset_id, fingerprint) DO UPDATE SET copies = items.copies + EXCLUDED.copies`.execute(
      this.prisma.db,
    );
  }

  async insertQuarantine(datasetId: string, upload: number, rows: QuarantineRow[]): Promise<void> {
    if (!rows.length) return;
    // PostgreSQL text cannot hold a NUL byte (a reason may quote one): the quarantine keeps it as U+FFFD
    await sql`
      INSERT INTO quarantined_lines (dataset_id, upload, line, reason, raw, record_id)
      SELECT ${datasetId}, ${upload}, q.line, q.reason, q.raw, q.rid
        FROM unnest(${rows.map((r) => r.line)}::int[], ${rows.map((r) => noNul(r.reason))}::text[],
                    ${rows.map((r) => noNul(r.raw))}::text[],
                    ${rows.map((r) => (r.recordId === undefined ? null : noNul(r.recordId)))}::text[])
             AS q(line, reason, raw, rid)
      ON CONFLICT DO NOTHING`.execute(this.prisma.db);
  }

  /** Warnings of one upload's lines (each upload numbers its lines from 1, as the quarantine does). */
  async insertWarnings(datasetId: string, upload: number, rows: WarningRow[]): Promise<void> {
    if (!rows.length) return;
    await sql`
      INSERT INTO ingest_warnings (dataset_id, upload, line, field, reason)
      SELECT ${datasetId}, ${upload}, w.line, w.field, w.reason
        FROM unnest(${rows.map((r) => r.line)}::int[], ${rows.map((r) => noNul(r.field))}::text[],
                    ${rows.map((r) => noNul(r.reason))}::text[]) AS w(line, field, reason)
      ON CONFLICT DO NOTHING`.execute(this.prisma.db);
  }

  listWarnings(datasetId: string, take: number | undefined, skip = 0, upload?: number) {
    return this.prisma.ingestWarning.findMany({
      where: { datasetId, ...(upload === undefined ? {} : { upload }) },
      orderBy: [{ upload: 'asc' }, { line: 'asc' }, { field: 'asc' }],
      take,
      skip,
      select: { upload: true, line: true, field: true, reason: true },
    });
  }

  /** Records by id, as exposed (for an operator's review of them): whatever of them the data set holds. */
  recordsById(
    datasetId: string,
    recordIds: readonly string[],
  ): Promise<Pick<Selectable<ExposureRecord>, 'record_id' | 'upload' | 'line' | 'kind' | 'data'>[]> {
    if (!recordIds.length) return Promise.resolve([]);
    return this.prisma.db
      .selectFrom('exposure_records')
      .select(['record_id', 'upload', 'line', 'kind', 'data'])
      .where('dataset_id', '=', datasetId)
      .where(sql<boolean>`record_id = ANY(${[...recordIds]}::text[])`)
      .execute();
  }

  async linesOfRecords(datasetId: string, recordIds: string[]): Promise<Map<string, { upload: number; line: number }>> {
    const rows = await this.prisma.db
      .selectFrom('exposure_records')
      .select(['record_id', 'upload', 'line'])
      .where('dataset_id', '=', datasetId)
      .where(sql<boolean>`record_id = ANY(${recordIds}::text[])`)
      .execute();
    return new Map(rows.map((r) => [r.record_id, { upload: r.upload, line: r.line }]));
  }

  listQuarantine(datasetId: string, take: number, skip = 0, upload?: number) {
    return this.prisma.quarantinedLine.findMany({
      where: { datasetId, ...(upload === undefined ? {} : { upload }) },
      orderBy: [{ upload: 'asc' }, { line: 'asc' }],
      take,
      skip,
      select: { upload: true, line: true, reason: true, raw: true },
    });
  }

  /** The raw text of quarantined lines in (upload, line) order, a page at a time: memory holds one page. */
  async *quarantineRaws(
    datasetId: string,
    upload?: number,
    pageSize = 1000,
  ): AsyncGenerator<Pick<Selectable<QuarantinedLine>, 'upload' | 'line' | 'raw'>[]> {
    let after: { upload: number; line: number } | null = null;
    for (;;) {
      let q = this.prisma.db
        .selectFrom('quarantined_lines')
        .select(['upload', 'line', 'raw'])
        .where('dataset_id', '=', datasetId);
      if (upload !== undefined) q = q.where('upload', '=', upload);
      if (after) {
        const { upload: u, line } = after;
        q = q.where((eb) => eb(eb.refTuple('upload', 'line'), '>', eb.tuple(u, line)));
      }
      const rows: Pick<Selectable<QuarantinedLine>, 'upload' | 'line' | 'raw'>[] = await q
        .orderBy('upload')
        .orderBy('line')
        .limit(pageSize)
        .execute();
      if (!rows.length) return;
      yield rows;
      const last = rows[rows.length - 1]!;
      after = { upload: last.upload, line: last.line };
      if (rows.length < pageSize) return;
    }
  }

  /** The uploads that have lines in the quarantine. */
  async quarantinedUploads(datasetId: string): Promise<number[]> {
    const rows = await this.prisma.db
      .selectFrom('quarantined_lines')
      .select('upload')
      .distinct()
      .where('dataset_id', '=', datasetId)
      .orderBy('upload')
      .execute();
    return rows.map((r) => r.upload);
  }

  countRecords(datasetId: string) {
    return this.prisma.exposureRecord.count({ where: { datasetId } });
  }

  /** The uploads of a data set with their counts, for the operator. */
  uploadSummaries(datasetId: string) {
    return this.prisma.datasetUpload.findMany({
      where: { datasetId },
      orderBy: { upload: 'asc' },
      select: {
        upload: true,
        name: true,
        format: true,
        lines: true,
        accepted: true,
        quarantined: true,
        createdAt: true,
      },
    });
  }

  countQuarantine(datasetId: string) {
    return this.prisma.quarantinedLine.count({ where: { datasetId } });
  }

  /**
   * Takes out of the quarantine the lines of earlier uploads whose recordId an upload has now
   * accepted: the corrected line replaced them. Returns how many.
   */
  async resolveQuarantine(datasetId: string, upload: number): Promise<number> {
    const r = await this.prisma.db
      .deleteFrom('quarantined_lines as q')
      .using('exposure_records as r')
      .where('q.dataset_id', '=', datasetId)
      .where('q.upload', '<', upload)
      .where('q.record_id', 'is not', null)
      .where('r.dataset_id', '=', datasetId)
      .where('r.upload', '=', upload)
      .whereRef('r.record_id', '=', 'q.record_id')
      .executeTakeFirst();
    return Number(r.numDeletedRows);
  }

  /** Quarantined lines of earlier uploads that name no recordId: nothing can say a later line replaced them. */
  countQuarantineWithoutRecordId(datasetId: string, beforeUpload: number) {
    return this.prisma.quarantinedLine.count({ where: { datasetId, upload: { lt: beforeUpload }, recordId: null } });
  }

  // ── uploads: the files read into a data set ──

  uploads(datasetId: string): Promise<UploadRow[]> {
    return this.prisma.datasetUpload.findMany({
      where: { datasetId },
      orderBy: { upload: 'asc' },
      select: { upload: true, name: true, format: true, header: true, sha256: true },
    });
  }

  /** Records an upload; the number must be free (two uploads at once: one of them fails here). */
  createUpload(datasetId: string, upload: number, name: string) {
    return this.prisma.datasetUpload.create({ data: { datasetId, upload, name, format: 'jsonl' } });
  }

  updateUpload(
    datasetId: string,
    upload: number,
    data: {
      format?: string;
      header?: string | null;
      sha256?: string;
      lines?: number;
      accepted?: number;
      quarantined?: number;
    },
  ) {
    return this.prisma.datasetUpload.update({ where: { datasetId_upload: { datasetId, upload } }, data });
  }

  // ── clustering (docs/deduplication.md, rules 2–4) ──

  /**
   * Fresh planner statistics for the rows a data set has just added: without them the queries
   * below are planned for the data sets there were before (a new data set's id has no rows).
   */
  async refreshStatistics(): Promise<void> {
    // the application role owns no table: the owner's function runs the ANALYZE (prisma/migrations/*_planner_statistics_for_the_service)
    await sql`SELECT refresh_exposure_statistics()`.execute(this.prisma.db);
  }

  /** Groups of items with the same own text, earliest first, with their first lines; a chunk at a time. */
  async *sameTextGroups(
    datasetId: string,
  ): AsyncGenerator<{ fingerprints: Fingerprint[]; recordIds: It['canonical_record_id'][]; firstLines: number[] }[]> {
    const chunks = analyticChunks(
      this.prisma.pool,
      sql<{ fps: Fingerprint[]; rids: It['canonical_record_id'][]; lines: number[] }>`
        SELECT array_agg(fingerprint ORDER BY first_upload, first_line) AS fps,
               array_agg(canonical_record_id ORDER BY first_upload, first_line) AS rids,
               array_agg(${ordinal()} ORDER BY first_upload, first_line) AS lines
          FROM items WHERE dataset_id = ${datasetId} AND text_fp IS NOT NULL
         GROUP BY text_fp HAVING count(*) > 1`.compile(this.prisma.db),
    );
    for await (const rows of chunks)
      yield rows.map((r) => ({ fingerprints: r.fps, recordIds: r.rids, firstLines: r.lines }));
  }

  /** (reply, earliest message whose own text it quotes) pairs, with their first lines; a chunk at a time. */
  async *quotePairs(datasetId: string): AsyncGenerator<
    {
      reply: Fingerprint;
      original: Fingerprint;
      originalRecordId: It['canonical_record_id'];
      replyLine: number;
      originalLine: number;
    }[]
  > {
    const chunks = analyticChunks(
      this.prisma.pool,
      sql<{
        reply: Fingerprint;
        original: Fingerprint;
        rid: It['canonical_record_id'];
        reply_line: number;
        original_line: number;
      }>`
        SELECT DISTINCT ON (r.fingerprint) r.fingerprint AS reply, o.fingerprint AS original, o.canonical_record_id AS rid,
               ${ordinal('r')} AS reply_line, ${ordinal('o')} AS original_line
          FROM items r JOIN items o ON o.dataset_id = r.dataset_id AND o.text_fp = r.quoted_fp
         WHERE r.dataset_id = ${datasetId} AND r.quoted_fp IS NOT NULL AND o.fingerprint <> r.fingerprint
         ORDER BY r.fingerprint, o.first_upload, o.first_line`.compile(this.prisma.db),
    );
    for await (const rows of chunks) {
      yield rows.map((r) => ({
        reply: r.reply,
        original: r.original,
        originalRecordId: r.rid,
        replyLine: r.reply_line,
        originalLine: r.original_line,
      }));
    }
  }

  /**
   * Pairs of items (one per distinct text) sharing a MinHash band, the earlier first, with their
   * first lines; a chunk at a time, ordered by the first item. Bands shared by very many texts
   * are boilerplate and skipped.
   */
  async *nearDuplicateCandidates(
    datasetId: string,
    maxBandGroup = 50,
  ): AsyncGenerator<{ a: Fingerprint; b: Fingerprint; aLine: number; bLine: number }[]> {
    // Groups are sized by a hash aggregate and only the members of small groups are paired (a
    // window over every band row sorted them all); pairs come in a fixed order.
    const chunks = analyticChunks(
      this.prisma.pool,
      sql<{ a: Fingerprint; b: Fingerprint; a_line: number; b_line: number }>`
        WITH reps AS (
          SELECT DISTINCT ON (text_fp) fingerprint, ${ordinal()} AS first_line, lsh_bands
            FROM items WHERE dataset_id = ${datasetId} AND text_fp IS NOT NULL AND cardinality(lsh_bands) > 0
           ORDER BY text_fp, first_upload, first_line
        ), b AS (
          SELECT r.fingerprint, r.first_line, u.ord, u.band
            FROM reps r, unnest(r.lsh_bands) WITH ORDINALITY AS u(band, ord)
        ), small AS (
          SELECT ord, band FROM b GROUP BY ord, band HAVING count(*) BETWEEN 2 AND ${maxBandGroup}
        ), m AS (
          SELECT b.* FROM b JOIN small USING (ord, band)
        )
        SELECT DISTINCT x.fingerprint AS a, y.fingerprint AS b, x.first_line AS a_line, y.first_line AS b_line
          FROM m x JOIN m y ON x.ord = y.ord AND x.band = y.band AND x.first_line < y.first_line
         ORDER BY a, b`.compile(this.prisma.db),
      // the caller holds each chunk's texts and shingle sets (~15 kB an item): 1,000 pairs, not 5,000
      1000,
    );
    for await (const rows of chunks) yield rows.map((r) => ({ a: r.a, b: r.b, aLine: r.a_line, bLine: r.b_line }));
  }

  /** The canonical record's kind, body and first line of each item. */
  async itemTexts(
    datasetId: string,
    fingerprints: Fingerprint[],
  ): Promise<
    Map<Fingerprint, { kind: It['kind']; body: string; recordId: It['canonical_record_id']; firstLine: number }>
  > {
    // the items first, then each one's record by key: joined the other way round (when the
    // statistics do not know the data set yet) it walks every record of the data set per item
    const res = await sql<
      Pick<It, 'fingerprint' | 'kind' | 'first_line'> & { body: string | null; rid: It['canonical_record_id'] }
    >`
      SELECT i.fingerprint, i.kind, r.body, i.canonical_record_id AS rid, i.first_line
        FROM items i
             CROSS JOIN LATERAL (
               SELECT data->>'body' AS body FROM exposure_records
                WHERE dataset_id = i.dataset_id AND record_id = i.canonical_record_id LIMIT 1
             ) r
       WHERE i.dataset_id = ${datasetId} AND i.fingerprint = ANY(${fingerprints}::text[])`.execute(this.prisma.db);
    return new Map(
      res.rows.map((r) => [
        r.fingerprint,
        { kind: r.kind, body: r.body ?? '', recordId: r.rid, firstLine: r.first_line },
      ]),
    );
  }

  async firstLines(
    datasetId: string,
    fingerprints: Fingerprint[],
  ): Promise<Map<Fingerprint, { firstLine: number; recordId: It['canonical_record_id'] }>> {
    const rows = await this.prisma.db
      .selectFrom('items')
      .select(['fingerprint', 'first_line', 'canonical_record_id'])
      .where('dataset_id', '=', datasetId)
      .where(sql<boolean>`fingerprint = ANY(${fingerprints}::text[])`)
      .execute();
    return new Map(rows.map((r) => [r.fingerprint, { firstLine: r.first_line, recordId: r.canonical_record_id }]));
  }

  async setClusters(datasetId: string, updates: ClusterUpdate[]): Promise<void> {
    for (let i = 0; i < updates.length; i += 5000) {
      const chunk = updates.slice(i, i + 5000);
      await sql`
        UPDATE items SET cluster_id = u.cluster_id, merge_reason = u.reason
          FROM unnest(${chunk.map((u) => u.fingerprint)}::text[], ${chunk.map((u) => u.clusterId)}::text[],
                      ${chunk.map((u) => u.mergeReason)}::text[]) AS u(fp, cluster_id, reason)
         WHERE items.dataset_id = ${datasetId} AND items.fingerprint = u.fp`.execute(this.prisma.db);
    }
  }

  /** Derives the entity table from the records' key arrays. */
  async buildEntities(datasetId: string): Promise<void> {
    await this.prisma.db.deleteFrom('entities').where('dataset_id', '=', datasetId).execute();
    // one pass over the records for all kinds (a pass each read the data set five times)
    await analyticQuery(
      this.prisma.pool,
      sql<never>`
        INSERT INTO entities (dataset_id, type, key, occurrences)
        SELECT ${datasetId}, e.type, e.key, count(*)
          FROM exposure_records r
               CROSS JOIN LATERAL (
                 SELECT 'email', unnest(r.emails) UNION ALL
                 SELECT 'person', unnest(r.person_keys) UNION ALL
                 SELECT 'phone', unnest(r.phones) UNION ALL
                 SELECT 'otherPhone', unnest(r.other_phones) UNION ALL
                 SELECT 'file', unnest(r.file_keys) UNION ALL
                 SELECT 'project', unnest(r.project_ids)
               ) AS e(type, key)
         WHERE r.dataset_id = ${datasetId}
         GROUP BY e.type, e.key`.compile(this.prisma.db),
    );
  }

  /** Unique entities of each kind (after buildEntities) and unique items (after clustering). */
  async countUnique(datasetId: string): Promise<ScopeCounts> {
    const res = await sql<{ type: Selectable<Entity>['type']; n: string }>`
      SELECT type, count(*)::text AS n FROM entities WHERE dataset_id = ${datasetId} GROUP BY type
      UNION ALL SELECT 'item', count(DISTINCT cluster_id)::text FROM items WHERE dataset_id = ${datasetId}`.execute(
      this.prisma.db,
    );
    const n = (t: string) => Number(res.rows.find((r) => r.type === t)?.n ?? 0);
    return {
      uniqueItems: n('item'),
      uniqueEmailAddresses: n('email'),
      uniquePeople: n('person'),
      // a not-valid number never has a valid one's key (E.164 of the same digits would be valid)
      uniquePhoneNumbers: n('phone') + n('otherPhone'),
      phoneNumbersNotValid: n('otherPhone'),
      uniqueFiles: n('file'),
      uniqueProjects: n('project'),
    };
  }

  /** A cluster with its items and member records, for an operator asking why lines were merged. */
  async cluster(datasetId: string, clusterId: string) {
    const items = await this.prisma.item.findMany({
      where: { datasetId, clusterId },
      orderBy: { firstLine: 'asc' },
      select: {
        fingerprint: true,
        kind: true,
        canonicalRecordId: true,
        firstLine: true,
        copies: true,
        mergeReason: true,
      },
    });
    const records = await this.prisma.exposureRecord.findMany({
      where: { datasetId, fingerprint: { in: items.map((i) => i.fingerprint) } },
      orderBy: { line: 'asc' },
      select: { recordId: true, line: true, fingerprint: true },
    });
    return { items, records };
  }

  async clusterOfRecord(datasetId: string, recordId: string): Promise<It['cluster_id'] | null> {
    const row = await this.prisma.db
      .selectFrom('exposure_records as r')
      .innerJoin('items as i', (j) =>
        j.onRef('i.dataset_id', '=', 'r.dataset_id').onRef('i.fingerprint', '=', 'r.fingerprint'),
      )
      .select('i.cluster_id')
      .where('r.dataset_id', '=', datasetId)
      .where('r.record_id', '=', recordId)
      .executeTakeFirst();
    return row?.cluster_id ?? null;
  }

  /**
   * A page of a data set's records with their cluster, item by item: in (fingerprint, recordId)
   * order, so that the copies of an item come one after the other (keyset pagination).
   */
  async recordPage(
    datasetId: string,
    after: { fingerprint: string; recordId: string } | null,
    limit: number,
  ): Promise<
    (Pick<Selectable<ExposureRecord>, 'record_id' | 'fingerprint'> &
      Pick<Selectable<Item>, 'cluster_id'> & { data: string })[]
  > {
    const fingerprint = after?.fingerprint ?? null;
    const { rows } = await sql<
      Pick<Selectable<ExposureRecord>, 'record_id' | 'fingerprint'> &
        Pick<Selectable<Item>, 'cluster_id'> & { data: string }
    >`SELECT r.record_id, r.fingerprint, r.data::text AS data, i.cluster_id
         FROM exposure_records r JOIN items i ON i.dataset_id = r.dataset_id AND i.fingerprint = r.fingerprint
        WHERE r.dataset_id = ${datasetId} AND (${fingerprint}::text IS NULL OR (r.fingerprint, r.record_id) > (${fingerprint}::text, ${after?.recordId ?? null}::text))
          -- the same bound on the items: without it a merge join reads them from the first one, every page
          AND (${fingerprint}::text IS NULL OR i.fingerprint >= ${fingerprint}::text)
        ORDER BY r.fingerprint, r.record_id LIMIT ${limit}`.execute(this.prisma.db);
    // data as text: a copy of the item before it is not parsed at all
    return rows;
  }
}
