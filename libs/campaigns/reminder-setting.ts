import { formatRemindBefore } from './reminder-duration.js';

/** What `campaigns set-reminder` and its route answer: the campaign's reminder setting as stored. */
export function reminderOf(c: {
  id: string;
  status: string;
  remindBeforeSeconds: number | null;
  respondBy: Date | null;
}) {
  return {
    campaignId: c.id,
    status: c.status,
    remindBefore: c.remindBeforeSeconds === null ? null : formatRemindBefore(c.remindBeforeSeconds),
    remindBeforeSeconds: c.remindBeforeSeconds,
    respondBy: c.respondBy?.toISOString() ?? null,
  };
}
