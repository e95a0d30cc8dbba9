import { z } from 'zod';
import { INPUT_FORMATS } from './readers.js';

/** `datasets ingest [--name] [--format]` / `POST /v1/datasets?name=&format=` (and `--into` / `…/records`). */
export const ingestInput = z.object({
  name: z.string().trim().min(1).max(200).default('upload'),
  format: z.enum(INPUT_FORMATS, `must be one of ${INPUT_FORMATS.join(', ')}`).optional(),
});
export type IngestInput = z.infer<typeof ingestInput>;
