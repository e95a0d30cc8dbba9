import { z } from 'zod';
import { BadInputError } from './errors.js';
import { GUID } from './guid.js';

/**
 * What the API and the CLI check of an operation's input is one zod schema, defined beside the
 * service that runs the operation; the API validates it as a request schema, the CLI with
 * `parseInput`, and both word a refusal alike: `field: reason`, issues joined by `; `.
 */

/**
 * An id the database made (campaigns, data sets, review items) or a tenant's GUID, in either case:
 * the directory's tenant ids need not carry an RFC 4122 version, so no version is asked of any id.
 */
export const guid = z.string().regex(GUID, 'must be a GUID');

/** `campaigns list` / `GET /v1/campaigns`, and `datasets list` / `GET /v1/datasets`: a page, newest first. */
export const listPageInput = z.object({
  skip: z.coerce.number('must be a whole number').int('must be a whole number').min(0, 'must be 0 or more').default(0),
  take: z.coerce
    .number('must be a whole number')
    .int('must be a whole number')
    .min(1, 'must be 1 to 1000')
    .max(1000, 'must be 1 to 1000')
    .default(100),
});

/**
 * The input as the schema makes it, or a BadInputError naming each problem. `label` names a field
 * the way the caller's user knows it (a CLI option, say); the reason itself is the schema's.
 */
export function parseInput<S extends z.ZodType>(
  schema: S,
  value: unknown,
  label: (path: string) => string = (path) => path,
  /** names the value itself when the problem is with it as a whole (an id given alone) */
  whole?: string,
): z.output<S> {
  const r = schema.safeParse(value);
  if (r.success) return r.data;
  throw new BadInputError(
    r.error.issues
      .map((i) => {
        const path = i.path.map(String).join('.');
        return path ? `${label(path)}: ${i.message}` : whole ? `${whole}: ${i.message}` : i.message;
      })
      .join('; '),
  );
}
