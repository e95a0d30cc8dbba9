import type { Readable } from 'node:stream';
import { z } from 'zod';
import type { ReviewTrigger } from '../attribution/attribution.types.js';
import { csvColumnMatcher, csvRows } from '../common/csv-rows.js';
import { BadInputError } from '../common/errors.js';
import { guid } from '../common/input.js';

/** An operator's reason for a resolution: words, bounded so an audit event or an export stays readable. */
export const justification = z
  .string()
  .trim()
  .min(1, 'must not be empty: say why')
  .max(2000, 'must be at most 2000 characters');

/** `review list` / `GET /v1/reviews`. */
export const listReviewInput = z.object({ campaignId: guid, all: z.enum(['true', 'false']).optional() });

/** `review resolve` / `POST /v1/reviews/{id}/resolve`: a tenant, or null for none. */
export const resolveReviewInput = z.strictObject({
  tenantId: guid.nullable(),
  justification: justification.optional(),
});

/** `review resolve-group` / `POST /v1/reviews/groups/{group}/resolve`. */
export const resolveReviewGroupInput = z.strictObject({
  campaignId: guid,
  tenantId: guid.nullable(),
  justification: justification.optional(),
});

/** A review group's key, as `review list` shows it. */
export const reviewGroup = z.string().regex(/^[0-9a-f]{16}$/, 'must be a review group key');

/** An operator as the roles name one: the API token's name or the CLI's `cli:` + login name. */
export const operatorName = z
  .string()
  .regex(/^(cli:)?[A-Za-z0-9._@-]{1,100}$/, 'must be an operator name (letters, digits, . _ @ -)');

const TRIGGERS = [
  'conflictingStrongSignals',
  'weakSignalOnly',
  'ambiguousContactAddress',
  'ambiguousVerifiedDomain',
  'conflictedDomain',
  'ambiguousWeakSignal',
] as const satisfies readonly ReviewTrigger[];

/** Which open items a bulk action takes (`--trigger`, `--candidate`, `--group`, `--assignee`; `none` = unassigned). */
export const reviewFilterInput = z.strictObject({
  trigger: z.enum(TRIGGERS, `must be one of ${TRIGGERS.join(', ')}`).optional(),
  candidate: guid.transform((s) => s.toLowerCase()).optional(),
  group: reviewGroup.optional(),
  assignee: z
    .union([z.literal('none'), operatorName])
    .transform((a) => (a === 'none' ? null : a))
    .optional(),
});
export type ReviewFilterInput = z.output<typeof reviewFilterInput>;

/** `review list` / `GET /v1/reviews` with a filter. */
export const listReviewFilteredInput = listReviewInput.extend(reviewFilterInput.shape);

/** `review resolve-matching` / `POST /v1/reviews/resolve`: every open item the filter takes, one answer, one reason. */
export const resolveMatchingInput = z.strictObject({
  campaignId: guid,
  filter: reviewFilterInput,
  tenantId: guid.nullable(),
  justification,
});

/** `review assign` / `POST /v1/reviews/assign`: items by id or by filter, to an operator or (null) to nobody. */
export const assignReviewInput = z
  .strictObject({
    campaignId: guid,
    reviewItemIds: z.array(guid).min(1, 'must name at least one item').max(1000, 'at most 1000 items').optional(),
    filter: reviewFilterInput.optional(),
    assignee: operatorName.nullable(),
  })
  .refine((v) => v.reviewItemIds !== undefined || v.filter !== undefined, {
    message: 'name the items (reviewItemIds) or give a filter',
  });

/** One usable line of a resolutions file. */
export interface ResolutionLine {
  line: number;
  reviewItemId: string;
  tenantId: string | null;
  justification: string;
}

const RESOLUTION_COLUMNS = ['reviewItemId', 'tenantId', 'justification'] as const;

/**
 * A resolutions file (`review import`): a header naming `reviewItemId`, `tenantId` and
 * `justification` (any case or spacing), one resolution per row; `tenantId` empty or `none`
 * means none. A row that cannot be used is refused with its line and reason, the others go on;
 * a file without those columns is refused whole.
 */
export async function readResolutions(
  input: Readable,
): Promise<{ rows: ResolutionLine[]; refused: { line: number; reason: string }[] }> {
  const rows: ResolutionLine[] = [];
  const refused: { line: number; reason: string }[] = [];
  let header: string | undefined;
  const columnName = csvColumnMatcher(RESOLUTION_COLUMNS);
  for await (const row of csvRows(input, { columnName, onHeader: (h) => (header = h) })) {
    if (rows.length === 0 && refused.length === 0) {
      const names = (header ?? '').split(/[,;]/).map((h) => columnName(h.replace(/^"|"$/g, '')));
      const missing = RESOLUTION_COLUMNS.filter((c) => !names.includes(c));
      if (missing.length) throw new BadInputError(`the file's header lacks the column(s) ${missing.join(', ')}`);
    }
    if (row.error) {
      refused.push({ line: row.line, reason: row.error });
      continue;
    }
    const cell = (c: (typeof RESOLUTION_COLUMNS)[number]) => (row.record[c] ?? '').trim();
    const tenant = cell('tenantId');
    const parsed = z.object({ reviewItemId: guid, tenantId: guid.nullable(), justification }).safeParse({
      reviewItemId: cell('reviewItemId'),
      tenantId: tenant === '' || tenant.toLowerCase() === 'none' ? null : tenant,
      justification: cell('justification'),
    });
    if (!parsed.success) {
      refused.push({
        line: row.line,
        reason: parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; '),
      });
      continue;
    }
    rows.push({
      line: row.line,
      reviewItemId: parsed.data.reviewItemId.toLowerCase(),
      tenantId: parsed.data.tenantId?.toLowerCase() ?? null,
      justification: parsed.data.justification,
    });
  }
  return { rows, refused };
}
