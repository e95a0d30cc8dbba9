/** The longest a campaign may remind ahead of its act-by date: a year (the database checks it too). */
export const MAX_REMIND_BEFORE_SECONDS = 365 * 86_400;

const UNIT_SECONDS = { d: 86_400, h: 3_600, m: 60 } as const;

/** Days, hours and minutes, each at most once and in that order: `3d`, `36h`, `2d12h`, `90m`. */
const DURATION = /^(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?$/;

export const DURATION_EXAMPLE = 'a duration like 3d, 36h or 2d12h (days d, hours h, minutes m)';

/** A reminder lead time in seconds, or the reason it is refused. */
export function parseRemindBefore(value: string): { seconds: number } | { error: string } {
  const text = value.trim().toLowerCase();
  if (text.startsWith('-')) return { error: `must not be negative: ${DURATION_EXAMPLE}` };
  const m = DURATION.exec(text);
  if (!text || !m) return { error: `must be ${DURATION_EXAMPLE}` };
  const [, d, h, min] = m;
  const seconds = Number(d ?? 0) * UNIT_SECONDS.d + Number(h ?? 0) * UNIT_SECONDS.h + Number(min ?? 0) * UNIT_SECONDS.m;
  if (seconds === 0) return { error: 'must be longer than zero' };
  // also catches digits too many for a number to hold exactly
  if (!Number.isSafeInteger(seconds) || seconds > MAX_REMIND_BEFORE_SECONDS)
    return { error: 'must be at most a year (365d)' };
  return { seconds };
}

/** Seconds written the way they are given: `2d12h`, `90m`. */
export function formatRemindBefore(seconds: number): string {
  let rest = seconds;
  let out = '';
  for (const [unit, size] of Object.entries(UNIT_SECONDS)) {
    const n = Math.floor(rest / size);
    if (n > 0) out += `${n}${unit}`;
    rest -= n * size;
  }
  // a lead time set in the database by hand may hold seconds: shown rather than lost
  return rest > 0 || !out ? `${out}${rest}s` : out;
}
