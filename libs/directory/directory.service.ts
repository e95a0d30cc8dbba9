import { Inject, Injectable } from '@nestjs/common';
import { BadInputError, NotFoundError } from '../common/errors.js';
import { APP_CONFIG, type AppConfig } from '../config/config.js';
import { DirectoryRepository, DomainTakenError, type TenantRecord, type TenantSummary } from './directory.repository.js';
import { GUID, parseTenantLine, type TenantInput } from './tenant-line.js';

export interface ImportResult {
  /** tenants that were new */
  imported: number;
  /** tenants that existed and were replaced by their line */
  updated: number;
  rejected: { line: number; reason: string }[];
}

/** JSON view of one tenant (API and CLI). */
export interface TenantView {
  tenantId: string;
  name: string;
  aliases: string[];
  domains: string[];
  phones: string[];
  contacts: { email: string; name: string | null; roles: string[]; locale: string }[];
  createdAt: string;
  updatedAt: string;
}

export interface TenantListView {
  total: number;
  skip: number;
  take: number;
  tenants: (Omit<TenantView, 'contacts'> & { contacts: number })[];
}

/** A longer line is rejected unread; readers cut lines here (readLines maxLineLength). */
export const MAX_TENANT_LINE = 1_048_576;
const BATCH_SIZE = 500;
/** Big lines make a batch flush early, so a batch stays well under this many characters of input. */
const BATCH_CHARS = 16 * 1024 * 1024;
export const MAX_PAGE = 1000;

interface Pending {
  line: number;
  tenant: TenantInput;
}

/** The tenant directory: import (CONTRACTS.md §1) and lookups. */
@Injectable()
export class DirectoryService {
  private readonly operatorDomains: readonly string[];

  constructor(
    private readonly repo: DirectoryRepository,
    @Inject(APP_CONFIG) config: Pick<AppConfig, 'OPERATOR_DOMAINS'>,
  ) {
    this.operatorDomains = config.OPERATOR_DOMAINS;
  }

  /**
   * Imports directory lines (already decompressed and split; numbering is physical, 1-based,
   * blank lines skipped). Each line is all or nothing. A domain verified by another tenant, in
   * the database or on an earlier line of this input, rejects the line that claims it. Lines are
   * written in batches of at most 500 (fewer when lines are large), one transaction each, so
   * memory does not grow with the input.
   */
  async importTenants(lines: AsyncIterable<string>): Promise<ImportResult> {
    const result: ImportResult = { imported: 0, updated: 0, rejected: [] };
    let batch: Pending[] = [];
    const inBatch = new Set<string>();
    let batchChars = 0;
    let lineNo = 0;
    for await (const raw of lines) {
      lineNo++;
      if (raw.trim() === '') continue;
      if (raw.length > MAX_TENANT_LINE) {
        result.rejected.push({ line: lineNo, reason: `line longer than ${MAX_TENANT_LINE} characters` });
        continue;
      }
      const parsed = parseTenantLine(raw, { operatorDomains: this.operatorDomains });
      if (!parsed.ok) {
        result.rejected.push({ line: lineNo, reason: parsed.reason });
        continue;
      }
      // The same tenant again: the earlier line must be written first, the later one wins.
      if (inBatch.has(parsed.tenant.id)) {
        await this.flush(batch, result);
        batch = [];
        inBatch.clear();
        batchChars = 0;
      }
      batch.push({ line: lineNo, tenant: parsed.tenant });
      inBatch.add(parsed.tenant.id);
      batchChars += raw.length;
      if (batch.length >= BATCH_SIZE || batchChars >= BATCH_CHARS) {
        await this.flush(batch, result);
        batch = [];
        inBatch.clear();
        batchChars = 0;
      }
    }
    await this.flush(batch, result);
    result.rejected.sort((a, b) => a.line - b.line);
    return result;
  }

  private async flush(batch: Pending[], result: ImportResult): Promise<void> {
    if (batch.length === 0) return;
    const owners = await this.repo.findDomainOwners([...new Set(batch.flatMap((p) => p.tenant.domains))]);
    // Walk the batch in line order: an earlier accepted line's domains are taken, and an earlier
    // accepted re-import of a tenant gives up the domains it no longer lists.
    const claimed = new Map<string, string>();
    const accepted: Pending[] = [];
    const acceptedIds = new Set<string>();
    for (const p of batch) {
      const taken = p.tenant.domains.find((d) => {
        const claimant = claimed.get(d);
        if (claimant !== undefined) return claimant !== p.tenant.id;
        const owner = owners.get(d);
        return owner !== undefined && owner !== p.tenant.id && !acceptedIds.has(owner);
      });
      if (taken !== undefined) {
        result.rejected.push({ line: p.line, reason: domainTaken(taken) });
        continue;
      }
      for (const d of p.tenant.domains) claimed.set(d, p.tenant.id);
      accepted.push(p);
      acceptedIds.add(p.tenant.id);
    }
    try {
      this.count(await this.repo.writeTenants(accepted.map((p) => p.tenant)), result);
    } catch (err) {
      if (!(err instanceof DomainTakenError)) throw err;
      // Another import verified one of these domains since we looked: find the line(s) one by one.
      for (const p of accepted) {
        try {
          this.count(await this.repo.writeTenants([p.tenant]), result);
        } catch (e) {
          if (!(e instanceof DomainTakenError)) throw e;
          const now = await this.repo.findDomainOwners(p.tenant.domains);
          const taken = p.tenant.domains.find((d) => now.has(d) && now.get(d) !== p.tenant.id);
          result.rejected.push({ line: p.line, reason: taken ? domainTaken(taken) : 'a domain is already verified by another tenant' });
        }
      }
    }
  }

  private count(written: { created: boolean }[], result: ImportResult): void {
    for (const w of written) {
      if (w.created) result.imported++;
      else result.updated++;
    }
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
    if (!Number.isInteger(take) || take < 1 || take > MAX_PAGE) throw new BadInputError(`take must be a whole number from 1 to ${MAX_PAGE}`);
    const { total, tenants } = await this.repo.listTenants(skip, take);
    return { total, skip, take, tenants: tenants.map(toSummaryView) };
  }
}

/** Names the domain, never the tenant that holds it. */
const domainTaken = (d: string) => `domain ${d} is already verified by another tenant`;

function toView(t: TenantRecord): TenantView {
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
