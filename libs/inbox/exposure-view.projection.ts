import type {
  ExposureView,
  ExposureViewFile,
  ExposureViewPerson,
  ExposureViewRecord,
} from '../attribution/exposure-view.js';
import type { DataCategory } from '../attribution/attribution.types.js';

const str = (v: unknown): v is string => typeof v === 'string';
const strings = (v: unknown): string[] => (Array.isArray(v) ? v.filter(str) : []);
const list = (v: unknown): Record<string, unknown>[] =>
  Array.isArray(v)
    ? v.filter((x): x is Record<string, unknown> => typeof x === 'object' && x !== null && !Array.isArray(x))
    : [];

/**
 * The stored view (computed minimized at analysis) re-projected field by field onto the shape a
 * tenant may see, so nothing stored beside it (a later field, a stray key) reaches a tenant
 * without someone deciding it should.
 */
export function projectExposureView(raw: unknown): ExposureView {
  const v = (typeof raw === 'object' && raw !== null ? raw : {}) as Record<string, unknown>;
  const records: ExposureViewRecord[] = list(v.records)
    .filter((r) => str(r.recordId))
    .map((r) => ({
      recordId: r.recordId as string,
      kind: str(r.kind) ? r.kind : 'unknown',
      dataCategories: strings(r.dataCategories) as DataCategory[],
    }));
  const people: ExposureViewPerson[] = list(v.people).map((p) => ({
    ...(str(p.name) ? { name: p.name } : {}),
    ...(str(p.email) ? { email: p.email } : {}),
    ...(str(p.phone) ? { phone: p.phone } : {}),
  }));
  const files: ExposureViewFile[] = list(v.files).map((f) =>
    str(f.fileName) ? { fileName: f.fileName, ...(str(f.sha256) ? { sha256: f.sha256 } : {}) } : { fileName: null },
  );
  return { dataCategories: strings(v.dataCategories) as DataCategory[], records, people, files };
}
