import { z } from 'zod';

export const DIRECTORY_FORMATS = ['jsonl', 'csv'] as const;

/** `tenants import [--format]` / `POST /v1/tenants/import?name=&format=`. */
export const importTenantsInput = z.object({
  /** the file's name: `.csv` or `.csv.gz` reads it as CSV */
  name: z.string().max(500).optional(),
  format: z.enum(DIRECTORY_FORMATS, `must be one of ${DIRECTORY_FORMATS.join(', ')}`).optional(),
});
export type ImportTenantsInput = z.infer<typeof importTenantsInput>;
