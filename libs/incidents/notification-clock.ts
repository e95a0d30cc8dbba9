/**
 * The 72-hour clock of GDPR Art. 33(1): the supervisory authority is to be notified within 72
 * hours of the controller becoming aware of a breach, and a later notification gives the reasons
 * for the delay. Pure: the caller passes the time it is now.
 */

/** Art. 33(1): "not later than 72 hours after having become aware of it". */
export const NOTIFICATION_WINDOW_HOURS = 72;
const WINDOW_MS = NOTIFICATION_WINDOW_HOURS * 3_600_000;

/** A notification filed with the authority, as the clock needs it. */
export interface Filing {
  filedAt: Date;
  reference: string;
}

/**
 * - `unknown`: no aware-at time, so the clock cannot run (nothing is invented for it)
 * - `running`: not filed, the deadline not passed (exactly at the deadline is still in time)
 * - `overdue`: not filed, the deadline passed
 * - `filed`: first filed by the deadline
 * - `filedLate`: first filed after the deadline
 */
export type ClockState = 'unknown' | 'running' | 'overdue' | 'filed' | 'filedLate';

export interface NotificationClock {
  state: ClockState;
  awareAt: string | null;
  /** awareAt + 72 h */
  deadline: string | null;
  /** while running: whole minutes to the deadline (0 at the deadline itself) */
  minutesLeft: number | null;
  /** overdue or filed late: whole minutes past the deadline (now, or at the first filing) */
  minutesOverdue: number | null;
  /** the first notification filed, the one the deadline is about; null before one */
  filedAt: string | null;
  reference: string | null;
  /** every filing, first first (a phased notification has several) */
  filings: { filedAt: string; reference: string }[];
  /** one line for a person: what the clock says */
  summary: string;
  /** set when the operator must act or explain: overdue with nothing filed, or filed late */
  warning: string | null;
}

/** `2 d 5 h 7 min`, `45 min`: a duration in minutes as a person reads it. */
export function formatMinutes(minutes: number): string {
  const d = Math.floor(minutes / 1440);
  const h = Math.floor((minutes % 1440) / 60);
  const m = minutes % 60;
  const parts = [d ? `${d} d` : '', h ? `${h} h` : '', m || (!d && !h) ? `${m} min` : ''].filter(Boolean);
  return parts.join(' ');
}

/** The clock of an incident at `now`, from its aware-at time and the notifications filed (any order). */
export function notificationClock(awareAt: Date | null, filings: readonly Filing[], now: Date): NotificationClock {
  const sorted = [...filings].sort((a, b) => a.filedAt.getTime() - b.filedAt.getTime());
  const listed = sorted.map((f) => ({ filedAt: f.filedAt.toISOString(), reference: f.reference }));
  const first = sorted[0] ?? null;
  const base = {
    awareAt: awareAt?.toISOString() ?? null,
    filedAt: first?.filedAt.toISOString() ?? null,
    reference: first?.reference ?? null,
    filings: listed,
  };
  if (!awareAt) {
    return {
      ...base,
      state: 'unknown',
      deadline: null,
      minutesLeft: null,
      minutesOverdue: null,
      summary: first
        ? `no aware-at time recorded: the 72-hour clock cannot run; filed ${base.filedAt} (${first.reference})`
        : 'no aware-at time recorded: the 72-hour clock cannot run',
      // nothing is measured, so nothing is flagged: the summary says why
      warning: null,
    };
  }
  const deadline = new Date(awareAt.getTime() + WINDOW_MS);
  const deadlineIso = deadline.toISOString();
  if (first) {
    const late = first.filedAt.getTime() - deadline.getTime();
    if (late > 0) {
      const minutes = Math.ceil(late / 60_000);
      return {
        ...base,
        state: 'filedLate',
        deadline: deadlineIso,
        minutesLeft: null,
        minutesOverdue: minutes,
        summary: `filed ${base.filedAt} (${first.reference}), ${formatMinutes(minutes)} after the deadline ${deadlineIso}`,
        warning: `filed ${formatMinutes(minutes)} after the 72-hour deadline: the notification must give the reasons for the delay (GDPR Art. 33(1))`,
      };
    }
    return {
      ...base,
      state: 'filed',
      deadline: deadlineIso,
      minutesLeft: null,
      minutesOverdue: null,
      summary: `filed ${base.filedAt} (${first.reference}), within the 72 hours (deadline ${deadlineIso})`,
      warning: null,
    };
  }
  const left = deadline.getTime() - now.getTime();
  if (left >= 0) {
    const minutes = Math.floor(left / 60_000);
    return {
      ...base,
      state: 'running',
      deadline: deadlineIso,
      minutesLeft: minutes,
      minutesOverdue: null,
      summary: `not filed; ${formatMinutes(minutes)} left until the deadline ${deadlineIso}`,
      warning: null,
    };
  }
  const minutes = Math.ceil(-left / 60_000);
  return {
    ...base,
    state: 'overdue',
    deadline: deadlineIso,
    minutesLeft: null,
    minutesOverdue: minutes,
    summary: `not filed; overdue by ${formatMinutes(minutes)} (deadline ${deadlineIso})`,
    warning: `more than 72 hours since awareness and no notification filed with the supervisory authority: overdue by ${formatMinutes(minutes)}`,
  };
}
