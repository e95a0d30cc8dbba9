import { Injectable } from '@nestjs/common';
import { NotFoundError } from '../common/errors.js';
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
}

/** Reading data sets back: the scope report, quarantined lines, warnings, and why lines were merged. */
@Injectable()
export class DatasetsService {
  constructor(private readonly repo: ExposureRepository) {}

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
    };
  }

  async quarantine(datasetId: string, skip: number, take: number) {
    await this.show(datasetId);
    return this.repo.listQuarantine(datasetId, take, skip);
  }

  /** Values dropped from accepted lines, by line: `{line, field, reason}`. */
  async warnings(datasetId: string, skip: number, take?: number) {
    await this.show(datasetId);
    return this.repo.listWarnings(datasetId, take, skip);
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
        copyOf: itemOf.get(r.fingerprint)!.canonicalRecordId === r.recordId ? null : itemOf.get(r.fingerprint)!.canonicalRecordId,
      })),
    };
  }
}
