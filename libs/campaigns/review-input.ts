import { z } from 'zod';
import { guid } from '../common/input.js';

/** `review list` / `GET /v1/reviews`. */
export const listReviewInput = z.object({ campaignId: guid, all: z.enum(['true', 'false']).optional() });

/** Why the operator answered as they did, in their words: optional, kept with the answer. */
const justification = z.string().trim().min(1, 'must not be empty').max(2000, 'must be at most 2000 characters');

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
