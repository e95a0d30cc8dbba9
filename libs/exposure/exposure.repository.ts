import { Injectable } from '@nestjs/common';
import { sql, type Selectable } from 'kysely';
import type { ExposureRecord, Item } from '../../generated/kysely/database.js';
import { analyticChunks, analyticQuery } from '../db/analytic.js';
import { copyRowsPooled, copyText, copyTextArray } from '../db/copy.js';
import { PrismaService } from '../db/prisma.service.js';
import type { Prisma } from '../../generated/prisma/client.js';

export interface RecordRow {
  recordId: string;
  /** 0 for the file that made the data set, then 1, 2, … for files added to it */
  upload: number;
  line: number;
  kind: string;
  fingerprint: string;
  data: string;
  emails: string[];
  phones: string[];
  /** not-valid phone numbers (never evidence) */
  otherPhones: string[];
  personKeys: string[];
  fileKeys: string[];
  projectIds: string[];
  tenantIds: string[];
  companies: string[];
}

export interface ItemRow {
  fingerprint: string;
  kind: string;
  canonicalRecordId: string;
  firstUpload: number;
  firstLine: number;
  copies: number;
  textFp: string | null;
  quotedFp: string | null;
  lshBands: number[];
}

export interface QuarantineRow {
  line: number;
  reason: string;
  raw: string;
  recordId?: string;
}

export interface WarningRow {
  line: number;
  field: string;
  reason: string;
}

export interface UploadRow {
  upload: number;
  name: string;
  format: string;
  header: string | null;
  sha256: string | null;
}

/** A campaign of a data set, as far as a change to the data set concerns it. */
export interface DatasetCampaign {
  id: string;
  status: string;
  startedAt: Date | null;
}

/**
 * Items are ordered by upload, then line: one number for both, exact in a double (an upload's
 * lines stay far below 2^32), so that an item added later never comes before one already there.
 */
const ORDINAL = (alias: string) => `(${alias}first_upload::float8 * 4294967296 + ${alias}first_line)`;

export interface ClusterUpdate {
  fingerprint: string;
  clusterId: string;
  mergeReason: string;
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

// Entity keys never hold control characters (such lines are quarantined), so the unit
// separator can carry a list inside one text value of a bulk statement.
const SEP = '\u001f';
const joinList = (xs: string[]) => xs.join(SEP);
const noNul = (s: string) => (s.includes('\u0000') ? s.replace(/\u0000/g, '\uFFFD') : s);

/**
 * The data set's tables. Bulk writes go through pg: records with COPY, the rest with one
 * statement per batch (arrays unnested server-side); everything else through Prisma. No
 * decisions here.
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
    const rows = await this.prisma.$queryRaw<{ id: string }[]>`
      UPDATE datasets SET status = 'failed', error = ${reason}
       WHERE status = 'ingesting'
         AND coalesce(heartbeat_at, created_at) < (now() AT TIME ZONE 'UTC') - make_interval(secs => ${staleMs / 1000}::float8)
      RETURNING id::text AS id`;
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
    const res = await this.prisma.pool.query<{ record_id: string }>(
      `INSERT INTO exposure_records
         (dataset_id, record_id, upload, line, kind, fingerprint, data, emails, phones, other_phones, person_keys, file_keys, project_ids, tenant_ids, companies)
       SELECT $1, r.record_id, $16::int, r.line, r.kind, r.fingerprint, r.data::json,
              string_to_array(r.emails, $2), string_to_array(r.phones, $2), string_to_array(r.other_phones, $2),
              string_to_array(r.person_keys, $2), string_to_array(r.file_keys, $2), string_to_array(r.project_ids, $2),
              string_to_array(r.tenant_ids, $2), string_to_array(r.companies, $2)
         FROM unnest($3::text[], $4::int[], $5::text[], $6::text[], $7::text[], $8::text[], $9::text[], $10::text[],
                     $11::text[], $12::text[], $13::text[], $14::text[], $15::text[])
              AS r(record_id, line, kind, fingerprint, data, emails, phones, other_phones, person_keys, file_keys, project_ids, tenant_ids, companies)
       ON CONFLICT (dataset_id, record_id) DO NOTHING
       RETURNING record_id`,
      [
        datasetId,
        SEP,
        rows.map((r) => r.recordId),
        rows.map((r) => r.line),
        rows.map((r) => r.kind),
        rows.map((r) => r.fingerprint),
        rows.map((r) => r.data),
        rows.map((r) => joinList(r.emails)),
        rows.map((r) => joinList(r.phones)),
        rows.map((r) => joinList(r.otherPhones)),
        rows.map((r) => joinList(r.personKeys)),
        rows.map((r) => joinList(r.fileKeys)),
        rows.map((r) => joinList(r.projectIds)),
        rows.map((r) => joinList(r.tenantIds)),
        rows.map((r) => joinList(r.companies)),
        rows[0]!.upload,
      ],
    );
    return new Set(res.rows.map((r) => r.record_id));
  }

  /** Adds items; an item already known gets its copies added. */
  async upsertItems(datasetId: string, items: ItemRow[]): Promise<void> {
    if (!items.length) return;
    await this.prisma.pool.query(
      `INSERT INTO items (dataset_id, fingerprint, kind, canonical_record_id, first_upload, first_line, copies, text_fp, quoted_fp, lsh_bands, cluster_id)
       SELECT $1, i.fp, i.kind, i.rid, $10::int, i.line, i.copies, i.text_fp, i.quoted_fp,
              COALESCE(string_to_array(i.bands, ',')::int[], '{}'), i.fp
         FROM unnest($2::text[], $3::text[], $4::text[], $5::int[], $6::int[], $7::text[], $8::text[], $9::text[])
              AS i(fp, kind, rid, line, copies, text_fp, quoted_fp, bands)
       ON CONFLICT (dataset_id, fingerprint) DO UPDATE SET copies = items.copies + EXCLUDED.copies`,
      [
        datasetId,
        items.map((i) => i.fingerprint),
        items.map((i) => i.kind),
        items.map((i) => i.canonicalRecordId),
        items.map((i) => i.firstLine),
        items.map((i) => i.copies),
        items.map((i) => i.textFp),
        items.map((i) => i.quotedFp),
        items.map((i) => (i.lshBands.length ? i.lshBands.join(',') : null)),
        items[0]!.firstUpload,
      ],
    );
  }

  async insertQuarantine(datasetId: string, upload: number, rows: QuarantineRow[]): Promise<void> {
    if (!rows.length) return;
    await this.prisma.pool.query(
      `INSERT INTO quarantined_lines (dataset_id, upload, line, reason, raw, record_id)
       SELECT $1, $2, q.line, q.reason, q.raw, q.rid FROM unnest($3::int[], $4::text[], $5::text[], $6::text[]) AS q(line, reason, raw, rid)
       ON CONFLICT DO NOTHING`,
      // PostgreSQL text cannot hold a NUL byte (a reason may quote one): the quarantine keeps it as U+FFFD
      [
        datasetId,
        upload,
        rows.map((r) => r.line),
        rows.map((r) => noNul(r.reason)),
        rows.map((r) => noNul(r.raw)),
        rows.map((r) => (r.recordId === undefined ? null : noNul(r.recordId))),
      ],
    );
  }

  /** Warnings of one upload's lines (each upload numbers its lines from 1, as the quarantine does). */
  async insertWarnings(datasetId: string, upload: number, rows: WarningRow[]): Promise<void> {
    if (!rows.length) return;
    await this.prisma.pool.query(
      `INSERT INTO ingest_warnings (dataset_id, upload, line, field, reason)
       SELECT $1, $2, w.line, w.field, w.reason FROM unnest($3::int[], $4::text[], $5::text[]) AS w(line, field, reason)
       ON CONFLICT DO NOTHING`,
      [datasetId, upload, rows.map((r) => r.line), rows.map((r) => noNul(r.field)), rows.map((r) => noNul(r.reason))],
    );
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

  async linesOfRecords(datasetId: string, recordIds: string[]): Promise<Map<string, { upload: number; line: number }>> {
    const res = await this.prisma.pool.query<{ record_id: string; upload: number; line: number }>(
      'SELECT record_id, upload, line FROM exposure_records WHERE dataset_id = $1 AND record_id = ANY($2::text[])',
      [datasetId, recordIds],
    );
    return new Map(res.rows.map((r) => [r.record_id, { upload: r.upload, line: r.line }]));
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
  ): AsyncGenerator<{ upload: number; line: number; raw: string }[]> {
    let after: { upload: number; line: number } | null = null;
    for (;;) {
      const res: { rows: { upload: number; line: number; raw: string }[] } = await this.prisma.pool.query(
        `SELECT upload, line, raw FROM quarantined_lines
          WHERE dataset_id = $1 AND ($2::int IS NULL OR upload = $2) AND ($3::int IS NULL OR (upload, line) > ($3::int, $4::int))
          ORDER BY upload, line LIMIT $5`,
        [datasetId, upload ?? null, after?.upload ?? null, after?.line ?? null, pageSize],
      );
      if (!res.rows.length) return;
      yield res.rows;
      const last = res.rows[res.rows.length - 1]!;
      after = { upload: last.upload, line: last.line };
      if (res.rows.length < pageSize) return;
    }
  }

  /** The uploads that have lines in the quarantine. */
  async quarantinedUploads(datasetId: string): Promise<number[]> {
    const res = await this.prisma.pool.query<{ upload: number }>(
      'SELECT DISTINCT upload FROM quarantined_lines WHERE dataset_id = $1 ORDER BY upload',
      [datasetId],
    );
    return res.rows.map((r) => r.upload);
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
    const res = await this.prisma.pool.query(
      `DELETE FROM quarantined_lines q USING exposure_records r
        WHERE q.dataset_id = $1 AND q.upload < $2 AND q.record_id IS NOT NULL
          AND r.dataset_id = $1 AND r.upload = $2 AND r.record_id = q.record_id`,
      [datasetId, upload],
    );
    return res.rowCount ?? 0;
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

  // ── the campaigns a change to the data set makes stale ──
  // (read and sent back to draft here, with the same compare-and-set as the campaigns' own moves:
  // the exposure module cannot depend on the campaigns module, which depends on it)

  datasetCampaigns(datasetId: string): Promise<DatasetCampaign[]> {
    return this.prisma.campaign.findMany({
      where: { datasetId },
      select: { id: true, status: true, startedAt: true },
      orderBy: { createdAt: 'asc' },
    });
  }

  /** Sends a campaign back to draft if it is still `from`, with the reason the operator sees. */
  async campaignBackToDraft(campaignId: string, from: string, message: string): Promise<boolean> {
    const r = await this.prisma.campaign.updateMany({
      where: { id: campaignId, status: from as never },
      data: { status: 'draft', lastError: message, approvedBy: null, approvedAt: null },
    });
    return r.count === 1;
  }

  // ── clustering (docs/deduplication.md, rules 2–4) ──

  /**
   * Fresh planner statistics for the rows a data set has just added: without them the queries
   * below are planned for the data sets there were before (a new data set's id has no rows).
   */
  async refreshStatistics(): Promise<void> {
    // the application role owns no table: the owner's function runs the ANALYZE (prisma/migrations/*_planner_statistics_for_the_service)
    await this.prisma.pool.query('SELECT refresh_exposure_statistics()');
  }

  private analytic<R extends object>(sql: string, params: unknown[]): Promise<R[]> {
    return analyticQuery<R>(this.prisma.pool, { sql, parameters: params });
  }

  /** Groups of items with the same own text, earliest first, with their first lines; a chunk at a time. */
  async *sameTextGroups(
    datasetId: string,
  ): AsyncGenerator<{ fingerprints: string[]; recordIds: string[]; firstLines: number[] }[]> {
    const chunks = analyticChunks<{ fps: string[]; rids: string[]; lines: number[] }>(this.prisma.pool, {
      sql: `SELECT array_agg(fingerprint ORDER BY first_upload, first_line) AS fps, array_agg(canonical_record_id ORDER BY first_upload, first_line) AS rids,
              array_agg(${ORDINAL('')} ORDER BY first_upload, first_line) AS lines
         FROM items WHERE dataset_id = $1 AND text_fp IS NOT NULL
        GROUP BY text_fp HAVING count(*) > 1`,
      parameters: [datasetId],
    });
    for await (const rows of chunks)
      yield rows.map((r) => ({ fingerprints: r.fps, recordIds: r.rids, firstLines: r.lines }));
  }

  /** (reply, earliest message whose own text it quotes) pairs, with their first lines; a chunk at a time. */
  async *quotePairs(
    datasetId: string,
  ): AsyncGenerator<
    { reply: string; original: string; originalRecordId: string; replyLine: number; originalLine: number }[]
  > {
    const chunks = analyticChunks<{
      reply: string;
      original: string;
      rid: string;
      reply_line: number;
      original_line: number;
    }>(this.prisma.pool, {
      sql: `SELECT DISTINCT ON (r.fingerprint) r.fingerprint AS reply, o.fingerprint AS original, o.canonical_record_id AS rid,
              ${ORDINAL('r.')} AS reply_line, ${ORDINAL('o.')} AS original_line
         FROM items r JOIN items o ON o.dataset_id = r.dataset_id AND o.text_fp = r.quoted_fp
        WHERE r.dataset_id = $1 AND r.quoted_fp IS NOT NULL AND o.fingerprint <> r.fingerprint
        ORDER BY r.fingerprint, o.first_upload, o.first_line`,
      parameters: [datasetId],
    });
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
  ): AsyncGenerator<{ a: string; b: string; aLine: number; bLine: number }[]> {
    // Groups are sized by a hash aggregate and only the members of small groups are paired (a
    // window over every band row sorted them all); pairs come in a fixed order.
    const chunks = analyticChunks<{ a: string; b: string; a_line: number; b_line: number }>(
      this.prisma.pool,
      {
        sql: `WITH reps AS (
         SELECT DISTINCT ON (text_fp) fingerprint, ${ORDINAL('')} AS first_line, lsh_bands
           FROM items WHERE dataset_id = $1 AND text_fp IS NOT NULL AND cardinality(lsh_bands) > 0
          ORDER BY text_fp, first_upload, first_line
       ), b AS (
         SELECT r.fingerprint, r.first_line, u.ord, u.band
           FROM reps r, unnest(r.lsh_bands) WITH ORDINALITY AS u(band, ord)
       ), small AS (
         SELECT ord, band FROM b GROUP BY ord, band HAVING count(*) BETWEEN 2 AND $2
       ), m AS (
         SELECT b.* FROM b JOIN small USING (ord, band)
       )
       SELECT DISTINCT x.fingerprint AS a, y.fingerprint AS b, x.first_line AS a_line, y.first_line AS b_line
         FROM m x JOIN m y ON x.ord = y.ord AND x.band = y.band AND x.first_line < y.first_line
        ORDER BY a, b`,
        parameters: [datasetId, maxBandGroup],
      },
      // the caller holds each chunk's texts and shingle sets (~15 kB an item): 1,000 pairs, not 5,000
      1000,
    );
    for await (const rows of chunks) yield rows.map((r) => ({ a: r.a, b: r.b, aLine: r.a_line, bLine: r.b_line }));
  }

  /** The canonical record's kind, body and first line of each item. */
  async itemTexts(
    datasetId: string,
    fingerprints: string[],
  ): Promise<Map<string, { kind: string; body: string; recordId: string; firstLine: number }>> {
    const res = await this.prisma.pool.query<{
      fingerprint: string;
      kind: string;
      body: string | null;
      rid: string;
      first_line: number;
    }>(
      // the items first, then each one's record by key: joined the other way round (when the
      // statistics do not know the data set yet) it walks every record of the data set per item
      `SELECT i.fingerprint, i.kind, r.body, i.canonical_record_id AS rid, i.first_line
         FROM items i
              CROSS JOIN LATERAL (
                SELECT data->>'body' AS body FROM exposure_records
                 WHERE dataset_id = i.dataset_id AND record_id = i.canonical_record_id LIMIT 1
              ) r
        WHERE i.dataset_id = $1 AND i.fingerprint = ANY($2::text[])`,
      [datasetId, fingerprints],
    );
    return new Map(
      res.rows.map((r) => [
        r.fingerprint,
        { kind: r.kind, body: r.body ?? '', recordId: r.rid, firstLine: r.first_line },
      ]),
    );
  }

  async firstLines(
    datasetId: string,
    fingerprints: string[],
  ): Promise<Map<string, { firstLine: number; recordId: string }>> {
    const res = await this.prisma.pool.query<{ fingerprint: string; first_line: number; rid: string }>(
      'SELECT fingerprint, first_line, canonical_record_id AS rid FROM items WHERE dataset_id = $1 AND fingerprint = ANY($2::text[])',
      [datasetId, fingerprints],
    );
    return new Map(res.rows.map((r) => [r.fingerprint, { firstLine: r.first_line, recordId: r.rid }]));
  }

  async setClusters(datasetId: string, updates: ClusterUpdate[]): Promise<void> {
    for (let i = 0; i < updates.length; i += 5000) {
      const chunk = updates.slice(i, i + 5000);
      await this.prisma.pool.query(
        `UPDATE items SET cluster_id = u.cluster_id, merge_reason = u.reason
           FROM unnest($2::text[], $3::text[], $4::text[]) AS u(fp, cluster_id, reason)
          WHERE items.dataset_id = $1 AND items.fingerprint = u.fp`,
        [datasetId, chunk.map((u) => u.fingerprint), chunk.map((u) => u.clusterId), chunk.map((u) => u.mergeReason)],
      );
    }
  }

  /** Derives the entity table from the records' key arrays. */
  async buildEntities(datasetId: string): Promise<void> {
    await this.prisma.pool.query('DELETE FROM entities WHERE dataset_id = $1', [datasetId]);
    // one pass over the records for all kinds (a pass each read the data set five times)
    await this.analytic(
      `INSERT INTO entities (dataset_id, type, key, occurrences)
       SELECT $1, e.type, e.key, count(*)
         FROM exposure_records r
              CROSS JOIN LATERAL (
                SELECT 'email', unnest(r.emails) UNION ALL
                SELECT 'person', unnest(r.person_keys) UNION ALL
                SELECT 'phone', unnest(r.phones) UNION ALL
                SELECT 'otherPhone', unnest(r.other_phones) UNION ALL
                SELECT 'file', unnest(r.file_keys) UNION ALL
                SELECT 'project', unnest(r.project_ids)
              ) AS e(type, key)
        WHERE r.dataset_id = $1
        GROUP BY e.type, e.key`,
      [datasetId],
    );
  }

  /** Unique entities of each kind (after buildEntities) and unique items (after clustering). */
  async countUnique(datasetId: string): Promise<ScopeCounts> {
    const res = await this.prisma.pool.query<{ type: string; n: string }>(
      `SELECT type, count(*)::text AS n FROM entities WHERE dataset_id = $1 GROUP BY type
       UNION ALL SELECT 'item', count(DISTINCT cluster_id)::text FROM items WHERE dataset_id = $1`,
      [datasetId],
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

  async clusterOfRecord(datasetId: string, recordId: string): Promise<string | null> {
    const res = await this.prisma.pool.query<{ cluster_id: string }>(
      `SELECT i.cluster_id FROM exposure_records r JOIN items i ON i.dataset_id = r.dataset_id AND i.fingerprint = r.fingerprint
        WHERE r.dataset_id = $1 AND r.record_id = $2`,
      [datasetId, recordId],
    );
    return res.rows[0]?.cluster_id ?? null;
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
