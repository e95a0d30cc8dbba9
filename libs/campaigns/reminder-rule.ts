import { PAUSED_RECHECK_MS, type StepOutcome } from './step-outcome.js';

/**
 * Campaign states a reminder may go out in: still sending, or completed (all notice emails
 * finished, which is usually long before the act-by date nears). Paused waits; draft, approved,
 * cancelled and the rest send nothing.
 */
export const REMINDER_CAMPAIGN_STATUSES = ['sending', 'completed'] as const;

/** What the rule looks at of a notice. */
export interface ReminderNotice {
  actionRequiredBy: Date | null;
  /** someone of the tenant has marked it read at least once (first_read_at) */
  read: boolean;
  withdrawn: boolean;
}

/** What the rule looks at of its campaign. */
export interface ReminderCampaign {
  status: string;
  /** null: the campaign sends no reminders */
  remindBeforeSeconds: number | null;
}

export type ReminderDecision = { remind: true } | { remind: false; reason: string };

/** When a notice's reminder may be sent: from `remindBeforeSeconds` before its act-by date, until that date. */
export function reminderWindow(actionRequiredBy: Date, remindBeforeSeconds: number): { from: Date; until: Date } {
  return { from: new Date(actionRequiredBy.getTime() - remindBeforeSeconds * 1000), until: actionRequiredBy };
}

/**
 * Whether the tenant of a notice gets a reminder at `now`: its campaign reminds and may send, the
 * notice has an act-by date that is near (within the lead time) and not yet passed, it is not
 * withdrawn, and nobody of the tenant has ever read it (a read that an update later marked unread
 * again still counts: they know of it).
 */
export function reminderDue(n: ReminderNotice, c: ReminderCampaign, now: Date): ReminderDecision {
  if (c.remindBeforeSeconds === null) return { remind: false, reason: 'the campaign sends no reminders' };
  if (!(REMINDER_CAMPAIGN_STATUSES as readonly string[]).includes(c.status))
    return { remind: false, reason: `campaign is ${c.status}` };
  if (n.withdrawn) return { remind: false, reason: 'the notice is withdrawn' };
  if (!n.actionRequiredBy) return { remind: false, reason: 'the notice has no act-by date' };
  const w = reminderWindow(n.actionRequiredBy, c.remindBeforeSeconds);
  if (now.getTime() >= w.until.getTime()) return { remind: false, reason: 'the act-by date has passed' };
  if (now.getTime() < w.from.getTime())
    return { remind: false, reason: `not yet: reminders from ${w.from.toISOString()}` };
  if (n.read) return { remind: false, reason: 'someone of the tenant has read the notice' };
  return { remind: true };
}

/**
 * Whether a reminder email may be sent now, by its campaign's status: a paused campaign puts it
 * off, one that is sending or completed lets it go, any other ends it. Null: go on.
 */
export function reminderGate(status: string): StepOutcome | null {
  if (status === 'paused') return { kind: 'deferred', ms: PAUSED_RECHECK_MS };
  if (!(REMINDER_CAMPAIGN_STATUSES as readonly string[]).includes(status))
    return { kind: 'skipped', reason: `campaign is ${status}` };
  return null;
}
