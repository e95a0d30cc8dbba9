import { z } from 'zod';
import { guid } from '../common/input.js';

const isoDate = z.iso.date('must be an ISO date (YYYY-MM-DD)');

/** `campaigns create` / `POST /v1/campaigns`. */
export const createCampaignInput = z.strictObject({
  datasetId: guid,
  /** the incident the campaign tells of; without one, the campaign gets its own (docs/contracts.md §5) */
  incidentId: guid.optional(),
  title: z.string().trim().max(300).optional(),
  supportUrl: z
    .url({ protocol: /^https?$/, error: 'must be an http(s) URL' })
    .max(2000)
    .optional(),
  supportPhone: z.string().trim().max(50).optional(),
  supportEmail: z.email('must be an email address').max(320).optional(),
  respondBy: isoDate.optional(),
  incidentDate: isoDate.optional(),
});
export type CreateCampaignInput = z.infer<typeof createCampaignInput>;

export const DELIVERY_STATES = ['queued', 'sending', 'sent', 'failed', 'retrying'] as const;

/** `campaigns deliveries` / `GET /v1/campaigns/{id}/deliveries`: values may come as text. */
export const deliveriesInput = z.object({
  state: z.enum(DELIVERY_STATES, `must be one of ${DELIVERY_STATES.join(', ')}`).optional(),
  skip: z.coerce.number('must be a whole number').int('must be a whole number').min(0, 'must be 0 or more').default(0),
  take: z.coerce
    .number('must be a whole number')
    .int('must be a whole number')
    .min(1, 'must be 1 to 1000')
    .max(1000, 'must be 1 to 1000')
    .default(100),
});
export type DeliveriesInput = z.infer<typeof deliveriesInput>;

/** `campaigns preview --tenant` / `GET /v1/campaigns/{id}/decisions`. */
export const decisionsInput = z.object({
  decision: z.enum(['affected', 'not_affected', 'needs_review']).optional(),
  tenant: guid.optional(),
});
