import { z } from 'zod';

/** A notice's message id, as the inbox and the deliveries show it. */
export const noticeId = z.string().regex(/^MC\d{1,18}$/, 'must be a message id such as MC1000042');

/** `notices withdraw` / `POST /v1/notices/{id}/withdrawal`: why the notice was sent in error (operators only see it). */
export const withdrawalInput = z.strictObject({
  reason: z
    .string('must be text')
    .trim()
    .min(1, 'must not be empty')
    .max(2000, 'must be at most 2000 characters')
    .refine((s) => !/[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/.test(s), 'must not hold control characters'),
});
export type WithdrawalInput = z.infer<typeof withdrawalInput>;
