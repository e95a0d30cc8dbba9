import { Injectable } from '@nestjs/common';
import { BadInputError, NotFoundError } from '../common/errors.js';
import { AuditService } from '../audit/audit.service.js';
import { ExposureRepository } from './exposure.repository.js';
import type { Scope } from './ingest.service.js';

export interface DatasetSummary {
  datasetId: string;
  name: string;
  status: string;
  lines: number;
  accepted: number;
  quarantined: number;
  duplicates: number;
  scope: Scope | null;
  /** optional values that were `null` (treated as absent), by field path with `[]` for indices */
  nullValues: Record<string, number>;
  /** values dropped from accepted lines with a warning, by field path with `[]` for indices */
  warningCounts: Record<string, number>;
  createdAt: string;
  completedAt: string | null;
  /** the files read into it: upload 0 made it, 1, 2, … were added with `--into` (lines numbered per upload) */
  uploads?: {
    upload: number;
    name: string;
    format: string;
    lines: number;
    accepted: number;
    quarantined: number;
    createdAt: string;
  }[];
  /** why the last upload stopped, when it did */
  error?: string;
}

export interface QuarantineExport {
  format: 'jsonl' | 'csv';
  contentType: string;
  /** the file's text, a page of lines at a time */
  lines: AsyncGenerator<string>;
  /** filled in as `lines` is read */
  counts: { exported: number; skipped: number };
}

/** Reading data sets back: the scope report, quarantined lines, warnings, and why lines were merged. */
@Injectable()
export class DatasetsService {
  constructor(
    private readonly repo: ExposureRepository,
    private readonly audit: AuditService,
  ) {}

  async show(datasetId: string): Promise<DatasetSummary> {
    const d = await this.repo.findDataset(datasetId);
    if (!d) throw new NotFoundError(`data set ${datasetId} not found`);
    return {
      datasetId: d.id,
      name: d.name,
      status: d.status,
      lines: d.lines,
      accepted: d.accepted,
      quarantined: d.quarantined,
      duplicates: d.duplicates,
      scope: (d.scope as unknown as Scope | null) ?? null,
      nullValues: (d.nullValues ?? {}) as Record<string, number>,
      warningCounts: (d.warningCounts ?? {}) as Record<string, number>,
      createdAt: d.createdAt.toISOString(),
      completedAt: d.completedAt?.toISOString() ?? null,
      uploads: (await this.repo.uploadSummaries(datasetId)).map((u) => ({
        ...u,
        createdAt: u.createdAt.toISOString(),
      })),
      ...(d.error ? { error: d.error } : {}),
    };
  }

  /** Data sets, newest first, with their status and counts (the scope report is in `show`). */
  async list(skip: number, take: number) {
    const rows = await this.repo.listDatasets(skip, take);
    return {
      skip,
      take,
      datasets: rows.map((d) => ({
        datasetId: d.id,
        name: d.name,
        status: d.status,
        lines: d.lines,
        accepted: d.accepted,
        quarantined: d.quarantined,
        duplicates: d.duplicates,
        createdAt: d.createdAt,
        completedAt: d.completedAt,
      })),
    };
  }

  async quarantine(datasetId: string, skip: number, take: number, upload?: number) {
    await this.show(datasetId);
    return this.repo.listQuarantine(datasetId, take, skip, upload);
  }

  /**
   * The quarantined lines as they were read, to be fixed in an editor and added back with
   * `datasets ingest FILE --into`: JSON lines one per line (an element of a JSON array that
   * spanned lines on one line), or for CSV input a CSV file with the upload's header, then the
   * rows. Streamed a page at a time. Uploads of different formats (or CSV headers) are exported
   * one at a time. Lines with nothing to export (a CSV row the parser could not read, the note
   * that an array was not closed) are counted in `skipped`. The export is audited when its
   * stream ends (read to the end or cut off: `complete` says which), with its counts.
   */
  async exportQuarantine(datasetId: string, upload: number | undefined, actor: string): Promise<QuarantineExport> {
    await this.show(datasetId);
    const uploads = await this.repo.uploads(datasetId);
    const quarantined = upload === undefined ? await this.repo.quarantinedUploads(datasetId) : [upload];
    if (upload !== undefined && upload > 0 && !uploads.some((u) => u.upload === upload)) {
      throw new NotFoundError(`data set ${datasetId} has no upload ${upload}`);
    }
    // data sets ingested before uploads were recorded were read as JSON lines or CSV without a header kept
    const shapes = quarantined.map((n) => {
      const u = uploads.find((x) => x.upload === n);
      return { upload: n, csv: u?.format === 'csv', header: u?.header ?? null };
    });
    const csv = shapes.some((x) => x.csv);
    const header = shapes.find((x) => x.csv)?.header ?? null;
    if (shapes.some((x) => x.csv !== csv || (csv && x.header !== header))) {
      throw new BadInputError(
        `the quarantine holds lines of uploads in different formats (${shapes.map((x) => `${x.upload}: ${x.csv ? 'csv' : 'json'}`).join(', ')}): export one upload at a time (--upload N, or upload=N)`,
      );
    }
    const repo = this.repo;
    const audit = this.audit;
    const counts = { exported: 0, skipped: 0 };
    async function* lines(): AsyncGenerator<string> {
      let complete = false;
      try {
        if (csv && header !== null) yield `${header}\n`;
        for await (const page of repo.quarantineRaws(datasetId, upload)) {
          let out = '';
          for (const q of page) {
            if (q.raw.trim() === '') {
              counts.skipped++;
              continue;
            }
            counts.exported++;
            // a JSON element that spanned lines: line breaks outside strings are only spacing
            out += `${csv ? q.raw : q.raw.replace(/\r?\n|\r/g, ' ')}\n`;
          }
          if (out) yield out;
        }
        complete = true;
      } finally {
        await audit.record({
          actor,
          action: 'dataset.quarantineExport',
          subject: datasetId,
          details: { upload: upload ?? null, format: csv ? 'csv' : 'jsonl', ...counts, complete },
        });
      }
    }
    if (csv && header === null)
      throw new BadInputError(
        `the CSV header of data set ${datasetId} was not kept (ingested before it was): its quarantine can be listed, not exported`,
      );
    return {
      format: csv ? 'csv' : 'jsonl',
      contentType: csv ? 'text/csv; charset=utf-8' : 'application/x-ndjson; charset=utf-8',
      lines: lines(),
      counts,
    };
  }

  /** Values dropped from accepted lines, by upload and line: `{upload, line, field, reason}`; `upload` keeps one upload. */
  async warnings(datasetId: string, skip: number, take?: number, upload?: number) {
    await this.show(datasetId);
    return this.repo.listWarnings(datasetId, take, skip, upload);
  }

  /** The cluster a record belongs to, with every item and record in it and why each joined. */
  async clusterOfRecord(datasetId: string, recordId: string) {
    const clusterId = await this.repo.clusterOfRecord(datasetId, recordId);
    if (!clusterId) throw new NotFoundError(`record ${recordId} not found in data set ${datasetId}`);
    const { items, records } = await this.repo.cluster(datasetId, clusterId);
    const itemOf = new Map(items.map((i) => [i.fingerprint, i]));
    return {
      clusterId,
      items: items.map((i) => ({
        canonicalRecordId: i.canonicalRecordId,
        firstLine: i.firstLine,
        copies: i.copies,
        joinedBecause: i.mergeReason ?? 'first of its cluster',
      })),
      records: records.map((r) => ({
        recordId: r.recordId,
        line: r.line,
        copyOf:
          itemOf.get(r.fingerprint)!.canonicalRecordId === r.recordId
            ? null
            : itemOf.get(r.fingerprint)!.canonicalRecordId,
      })),
    };
  }
}
