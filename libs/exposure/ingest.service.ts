import { Inject, Injectable, Logger, type OnApplicationBootstrap } from '@nestjs/common';
import { createHash } from 'node:crypto';
import { pipeline, Readable, Transform } from 'node:stream';
import { APP_CONFIG, type AppConfig } from '../config/config.js';
import { Metrics } from '../observability/metrics.js';
import { ConflictError, NotFoundError } from '../common/errors.js';
import { AuditService } from '../audit/audit.service.js';
import { quiet } from '../common/quiet.js';
import { describeInputError, expansionLimitsOf } from '../common/gzip-input.js';
import { yieldToIo } from '../common/yield-to-io.js';
import { readAhead } from '../common/read-ahead.js';
import {
  DATASET_CAMPAIGNS,
  ExposureRepository,
  type ClusterUpdate,
  type DatasetCampaign,
  type DatasetCampaigns,
  type ItemRow,
  type QuarantineRow,
  type RecordRow,
  type WarningRow,
} from './exposure.repository.js';
import { decompressIfGzip, entryBatches, type InputEntry, type InputFormat } from './readers.js';
import { fingerprintLazily, normalizeRecord, type TextKeys } from './rules/normalize-record.js';
import { ClusterBuilder } from './rules/clusters.js';
import { splitMessage, foldText } from './rules/message-text.js';
import { jaccard, NEAR_DUPLICATE_JACCARD, shingles } from './rules/similarity.js';

/** How many quarantined lines a result lists (all stay in the database). */
const QUARANTINE_LIST_CAP = 10_000;
/** How many warnings a result lists (all stay in the database: `datasets warnings`). */
const WARNING_LIST_CAP = 1000;

export interface IngestProgress {
  lines: number;
  accepted: number;
  quarantined: number;
  bytes: number;
}

export interface IngestResult {
  datasetId: string;
  name: string;
  lines: number;
  accepted: number;
  /** `upload`: 0 for the file that made the data set, 1, 2, … for files added with `--into` */
  quarantined: { line: number; reason: string; upload: number }[];
  quarantinedTotal: number;
  /** values dropped from accepted lines (the first WARNING_LIST_CAP, by upload and line) */
  warnings: (WarningRow & { upload: number })[];
  warningsTotal: number;
  /** all warnings by field path, indices as `[]` (`to[]`, `people[].email`) */
  warningCounts: Record<string, number>;
  /** optional values that were `null` and so absent, by field path, indices as `[]` */
  nullValues: Record<string, number>;
  duplicates: number;
  /** true when the same file had been ingested before: nothing was added */
  alreadyIngested: boolean;
  scope: Scope;
  /** of a file added to an existing data set (`datasets ingest --into`): what this upload did */
  added?: AddedUpload;
}

/** What one file added to an existing data set did. */
export interface AddedUpload {
  /** 1 for the first file added, then 2, …; its lines are numbered from 1 in its own file */
  upload: number;
  name: string;
  lines: number;
  accepted: number;
  quarantined: number;
  /** accepted lines whose content the data set already held (or held twice in this file): copies, not new items */
  duplicates: number;
  /** quarantined lines of earlier uploads that left the quarantine: a line of this file with their recordId was accepted */
  resolved: number;
  /** quarantined lines of earlier uploads that name no recordId: nothing can tell they were corrected, so they stay */
  keptWithoutRecordId: number;
  /** campaigns of the data set that had been analyzed (or approved): sent back to draft, to be analyzed again */
  campaignsToReanalyze: { campaignId: string; was: string }[];
  /** this upload's own warnings (the first WARNING_LIST_CAP, by line; the data set's counts in the result are the sum over its uploads) */
  warnings: (WarningRow & { upload: number })[];
  warningsTotal: number;
  warningCounts: Record<string, number>;
  /** this upload's own null values */
  nullValues: Record<string, number>;
}

export interface Scope {
  lines: number;
  records: number;
  quarantined: number;
  uniqueItems: number;
  uniqueEmailAddresses: number;
  uniquePeople: number;
  uniquePhoneNumbers: number;
  /** how many of uniquePhoneNumbers are not valid (possible only, or without a country code): never evidence */
  phoneNumbersNotValid: number;
  uniqueFiles: number;
  uniqueProjects: number;
  /** records per unique item: how much counting lines would have inflated the exposure */
  duplicationFactor: number;
}

export interface IngestSource {
  stream: Readable;
  name: string;
  format: InputFormat;
  /** sha256 of the input bytes when the caller could compute it up front (a file) */
  sha256?: string;
  onProgress?: (p: IngestProgress) => void;
  /** who ingests or adds to a data set: the audit log names them (`system` when not given) */
  actor?: string;
}

/** What reading one file into a data set did. */
interface ReadOutcome {
  lines: number;
  accepted: number;
  quarantined: number;
  sha256: string;
  format: InputFormat;
  header: string | null;
}

/** How often a process ingesting a data set says it is alive. */
const HEARTBEAT_MS = 30_000;
/** A data set `ingesting` with no heartbeat for this long lost its process (ten heartbeats missed). */
export const ABANDONED_INGEST_MS = 5 * 60_000;

/** Campaign states whose decisions were made on the data set as it was, and are not launched. */
const STALE_WHEN_DATA_CHANGES = new Set<DatasetCampaign['status']>(['analyzing', 'ready', 'approved', 'failed']);

/**
 * Streams an exposure data set into PostgreSQL: validate, quarantine, normalize, fingerprint,
 * then cluster duplicates and count unique things. Memory holds one batch, not the file.
 */
@Injectable()
export class IngestService implements OnApplicationBootstrap {
  private readonly logger = new Logger('ingest');

  constructor(
    private readonly repo: ExposureRepository,
    @Inject(DATASET_CAMPAIGNS) private readonly campaigns: DatasetCampaigns,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly metrics: Metrics,
    private readonly audit: AuditService,
  ) {}

  /** At start-up (API, worker, CLI): a data set left `ingesting` by a process that died is failed, with why. */
  async onApplicationBootstrap(): Promise<void> {
    const failed = await this.failAbandonedIngests().catch((err: Error) => {
      this.logger.warn(`could not look for abandoned ingests: ${err.message}`);
      return [];
    });
    if (failed.length) this.logger.warn(`marked ${failed.length} abandoned data set(s) failed: ${failed.join(', ')}`);
  }

  /** Data sets whose ingesting process stopped renewing its heartbeat ABANDONED_INGEST_MS ago, marked failed. */
  failAbandonedIngests(): Promise<string[]> {
    return this.repo.failAbandonedIngests(
      ABANDONED_INGEST_MS,
      `the process ingesting it stopped (no heartbeat for ${ABANDONED_INGEST_MS / 60_000} minutes): ingest the file again`,
    );
  }

  /** Renews the data set's heartbeat until the returned function is called. */
  private keepAlive(datasetId: string): () => void {
    const timer = setInterval(() => void this.repo.heartbeat(datasetId).catch(() => undefined), HEARTBEAT_MS);
    timer.unref();
    return () => clearInterval(timer);
  }

  private async ingestNew(source: IngestSource): Promise<IngestResult> {
    if (source.sha256) {
      const existing = await this.repo.findDatasetBySha256(source.sha256);
      if (existing?.status === 'ready') return this.resultOf(existing.id, true);
    }
    const dataset = await this.repo.createDataset(source.name);
    const stopHeartbeat = this.keepAlive(dataset.id);
    try {
      await this.repo.createUpload(dataset.id, 0, source.name);
      const tally = new Tally();
      const read = await this.readInto(dataset.id, 0, source, tally);
      const existing = await this.repo.findDatasetBySha256(read.sha256);
      if (existing && existing.id !== dataset.id && existing.status === 'ready') {
        await this.repo.deleteDataset(dataset.id);
        return this.resultOf(existing.id, true);
      }
      await this.recordUpload(dataset.id, 0, read);
      const scope = await this.rebuild(dataset.id, read.lines, read.accepted, read.quarantined);
      await this.repo.updateDataset(dataset.id, {
        status: 'ready',
        sha256: read.sha256,
        lines: read.lines,
        accepted: read.accepted,
        quarantined: read.quarantined,
        duplicates: read.accepted - scope.uniqueItems,
        scope: { ...scope },
        nullValues: tally.nullValues.toJSON(),
        warningCounts: tally.warningCounts.toJSON(),
        completedAt: new Date(),
      });
      return this.resultOf(dataset.id, false);
    } catch (cause) {
      // the whole data set fails: one that silently lacked the tail of its file would be worse
      const err = describeInputError(cause);
      await this.repo
        .updateDataset(dataset.id, { status: 'failed', error: err.message.slice(0, 1000) })
        .catch(() => undefined);
      throw err;
    } finally {
      stopHeartbeat();
    }
  }

  /** Ingests a new data set, audited (who, the file's name, the counts; never the data), failures too. */
  async ingest(source: IngestSource): Promise<IngestResult> {
    return this.audited(source, 'dataset.ingest', null, () => this.ingestNew(source));
  }

  /** Adds a file to a data set (`--into`), audited like an ingest: see addToExisting. */
  async addTo(datasetId: string, source: IngestSource): Promise<IngestResult> {
    return this.audited(source, 'dataset.addUpload', datasetId, () => this.addToExisting(datasetId, source));
  }

  private async audited(
    source: IngestSource,
    action: string,
    datasetId: string | null,
    run: () => Promise<IngestResult>,
  ): Promise<IngestResult> {
    const actor = source.actor ?? 'system';
    let r: IngestResult;
    try {
      r = await run();
    } catch (err) {
      await this.audit
        .record({
          actor,
          action: `${action}.failed`,
          subject: datasetId,
          details: { name: source.name, format: source.format, reason: (err as Error).message.slice(0, 500) },
        })
        .catch((e: Error) => this.logger.error(`${action}.failed not audited: ${e.message}`));
      throw err;
    }
    const a = r.added;
    await this.audit.record({
      actor,
      action,
      subject: r.datasetId,
      details: {
        name: source.name,
        format: source.format,
        alreadyIngested: r.alreadyIngested,
        ...(a
          ? {
              upload: a.upload,
              lines: a.lines,
              accepted: a.accepted,
              quarantined: a.quarantined,
              duplicates: a.duplicates,
              resolved: a.resolved,
              campaignsToReanalyze: a.campaignsToReanalyze.length,
            }
          : { lines: r.lines, accepted: r.accepted, quarantined: r.quarantinedTotal, duplicates: r.duplicates }),
      },
    });
    return r;
  }

  /**
   * Adds a file of (corrected) lines to an existing data set, as its next upload: recordIds stay
   * unique across the data set, content already there counts as copies of its item, clusters,
   * entities and the scope report are brought up to date, and a quarantined line whose recordId
   * is now accepted leaves the quarantine. Campaigns analyzed on the data set as it was go back
   * to draft; a launched campaign refuses the change (its notices cannot be unposted).
   */
  private async addToExisting(datasetId: string, source: IngestSource): Promise<IngestResult> {
    const dataset = await this.repo.findDataset(datasetId);
    if (!dataset) throw new NotFoundError(`data set ${datasetId} not found`);
    if (dataset.status !== 'ready')
      throw new ConflictError(
        `data set ${datasetId} is ${dataset.status}, not ready: lines can be added to a ready data set only`,
      );
    const uploads = await this.repo.uploads(datasetId);
    if (source.sha256 && (dataset.sha256 === source.sha256 || uploads.some((u) => u.sha256 === source.sha256))) {
      return this.resultOf(datasetId, true);
    }
    const campaigns = await this.campaigns.datasetCampaigns(datasetId);
    refuseIfLaunched(datasetId, campaigns);
    const upload = Math.max(0, ...uploads.map((u) => u.upload)) + 1;
    const before = {
      accepted: dataset.accepted,
      uniqueItems: (dataset.scope as unknown as Scope | null)?.uniqueItems ?? 0,
    };
    // recorded first: a second file added at the same time fails here, not halfway through
    await this.repo.createUpload(datasetId, upload, source.name).catch((err: { code?: string }) => {
      if (err.code === 'P2002')
        throw new ConflictError(`another file is being added to data set ${datasetId}; try again when it is done`);
      throw err;
    });
    const message = `the data set changed: upload ${upload} (${source.name}) was added on ${new Date().toISOString()}; the decisions were made without it: analyze again`;
    const reset: { campaignId: string; was: string }[] = [];
    for (const c of campaigns) {
      if (!STALE_WHEN_DATA_CHANGES.has(c.status)) continue;
      if (!(await this.campaigns.campaignBackToDraft(c.id, c.status, message))) {
        refuseIfLaunched(datasetId, await this.campaigns.datasetCampaigns(datasetId));
        throw new ConflictError(`campaign ${c.id} changed while lines were being added to its data set; try again`);
      }
      reset.push({ campaignId: c.id, was: c.status });
      await this.audit.record({
        actor: source.actor ?? 'system',
        action: 'campaign.datasetChanged',
        campaignId: c.id,
        details: { datasetId, upload, from: c.status, to: 'draft' },
      });
    }
    await this.repo.updateDataset(datasetId, { status: 'ingesting', heartbeatAt: new Date() });
    const stopHeartbeat = this.keepAlive(datasetId);
    try {
      return await this.addUpload(datasetId, upload, source, dataset, before, reset);
    } catch (err) {
      // never left `ingesting`: a failure after the lines were read (rebuilding the scope, say) fails it with the reason
      await this.repo
        .failIfIngesting(datasetId, `adding upload ${upload} failed: ${(err as Error).message}`)
        .catch(() => undefined);
      throw err;
    } finally {
      stopHeartbeat();
    }
  }

  private async addUpload(
    datasetId: string,
    upload: number,
    source: IngestSource,
    dataset: NonNullable<Awaited<ReturnType<ExposureRepository['findDataset']>>>,
    before: { accepted: number; uniqueItems: number },
    reset: { campaignId: string; was: string }[],
  ): Promise<IngestResult> {
    let read: ReadOutcome;
    // this upload's null values and warnings; the data set's counts are the sum over its uploads
    const tally = new Tally();
    const counted = () => ({
      nullValues: addCounts(dataset.nullValues, tally.nullValues.toJSON()),
      warningCounts: addCounts(dataset.warningCounts, tally.warningCounts.toJSON()),
    });
    try {
      read = await this.readInto(datasetId, upload, source, tally);
    } catch (cause) {
      const err = describeInputError(cause);
      await this.keepWhatWasAdded(datasetId, upload, err, counted());
      throw err;
    }
    await this.recordUpload(datasetId, upload, read);
    const resolved = await this.repo.resolveQuarantine(datasetId, upload);
    const quarantined = await this.repo.countQuarantine(datasetId);
    // a quarantined line and the line that replaced it count once: lines = records + quarantined
    const lines = dataset.lines + read.lines - resolved;
    const accepted = dataset.accepted + read.accepted;
    const scope = await this.rebuild(datasetId, lines, accepted, quarantined);
    await this.repo.updateDataset(datasetId, {
      status: 'ready',
      error: null,
      lines,
      accepted,
      quarantined,
      duplicates: accepted - scope.uniqueItems,
      scope: { ...scope },
      ...counted(),
      completedAt: new Date(),
    });
    const result = await this.resultOf(datasetId, false);
    const warningCounts = tally.warningCounts.toJSON();
    result.added = {
      upload,
      name: source.name,
      lines: read.lines,
      accepted: read.accepted,
      quarantined: read.quarantined,
      duplicates: accepted - scope.uniqueItems - (before.accepted - before.uniqueItems),
      resolved,
      keptWithoutRecordId: await this.repo.countQuarantineWithoutRecordId(datasetId, upload),
      campaignsToReanalyze: reset,
      warnings: await this.repo.listWarnings(datasetId, WARNING_LIST_CAP, 0, upload),
      warningsTotal: sumOf(warningCounts),
      warningCounts,
      nullValues: tally.nullValues.toJSON(),
    };
    return result;
  }

  /**
   * After an upload stopped halfway (a cut connection, a corrupt gzip): the batches written are
   * whole, so the data set stays usable with what was read, brought up to date and counted from
   * the database, and says what happened. Only when that fails too is the data set failed.
   */
  private async keepWhatWasAdded(
    datasetId: string,
    upload: number,
    cause: Error,
    counts: { nullValues: Record<string, number>; warningCounts: Record<string, number> },
  ): Promise<void> {
    try {
      await this.repo.resolveQuarantine(datasetId, upload);
      const [records, quarantined] = await Promise.all([
        this.repo.countRecords(datasetId),
        this.repo.countQuarantine(datasetId),
      ]);
      const scope = await this.rebuild(datasetId, records + quarantined, records, quarantined);
      await this.repo.updateDataset(datasetId, {
        status: 'ready',
        error: `upload ${upload} stopped (${cause.message}); the lines read before it were added`.slice(0, 1000),
        lines: records + quarantined,
        accepted: records,
        quarantined,
        duplicates: records - scope.uniqueItems,
        scope: { ...scope },
        ...counts,
      });
    } catch (err) {
      await this.repo
        .updateDataset(datasetId, {
          status: 'failed',
          error: `adding upload ${upload} failed: ${(err as Error).message}`.slice(0, 1000),
        })
        .catch(() => undefined);
    }
  }

  private async recordUpload(datasetId: string, upload: number, read: ReadOutcome): Promise<void> {
    await this.repo.updateUpload(datasetId, upload, {
      format: read.format,
      header: read.header,
      sha256: read.sha256,
      lines: read.lines,
      accepted: read.accepted,
      quarantined: read.quarantined,
    });
  }

  /** Clusters, entities and the scope report of the whole data set, from what it holds now. */
  private async rebuild(datasetId: string, lines: number, records: number, quarantined: number): Promise<Scope> {
    await this.repo.refreshStatistics();
    // independent passes over the data set, on two connections: the database uses both cores
    await Promise.all([this.cluster(datasetId), this.repo.buildEntities(datasetId)]);
    const counts = await this.repo.countUnique(datasetId);
    return {
      lines,
      records,
      quarantined,
      ...counts,
      duplicationFactor: counts.uniqueItems ? round2(records / counts.uniqueItems) : 0,
    };
  }

  /** Streams one file into the data set as the given upload: records, items and quarantine. */
  private async readInto(datasetId: string, upload: number, source: IngestSource, tally: Tally): Promise<ReadOutcome> {
    const hash = createHash('sha256');
    let bytes = 0;
    // joined by pipeline: an error anywhere (a client gone, a corrupt gzip) reaches the reader
    // below, and a reader that stops destroys every stage back to the source
    const counted = pipeline(
      source.stream,
      new Transform({
        transform(chunk: Buffer, _enc, done) {
          hash.update(chunk);
          bytes += chunk.length;
          done(null, chunk);
        },
      }),
      () => undefined,
    );
    const input = await decompressIfGzip(counted, expansionLimitsOf(this.config));
    const seen: { format: InputFormat; header: string | null } = { format: source.format, header: null };
    const batches = await entryBatches(input, source.format, this.config.INGEST_MAX_LINE_BYTES, seen);

    const progress: IngestProgress = { lines: 0, accepted: 0, quarantined: 0, bytes: 0 };
    const batchSize = this.config.INGEST_BATCH_SIZE;
    // fingerprints of items already written: their copies need no text keys
    const known = new RecentSet(100_000);
    const maxRaw = this.config.INGEST_MAX_LINE_BYTES;
    let batch = new PreparedBatch(known, upload, maxRaw);
    // Three things happen at once: lines are validated, normalized and fingerprinted here while
    // the previous batch's records are copied in on one connection and the batch before that has
    // its items upserted on another. Each stage takes the batches in order, so the earliest line
    // of a recordId is the one accepted and the earliest copy of an item stays its canonical one.
    let recordsWritten: Promise<unknown> = Promise.resolve();
    let itemsWritten: Promise<void> = Promise.resolve();
    /** the items stage of the batch before the one whose records are being written */
    let itemsBefore: Promise<void> = Promise.resolve();
    const write = (b: PreparedBatch) => {
      const records = quiet(this.writeRecords(datasetId, b));
      itemsBefore = itemsWritten;
      itemsWritten = quiet(
        Promise.all([records, itemsBefore]).then(async ([inserted]) => {
          const r = await this.writeItems(datasetId, b, inserted, tally);
          progress.accepted += r.accepted;
          progress.quarantined += r.quarantined;
          this.metrics.ingested(r.accepted, r.quarantined);
          progress.bytes = bytes;
          source.onProgress?.({ ...progress });
        }),
      );
      recordsWritten = records;
    };
    // an input that fails halfway (a cut connection, a corrupt gzip) still has the lines read
    // before it written, whole batches and the last partial one, before the failure is passed on
    let inputFailure: Error | undefined;
    const read = async function* () {
      try {
        yield* batches;
      } catch (err) {
        inputFailure = describeInputError(err);
      }
    };
    try {
      for await (const entries of read()) {
        for (const entry of entries) {
          progress.lines++;
          batch.add(entry);
          if (progress.lines % YIELD_EVERY === 0) await yieldToIo();
          if (batch.size >= batchSize) {
            // at most one batch in each stage (memory holds three batches, not the file); the
            // items of the batch whose records are done may still be going in
            await Promise.all([recordsWritten, itemsBefore]);
            write(batch);
            batch = new PreparedBatch(known, upload, maxRaw);
          }
        }
      }
      if (batch.size) {
        await recordsWritten;
        write(batch);
      }
    } finally {
      // nothing is left running when this returns or throws
      await Promise.allSettled([recordsWritten, itemsWritten]);
    }
    await itemsWritten;
    if (inputFailure) throw inputFailure;

    return {
      lines: progress.lines,
      accepted: progress.accepted,
      quarantined: progress.quarantined,
      sha256: source.sha256 ?? hash.digest('hex'),
      format: seen.format,
      header: seen.header,
    };
  }

  /**
   * Writes a batch's records. COPY is the fast way in; it refuses the whole batch when a recordId
   * is already in the data set (from an earlier batch), and then the batch goes in row by row, the
   * clashes quarantined. Returns the recordIds inserted then, or null when all of them were.
   */
  private async writeRecords(datasetId: string, batch: PreparedBatch): Promise<Set<string> | null> {
    const { rows, raws, quarantine } = batch;
    if (await this.repo.copyRecords(datasetId, rows)) return null;
    const inserted = await this.repo.insertRecords(datasetId, rows);
    const clashes = rows.map((r, i) => ({ r, i })).filter(({ r }) => !inserted.has(r.recordId));
    if (clashes.length) {
      const firstLines = await this.repo.linesOfRecords(
        datasetId,
        clashes.map(({ r }) => r.recordId),
      );
      for (const { r, i } of clashes) {
        const first = firstLines.get(r.recordId);
        const where = !first ? '?' : first.upload === 0 ? `${first.line}` : `${first.line} of upload ${first.upload}`;
        quarantine.push({
          line: r.line,
          reason: `duplicate recordId ${r.recordId} (first accepted on line ${where})`,
          raw: raws[i]!.slice(0, batch.maxRaw),
        });
      }
    }
    return inserted;
  }

  /**
   * Upserts the items of a batch whose records are written (`inserted`: the rows that went in, null
   * for all) and its quarantine; returns how many lines it accepted and quarantined.
   */
  private async writeItems(
    datasetId: string,
    batch: PreparedBatch,
    inserted: Set<string> | null,
    tally: Tally,
  ): Promise<{ accepted: number; quarantined: number }> {
    const { rows, textKeys, quarantine } = batch;
    const warnings = tally.add(batch, inserted);
    const items = new Map<string, ItemRow>();
    for (let i = 0; i < rows.length; i++) {
      const r = rows[i]!;
      if (inserted && !inserted.has(r.recordId)) continue;
      const item = items.get(r.fingerprint);
      if (item) item.copies++;
      else {
        // no text keys: the item is in the database already, and an upsert only adds its copies
        const keys = textKeys[i] ?? NO_TEXT_KEYS;
        items.set(r.fingerprint, {
          fingerprint: r.fingerprint,
          kind: r.kind,
          canonicalRecordId: r.recordId,
          firstUpload: r.upload,
          firstLine: r.line,
          copies: 1,
          textFp: keys.textFp,
          quotedFp: keys.quotedFp,
          lshBands: keys.lshBands,
        });
      }
    }
    await this.repo.upsertItems(datasetId, [...items.values()]);
    // only now: a later batch may leave out the text keys of an item that is in the database
    for (const fp of items.keys()) batch.known.add(fp);
    await this.repo.insertQuarantine(datasetId, batch.upload, quarantine);
    await this.repo.insertWarnings(datasetId, batch.upload, warnings);
    return { accepted: inserted ? inserted.size : rows.length, quarantined: quarantine.length };
  }

  /**
   * Rules 2–4 of docs/deduplication.md: same text, quoted earlier message, near-duplicate text.
   * Edges go into the union-find as they are read (same text, then quotes, then near-duplicates:
   * the first edge to reach an item names why it joined), and the changed items are written a
   * chunk at a time.
   */
  private async cluster(datasetId: string): Promise<void> {
    const clusters = new ClusterBuilder();
    // The three queries run at once, on three connections, and their rows are read a chunk at a
    // time, in rule order: holding all of them at once took a million-line ingest over 1 GB.
    const sources = [
      this.repo.sameTextGroups(datasetId),
      this.repo.quotePairs(datasetId),
      this.repo.nearDuplicateCandidates(datasetId),
    ] as const;
    const sameText = readAhead(sources[0]);
    const quotes = readAhead(sources[1]);
    const candidates = readAhead(sources[2]);
    try {
      for await (const groups of sameText) {
        for (const g of groups) {
          for (let i = 1; i < g.fingerprints.length; i++) {
            clusters.add(
              g.fingerprints[0]!,
              g.firstLines[0]!,
              g.fingerprints[i]!,
              g.firstLines[i]!,
              `same text as ${g.recordIds[0]}`,
            );
          }
        }
      }
      for await (const pairs of quotes) {
        for (const q of pairs)
          clusters.add(q.original, q.originalLine, q.reply, q.replyLine, `quotes ${q.originalRecordId}`);
      }
      // the texts and shingle sets of one chunk of candidate pairs at a time (pairs come ordered by their first item)
      for await (const slice of candidates) {
        const texts = await this.repo.itemTexts(datasetId, [...new Set(slice.flatMap((c) => [c.a, c.b]))]);
        const shingleCache = new Map<string, Set<string>>();
        const shinglesOf = (fp: string) => {
          let sh = shingleCache.get(fp);
          if (!sh) {
            const t = texts.get(fp)!;
            sh = shingles(t.kind === 'email' ? splitMessage(t.body).own : foldText(t.body));
            shingleCache.set(fp, sh);
          }
          return sh;
        };
        for (const c of slice) {
          if (!texts.has(c.a) || !texts.has(c.b)) continue;
          const j = jaccard(shinglesOf(c.a), shinglesOf(c.b));
          if (j >= NEAR_DUPLICATE_JACCARD) {
            clusters.add(
              c.a,
              c.aLine,
              c.b,
              c.bLine,
              `near-duplicate of ${texts.get(c.a)!.recordId} (jaccard ${j.toFixed(2)})`,
            );
          }
        }
      }
    } finally {
      // after a failure too, no cursor stays open: each rolls back and gives its connection back
      await Promise.allSettled(sources.map((g) => g.return(undefined)));
    }
    let updates: ClusterUpdate[] = [];
    for (const a of clusters.assignments()) {
      if (a.clusterId === a.fingerprint) continue;
      updates.push({
        fingerprint: a.fingerprint,
        clusterId: a.clusterId,
        mergeReason: a.mergeReason ?? 'joined cluster',
      });
      if (updates.length >= 5000) {
        await this.repo.setClusters(datasetId, updates);
        updates = [];
      }
    }
    if (updates.length) await this.repo.setClusters(datasetId, updates);
  }

  async resultOf(datasetId: string, alreadyIngested: boolean): Promise<IngestResult> {
    const d = await this.repo.findDataset(datasetId);
    if (!d) throw new NotFoundError(`data set ${datasetId} not found`);
    const quarantined = await this.repo.listQuarantine(datasetId, QUARANTINE_LIST_CAP);
    const warnings = await this.repo.listWarnings(datasetId, WARNING_LIST_CAP);
    const warningCounts = (d.warningCounts ?? {}) as Record<string, number>;
    return {
      datasetId: d.id,
      name: d.name,
      lines: d.lines,
      accepted: d.accepted,
      quarantined: quarantined.map((q) => ({ line: q.line, reason: q.reason, upload: q.upload })),
      quarantinedTotal: d.quarantined,
      warnings,
      warningsTotal: sumOf(warningCounts),
      warningCounts,
      nullValues: (d.nullValues ?? {}) as Record<string, number>,
      duplicates: d.duplicates,
      alreadyIngested,
      scope: d.scope as unknown as Scope,
    };
  }
}

/**
 * Lines prepared between two turns of the event loop. Preparing is synchronous work; without a
 * turn now and then the COPY of the previous batch (megabytes through the socket, a buffer at a
 * time) and the replies of the database wait behind it, and both stages stall.
 */
const YIELD_EVERY = 250;

const round2 = (x: number) => Math.round(x * 100) / 100;

/**
 * One batch of input lines, validated, normalized and fingerprinted as they are added, so that
 * writing it is only database work.
 */
class PreparedBatch {
  readonly rows: RecordRow[] = [];
  /** the input line of each row, for a quarantine entry if its recordId clashes with an earlier batch */
  readonly raws: string[] = [];
  /** each row's text keys; null for a copy of an item written by an earlier batch */
  readonly textKeys: (TextKeys | null)[] = [];
  readonly quarantine: QuarantineRow[] = [];
  /** each row's dropped values and null paths; null when it had none (most rows) */
  readonly warnings: (WarningRow[] | null)[] = [];
  readonly nullValues: (string[] | null)[] = [];
  private readonly firstInBatch = new Map<string, number>();
  private readonly keysInBatch = new Map<string, TextKeys>();
  /** lines added */
  size = 0;

  /**
   * `upload`: which file of the data set the lines come from; `maxRaw`: what a quarantine keeps
   * of a line (a line that long is still read, so it can be exported whole, fixed and added back)
   */
  constructor(
    readonly known: RecentSet,
    readonly upload: number,
    readonly maxRaw: number,
  ) {}

  add(e: InputEntry): void {
    this.size++;
    if (!e.result.ok) {
      this.quarantine.push({
        line: e.line,
        reason: e.result.reason,
        raw: e.raw.slice(0, this.maxRaw),
        ...(e.recordId === undefined ? {} : { recordId: e.recordId }),
      });
      return;
    }
    const rec = e.result.record;
    const earlier = this.firstInBatch.get(rec.recordId);
    if (earlier !== undefined) {
      this.quarantine.push({
        line: e.line,
        reason: `duplicate recordId ${rec.recordId} (first accepted on line ${earlier})`,
        raw: e.raw.slice(0, this.maxRaw),
      });
      return;
    }
    this.firstInBatch.set(rec.recordId, e.line);
    const cleaning = e.result.cleaning;
    let warnings: WarningRow[] | null = cleaning?.warnings.length
      ? cleaning.warnings.map((w) => ({ line: e.line, ...w }))
      : null;
    const n = normalizeRecord(rec, {
      warn: (field, reason) => (warnings ??= []).push({ line: e.line, field, reason }),
      ...(cleaning ? { origin: cleaning.origin } : {}),
    });
    this.warnings.push(warnings);
    this.nullValues.push(cleaning?.nullValues.length ? cleaning.nullValues : null);
    const fp = fingerprintLazily(rec, n);
    let keys = this.keysInBatch.get(fp.fingerprint) ?? null;
    if (!keys && !this.known.has(fp.fingerprint)) {
      keys = fp.textKeys();
      this.keysInBatch.set(fp.fingerprint, keys);
    }
    this.textKeys.push(keys);
    this.raws.push(e.raw);
    this.rows.push({
      recordId: rec.recordId,
      upload: this.upload,
      line: e.line,
      kind: rec.kind,
      fingerprint: fp.fingerprint,
      // a line that parsed to exactly the record is stored as written (no second serialization)
      data: e.result.verbatim ? e.raw : JSON.stringify(rec),
      emails: uniqueAddresses(n.addresses),
      phones: n.phones,
      otherPhones: n.otherPhones,
      personKeys: n.people.map((p) => p.key),
      fileKeys: n.files.map((f) => f.key),
      projectIds: n.projectIds,
      tenantIds: n.tenantIds,
      companies: n.companies,
    });
  }
}

/** Counts by field path over the whole ingest: a handful of keys, whatever the input's size. */
class PathCounts extends Map<string, number> {
  bump(path: string): void {
    this.set(path, (this.get(path) ?? 0) + 1);
  }

  toJSON(): Record<string, number> {
    return Object.fromEntries([...this.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
  }
}

/** A field with its indices as `[]`: `people[3].email` → `people[].email`. */
const fieldPath = (field: string) => field.replace(/\[\d+\]/g, '[]');

/** Null values and warnings of the lines that went in (a line whose recordId clashed did not). */
class Tally {
  readonly nullValues = new PathCounts();
  readonly warningCounts = new PathCounts();

  /** Counts a written batch's rows and returns their warnings. */
  add(batch: PreparedBatch, inserted: Set<string> | null): WarningRow[] {
    const out: WarningRow[] = [];
    for (let i = 0; i < batch.rows.length; i++) {
      const ws = batch.warnings[i];
      const nulls = batch.nullValues[i];
      if (!ws && !nulls) continue;
      if (inserted && !inserted.has(batch.rows[i]!.recordId)) continue;
      for (const p of nulls ?? []) this.nullValues.bump(p);
      for (const w of ws ?? []) {
        this.warningCounts.bump(fieldPath(w.field));
        out.push(w);
      }
    }
    return out;
  }
}

/** Counts by path of two uploads added up (a data set's counts are the sum over its uploads). */
function addCounts(stored: unknown, more: Record<string, number>): Record<string, number> {
  const out = new PathCounts(Object.entries((stored ?? {}) as Record<string, number>));
  for (const [path, n] of Object.entries(more)) out.set(path, (out.get(path) ?? 0) + n);
  return out.toJSON();
}

const sumOf = (counts: Record<string, number>) => Object.values(counts).reduce((a, b) => a + b, 0);

const NO_TEXT_KEYS: TextKeys = { textFp: null, quotedFp: null, lshBands: [] };

/** A set that remembers at least the last `max` keys added, and at most twice that many. */
class RecentSet {
  private young = new Set<string>();
  private old = new Set<string>();
  constructor(private readonly max: number) {}

  has(key: string): boolean {
    return this.young.has(key) || this.old.has(key);
  }

  add(key: string): void {
    if (this.young.size >= this.max) {
      this.old = this.young;
      this.young = new Set();
    }
    this.young.add(key);
  }
}

function uniqueAddresses(addresses: { address: string }[]): string[] {
  if (addresses.length < 2) return addresses.map((a) => a.address);
  return [...new Set(addresses.map((a) => a.address))];
}

/** A launched campaign's notices cannot be unposted: the data set it told of stays as it was. */
function refuseIfLaunched(datasetId: string, campaigns: DatasetCampaign[]): void {
  const launched = campaigns.filter(
    (c) => c.startedAt !== null || c.status === 'sending' || c.status === 'paused' || c.status === 'completed',
  );
  if (!launched.length) return;
  throw new ConflictError(
    `data set ${datasetId} has a launched campaign (${launched.map((c) => `${c.id}: ${c.status}`).join(', ')}): its notices were posted and cannot be unposted, ` +
      'so its data set stays as it was. Ingest the complete corrected data as a new data set (datasets ingest FILE) and start a new campaign on it',
  );
}
