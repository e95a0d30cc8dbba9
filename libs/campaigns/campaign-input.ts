import { z } from 'zod';
import { guid } from '../common/input.js';
import { parseRemindBefore } from './reminder-duration.js';

const isoDate = z.iso.date('must be an ISO date (YYYY-MM-DD)');

/** How long before the act-by date a reminder goes out: `3d`, `36h`, `2d12h`; refused with the reason. */
export const remindBefore = z
  .string()
  .max(40, 'must be a duration like 3d, 36h or 2d12h')
  .superRefine((v, ctx) => {
    const r = parseRemindBefore(v);
    if ('error' in r) ctx.addIssue({ code: 'custom', message: r.error });
  })
  .describe(
    'how long before respondBy a tenant whose notice nobody has read gets a reminder: days d, hours h, minutes m in that order (3d, 36h, 2d12h), more than zero, at most 365d',
  );

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
  /** reminders to tenants whose notice nobody has read, this long before respondBy; none without it */
  remindBefore: remindBefore.optional(),
});
export type CreateCampaignInput = z.infer<typeof createCampaignInput>;

/** `campaigns set-reminder` / `PUT /v1/campaigns/{id}/reminder`: a lead time, or null to send no reminders. */
export const setReminderInput = z.strictObject({
  remindBefore: remindBefore.nullable().describe('the lead time before respondBy (3d, 36h, 2d12h); null: no reminders'),
});
export type SetReminderInput = z.infer<typeof setReminderInput>;

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
