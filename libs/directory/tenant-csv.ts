import type { Readable } from 'node:stream';
import { csvColumnMatcher, csvRows, type CsvRow } from '../common/csv-rows.js';
import { LIMITS, parseTenantObject, type TenantInput, type TenantLineOptions } from './tenant-line.js';

/** A warning with the input line it is about. */
export interface LineWarning {
  line: number;
  field: string;
  reason: string;
}

/**
 * One tenant read from the directory input, or a line that could not be one. `additive`: the
 * tenant was already imported from earlier lines of this input, and this adds to it.
 */
export type DirectoryEntry =
  | { line: number; ok: false; reason: string }
  | { line: number; ok: true; tenant: TenantInput; warnings: LineWarning[]; additive: boolean; size: number };

export const CSV_COLUMNS = [
  'tenantId',
  'name',
  'domains',
  'contactEmail',
  'contactName',
  'contactRoles',
  'contactLocale',
  'aliases',
  'phones',
] as const;

/** A header cell as a column name: known columns matched whatever their case or spacing (`ContactEmail`, ` domains `). */
const directoryColumnName = csvColumnMatcher(CSV_COLUMNS);

/** Domains and roles hold no spaces or commas; phones hold spaces; aliases spaces and commas. */
const SPLIT = {
  domains: /[;,\s]+/,
  contactRoles: /[;,\s]+/,
  phones: /[;,\r\n]+/,
  aliases: /[;\r\n]+/,
} as const;

const cells = (v: string | undefined, column: keyof typeof SPLIT): string[] | undefined => {
  if (v === undefined || v.trim() === '') return undefined;
  return v
    .split(SPLIT[column])
    .map((x) => x.trim())
    .filter((x) => x !== '');
};
const cell = (v: string | undefined): string | undefined => (v === undefined || v.trim() === '' ? undefined : v);

/** A directory row as the object a JSONL line would hold (one contact at most). */
export function csvRowToTenant(row: Record<string, string>): Record<string, unknown> {
  const o: Record<string, unknown> = { tenantId: row.tenantId ?? null, name: row.name ?? null };
  const domains = cells(row.domains, 'domains');
  if (domains) o.domains = domains;
  const aliases = cells(row.aliases, 'aliases');
  if (aliases) o.aliases = aliases;
  const phones = cells(row.phones, 'phones');
  if (phones) o.phones = phones;
  const email = cell(row.contactEmail);
  if (email !== undefined) {
    o.contacts = [
      {
        email,
        name: cell(row.contactName) ?? null,
        roles: cells(row.contactRoles, 'contactRoles') ?? null,
        locale: cell(row.contactLocale) ?? null,
      },
    ];
  } else if (cell(row.contactName) || cell(row.contactRoles) || cell(row.contactLocale)) {
    o.contacts = [{ email: null }];
  }
  return o;
}

/** The CSV column a field path of parseTenantObject came from. */
export function csvColumnOf(field: string): string {
  if (field.startsWith('contacts')) {
    const m = /^contacts\[\d+\]\.(email|name|roles|locale)/.exec(field);
    const part = m?.[1] ?? 'email';
    return `contact${part[0]!.toUpperCase()}${part.slice(1)}`;
  }
  return field.replace(/\[.*$/, '');
}

interface Group {
  line: number;
  tenant: TenantInput;
  warnings: LineWarning[];
  size: number;
}

/**
 * The tenants of a CSV directory (header row; see csvRows for BOM, `;` and quoted line breaks).
 * Rows of one tenant that follow each other are merged: later rows add contacts, domains,
 * aliases and phones. A tenant whose rows come apart is still one tenant: its later rows come as
 * additive entries. Only tenant ids are remembered across the input, never its rows.
 */
export async function* csvDirectoryEntries(
  input: Readable,
  options: TenantLineOptions = {},
): AsyncGenerator<DirectoryEntry> {
  const imported = new Set<string>();
  let group: Group | undefined;

  const emit = (g: Group): DirectoryEntry => {
    const additive = imported.has(g.tenant.id);
    if (g.tenant.name === '' && !additive) return { line: g.line, ok: false, reason: 'name: required' };
    imported.add(g.tenant.id);
    return { line: g.line, ok: true, tenant: g.tenant, warnings: g.warnings, additive, size: g.size };
  };

  for await (const row of csvRows(input, { columnName: directoryColumnName }) as AsyncIterable<CsvRow>) {
    // A row short of trailing cells (a spreadsheet leaves empty ones out) or with extra ones still
    // names its tenant: the cells it has are read, and the operator is told.
    if (row.error !== undefined && !row.columnCountDiffers) {
      yield { line: row.line, ok: false, reason: row.error };
      continue;
    }
    const parsed = parseTenantObject(csvRowToTenant(row.record), { ...options, nameOptional: true });
    if (!parsed.ok) {
      yield { line: row.line, ok: false, reason: parsed.reason.replace(/^[^:]+/, (f) => csvColumnOf(f)) };
      continue;
    }
    const warnings = parsed.warnings.map((w) => ({ line: row.line, field: csvColumnOf(w.field), reason: w.reason }));
    if (row.columnCountDiffers)
      warnings.unshift({
        line: row.line,
        field: 'row',
        reason: 'a different number of cells than the header has columns; the cells present were read',
      });
    if (group && group.tenant.id === parsed.tenant.id) {
      merge(group, parsed.tenant, row.line, warnings);
      group.size += row.raw.length;
      continue;
    }
    if (group) yield emit(group);
    group = { line: row.line, tenant: parsed.tenant, warnings, size: row.raw.length };
  }
  if (group) yield emit(group);
}

function merge(g: Group, t: TenantInput, line: number, warnings: LineWarning[]): void {
  const into = g.tenant;
  g.warnings.push(...warnings);
  if (into.name === '') into.name = t.name;
  const add = (xs: string[], ys: string[], limit: number, field: string) => {
    for (const y of ys) {
      if (xs.includes(y)) continue;
      if (xs.length >= limit) {
        g.warnings.push({ line, field, reason: `more than ${limit} entries for this tenant; dropped` });
        return;
      }
      xs.push(y);
    }
  };
  add(
    into.aliases,
    t.aliases.filter((a) => a !== into.name),
    LIMITS.aliases,
    'aliases',
  );
  add(into.domains, t.domains, LIMITS.domains, 'domains');
  add(into.phones, t.phones, LIMITS.phones, 'phones');
  for (const c of t.contacts) {
    const seen = into.contacts.find((x) => x.email === c.email);
    if (seen) {
      seen.roles = [...new Set([...seen.roles, ...c.roles])];
      seen.name ??= c.name;
    } else if (into.contacts.length >= LIMITS.contacts) {
      g.warnings.push({
        line,
        field: 'contactEmail',
        reason: `more than ${LIMITS.contacts} contacts for this tenant; dropped`,
      });
    } else {
      into.contacts.push(c);
    }
  }
}
