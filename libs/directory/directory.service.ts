import { Inject, Injectable } from '@nestjs/common';
import type { Readable } from 'node:stream';
import { BadInputError, NotFoundError } from '../common/errors.js';
import { APP_CONFIG, type AppConfig } from '../config/config.js';
import { AuditService } from '../audit/audit.service.js';
import {
  DirectoryRepository,
  type TenantRecord,
  type TenantSummary,
  type TenantWrite,
} from './directory.repository.js';
import { csvDirectoryEntries, type DirectoryEntry, type LineWarning } from './tenant-csv.js';
import { parseTenantLine } from './tenant-line.js';
import { GUID } from '../common/guid.js';

export interface ImportResult {
  /** tenants that were new */
  imported: number;
  /** tenants that existed and were replaced by their line */
  updated: number;
  /** lines that identify no tenant (no valid tenantId, no name, not a JSON object) */
  rejected: { line: number; reason: string }[];
  /** values dropped (or replaced by a default) from imported tenants, by line and field */
  warnings: LineWarning[];
  /**
   * domains the line's tenant lists that another tenant verified first: imported as a claim;
   * the domain identifies nobody until a re-import settles it (`tenants conflicts`)
   */
  conflicts: ImportConflict[];
}

/** A line whose tenant claims a domain that another tenant verified first. */

export interface ImportConflict {
  line: number;
  domain: string;
  /** every tenant claiming the domain, the first to verify it first */
  tenantIds: string[];
}

/** An open domain conflict (API and CLI). */
export interface DomainConflictView {
  domain: string;
  /** when the first claim was recorded */
  since: string;
  /** the first to verify it first */
  claimants: { tenantId: string; name: string }[];
}

/** JSON view of one tenant (API and CLI). */
export interface TenantView {
  tenantId: string;
  name: string;
  aliases: string[];
  domains: string[];
  phones: string[];
  contacts: { email: string; name: string | null; roles: string[]; locale: string }[];
  /** domains this tenant lists (verified first or claimed) that another tenant claims too: they identify nobody */
  conflictedDomains?: string[];
  createdAt: string;
  updatedAt: string;
}

export interface TenantListView {
  total: number;
  skip: number;
  take: number;
  tenants: (Omit<TenantView, 'contacts'> & { contacts: number })[];
}

/** Who imports a directory, and from which file: the audit log records both. */
export interface ImportSource {
  actor: string;
  /** the file's name as the operator gave it */
  name: string;
}

const SYSTEM_IMPORT: ImportSource = { actor: 'system', name: '(unnamed)' };

/** A longer line is rejected unread; readers cut lines here (readLines maxLineLength). */
export const MAX_TENANT_LINE = 1_048_576;
const BATCH_SIZE = 500;
/** Big lines make a batch flush early, so a batch stays well under this many characters of input. */
const BATCH_CHARS = 16 * 1024 * 1024;
export const MAX_PAGE = 1000;

type Pending = Extract<DirectoryEntry, { ok: true }>;

/** The tenant directory: import (JSONL and CSV, docs/directory.md) and lookups. */
@Injectable()
export class DirectoryService {
  private readonly operatorDomains: readonly string[];

  constructor(
    private readonly repo: DirectoryRepository,
    @Inject(APP_CONFIG) config: Pick<AppConfig, 'OPERATOR_DOMAINS'>,
    private readonly audit: AuditService,
  ) {
    this.operatorDomains = config.OPERATOR_DOMAINS;
  }

  /**
   * Imports directory lines (already decompressed and split; numbering is physical, 1-based,
   * blank lines skipped). A later line of the same tenant replaces the earlier one.
   */
  importTenants(lines: AsyncIterable<string>, source: ImportSource = SYSTEM_IMPORT): Promise<ImportResult> {
    return this.audited({ ...source, format: 'jsonl' }, () => this.importEntries(this.jsonlEntries(lines)));
  }

  /** Imports a CSV directory (already decompressed): see csvDirectoryEntries. */
  importTenantsCsv(input: Readable, source: ImportSource = SYSTEM_IMPORT): Promise<ImportResult> {
    return this.audited({ ...source, format: 'csv' }, () =>
      this.importEntries(csvDirectoryEntries(input, { operatorDomains: this.operatorDomains })),
    );
  }

  /** Every import is audited: who, the file's name, the counts (never the tenants' data); a failed one too. */
  private async audited(
    source: ImportSource & { format: 'jsonl' | 'csv' },
    run: () => Promise<ImportResult>,
  ): Promise<ImportResult> {
    const subject = source.name.slice(0, 200);
    let r: ImportResult;
    try {
      r = await run();
    } catch (err) {
      await this.audit
        .record({
          actor: source.actor,
          action: 'tenants.import.failed',
          subject,
          details: { format: source.format, reason: (err as Error).message.slice(0, 500) },
        })
        .catch(() => undefined);
      throw err;
    }
    await this.audit.record({
      actor: source.actor,
      action: 'tenants.import',
      subject,
      details: {
        format: source.format,
        imported: r.imported,
        updated: r.updated,
        rejected: r.rejected.length,
        warnings: r.warnings.length,
        conflicts: r.conflicts.length,
      },
    });
    return r;
  }

  private async *jsonlEntries(lines: AsyncIterable<string>): AsyncGenerator<DirectoryEntry> {
    let lineNo = 0;
    for await (const raw of lines) {
      lineNo++;
      if (raw.trim() === '') continue;
      if (raw.length > MAX_TENANT_LINE) {
        yield { line: lineNo, ok: false, reason: `line longer than ${MAX_TENANT_LINE} characters` };
        continue;
      }
      const parsed = parseTenantLine(raw, { operatorDomains: this.operatorDomains });
      const line = lineNo;
      yield parsed.ok
        ? {
            line,
            ok: true,
            tenant: parsed.tenant,
            warnings: parsed.warnings.map((w) => ({ line, ...w })),
            additive: false,
            size: raw.length,
          }
        : { line, ok: false, reason: parsed.reason };
    }
  }

  /**
   * Writes the tenants in batches of at most 500 (fewer when lines are large), one transaction
   * each, so memory does not grow with the input. A domain another tenant verified first (in
   * the database or on an earlier line) is imported as a claim and reported as a conflict.
   */
  private async importEntries(entries: AsyncIterable<DirectoryEntry>): Promise<ImportResult> {
    const result: ImportResult = { imported: 0, updated: 0, rejected: [], warnings: [], conflicts: [] };
    let batch: Pending[] = [];
    const inBatch = new Set<string>();
    let batchChars = 0;
    const flush = async () => {
      await this.flush(batch, result);
      batch = [];
      inBatch.clear();
      batchChars = 0;
    };
    for await (const entry of entries) {
      if (!entry.ok) {
        result.rejected.push({ line: entry.line, reason: entry.reason });
        continue;
      }
      result.warnings.push(...entry.warnings);
      // The same tenant again: the earlier entry must be written first, the later one wins (or adds).
      if (inBatch.has(entry.tenant.id)) await flush();
      batch.push(entry);
      inBatch.add(entry.tenant.id);
      batchChars += entry.size;
      if (batch.length >= BATCH_SIZE || batchChars >= BATCH_CHARS) await flush();
    }
    await flush();
    const byLine = (a: { line: number }, b: { line: number }) => a.line - b.line;
    result.rejected.sort(byLine);
    result.warnings.sort(byLine);
    result.conflicts.sort(byLine);
    return result;
  }

  private async flush(batch: Pending[], result: ImportResult): Promise<void> {
    if (batch.length === 0) return;
    const writes: TenantWrite[] = batch.map((p) => ({ tenant: p.tenant, additive: p.additive }));
    const { written, conflicts } = await this.repo.writeTenants(writes);
    const additive = new Set(batch.filter((p) => p.additive).map((p) => p.tenant.id));
    for (const w of written) {
      // an additive entry adds to a tenant this import already counted
      if (additive.has(w.id)) continue;
      if (w.created) result.imported++;
      else result.updated++;
    }
    if (conflicts.length === 0) return;
    const byDomain = new Map(conflicts.map((c) => [c.domain, c.tenantIds]));
    for (const p of batch) {
      for (const d of p.tenant.domains) {
        const tenantIds = byDomain.get(d);
        // the line of a tenant claiming a domain that another verified first
        if (tenantIds && tenantIds.indexOf(p.tenant.id) > 0)
          result.conflicts.push({ line: p.line, domain: d, tenantIds });
      }
    }
  }

  /** Open domain conflicts, by domain. */
  async listConflicts(): Promise<DomainConflictView[]> {
    const rows = await this.repo.listConflicts();
    return rows.map((r) => ({ domain: r.domain, since: new Date(r.since).toISOString(), claimants: r.claimants }));
  }

  async getTenant(id: string): Promise<TenantView> {
    if (typeof id !== 'string' || !GUID.test(id.trim())) throw new BadInputError('tenantId must be a GUID');
    const t = await this.repo.getTenant(id.trim().toLowerCase());
    if (!t) throw new NotFoundError('tenant not found');
    return toView(t);
  }

  async listTenants(page: { skip?: number; take?: number } = {}): Promise<TenantListView> {
    const skip = page.skip ?? 0;
    const take = page.take ?? 100;
    if (!Number.isInteger(skip) || skip < 0) throw new BadInputError('skip must be a whole number, 0 or more');
    if (!Number.isInteger(take) || take < 1 || take > MAX_PAGE)
      throw new BadInputError(`take must be a whole number from 1 to ${MAX_PAGE}`);
    const { total, tenants } = await this.repo.listTenants(skip, take);
    return { total, skip, take, tenants: tenants.map(toSummaryView) };
  }
}

function toView(t: TenantRecord): TenantView {
  return {
    tenantId: t.id,
    name: t.name,
    aliases: t.aliases,
    domains: t.domains,
    phones: t.phones,
    contacts: t.contacts,
    conflictedDomains: t.conflictedDomains ?? [],
    createdAt: t.createdAt.toISOString(),
    updatedAt: t.updatedAt.toISOString(),
  };
}

function toSummaryView(t: TenantSummary): TenantListView['tenants'][number] {
  return {
    tenantId: t.id,
    name: t.name,
    aliases: t.aliases,
    domains: t.domains,
    phones: t.phones,
    contacts: t.contacts,
    createdAt: t.createdAt.toISOString(),
    updatedAt: t.updatedAt.toISOString(),
  };
}
