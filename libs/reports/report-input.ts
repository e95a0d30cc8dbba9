import { z } from 'zod';
import { EXPORT_KINDS } from './export-columns.js';
import { RATE_BUCKETS } from './rates.js';

/** `campaigns export --what` / `GET /v1/campaigns/{id}/exports/{what}.csv`. */
export const exportInput = z.strictObject({
  what: z.enum(EXPORT_KINDS, `must be one of ${EXPORT_KINDS.join(', ')}`),
});
export type ExportInput = z.infer<typeof exportInput>;

/** `campaigns rates --bucket` / `GET /v1/campaigns/{id}/rates?bucket=`. */
export const ratesInput = z.strictObject({
  bucket: z.enum(RATE_BUCKETS, `must be one of ${RATE_BUCKETS.join(', ')}`).default('day'),
});
export type RatesInput = z.infer<typeof ratesInput>;
