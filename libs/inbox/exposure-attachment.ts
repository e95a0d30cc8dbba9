/**
 * A notice's attachments in Graph's serviceAnnouncementAttachment shape: the tenant's exposure view
 * as one CSV file (`attachments`), and a zip holding it (`attachmentsArchive`). Both are made on
 * request from the projected view (exposure-view.projection.ts), never from the stored one, so they
 * can hold nothing the JSON view withholds.
 */
import { createHash } from 'node:crypto';
import { stringify } from 'csv-stringify/sync';
import { zipSync } from 'fflate';
import type { ExposureView } from '../attribution/exposure-view.js';

export const CSV_CONTENT_TYPE = 'text/csv; charset=utf-8';
export const ZIP_CONTENT_TYPE = 'application/zip';

export const CSV_COLUMNS = [
  'element',
  'recordId',
  'kind',
  'dataCategories',
  'name',
  'email',
  'phone',
  'fileName',
  'sha256',
] as const;
type Row = Partial<Record<(typeof CSV_COLUMNS)[number], string>>;

/** one cell holding several categories */
export const CATEGORY_SEPARATOR = '; ';

/**
 * What a spreadsheet would run as a formula (`=`, `+`, `-`, `@`, tab, CR), and the quote itself so
 * that neutralising stays reversible: such a cell is prefixed with a `'`, which spreadsheets show
 * as text and never evaluate.
 */
const FORMULA_START = /^[=+\-@\t\r']/;

export function neutraliseCell(v: string): string {
  return FORMULA_START.test(v) ? `'${v}` : v;
}

/** The value a neutralised cell stands for. */
export function restoreCell(v: string): string {
  return v.startsWith("'") && FORMULA_START.test(v.slice(1)) ? v.slice(1) : v;
}

/** The exposure view as rows: the data categories, then each record, person and file. */
function rows(v: ExposureView): Row[] {
  return [
    { element: 'dataCategories', dataCategories: v.dataCategories.join(CATEGORY_SEPARATOR) },
    ...v.records.map((r): Row => ({
      element: 'record',
      recordId: r.recordId,
      kind: r.kind,
      dataCategories: r.dataCategories.join(CATEGORY_SEPARATOR),
    })),
    ...v.people.map((p): Row => ({ element: 'person', name: p.name, email: p.email, phone: p.phone })),
    ...v.files.map((f): Row => ({ element: 'file', fileName: f.fileName ?? undefined, sha256: f.sha256 })),
  ];
}

/** The CSV (UTF-8 with a byte-order mark, so spreadsheets read names right), every cell neutralised. */
export function exposureCsv(v: ExposureView): Buffer {
  const body = rows(v).map((r) => CSV_COLUMNS.map((c) => neutraliseCell(r[c] ?? '')));
  return Buffer.from(stringify(body, { header: true, columns: [...CSV_COLUMNS], bom: true, record_delimiter: '\r\n' }));
}

/** A zip holding the CSV under `fileName`, dated `modified`. */
export function exposureZip(fileName: string, csv: Buffer, modified: Date): Buffer {
  return Buffer.from(zipSync({ [fileName]: [new Uint8Array(csv), { mtime: modified }] }, { level: 6 }));
}

/** The file names: the message id matched /^MC\d+$/, so they need no escaping in a header. */
export const csvFileName = (messageId: string) => `${messageId}-exposure.csv`;
export const zipFileName = (messageId: string) => `${messageId}-attachments.zip`;

/** The CSV attachment's id: a GUID derived from the message id, stable across requests and processes. */
export function attachmentId(messageId: string): string {
  const h = createHash('sha256').update(`exposure.csv\n${messageId}`).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

/** Graph's serviceAnnouncementAttachment, without its content. */
export interface ServiceAnnouncementAttachment {
  id: string;
  name: string;
  contentType: string;
  size: number;
  isInline: false;
  lastModifiedDateTime: string;
}

export function describeCsv(messageId: string, csv: Buffer, lastModified: string): ServiceAnnouncementAttachment {
  return {
    id: attachmentId(messageId),
    name: csvFileName(messageId),
    contentType: CSV_CONTENT_TYPE,
    size: csv.length,
    isInline: false,
    lastModifiedDateTime: lastModified,
  };
}

/** `attachment; filename="…"` for a name made of ASCII letters, digits, `-` and `.` only. */
export function contentDisposition(fileName: string): string {
  if (!/^[A-Za-z0-9.-]{1,100}$/.test(fileName)) throw new Error('content disposition: not a safe file name');
  return `attachment; filename="${fileName}"`;
}
