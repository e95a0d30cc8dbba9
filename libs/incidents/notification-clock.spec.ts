import { formatMinutes, notificationClock } from './notification-clock.js';

const AWARE = new Date('2026-11-01T08:00:00Z');
const at = (iso: string) => new Date(iso);
const H = 3_600_000;

describe('notificationClock', () => {
  it('runs from awareness: the deadline is 72 hours later, and the time left is counted down', () => {
    const c = notificationClock(AWARE, [], at('2026-11-02T09:30:00Z'));
    expect(c).toMatchObject({
      state: 'running',
      awareAt: '2026-11-01T08:00:00.000Z',
      deadline: '2026-11-04T08:00:00.000Z',
      minutesLeft: 46 * 60 + 30,
      minutesOverdue: null,
      filedAt: null,
      warning: null,
    });
    expect(c.summary).toBe('not filed; 1 d 22 h 30 min left until the deadline 2026-11-04T08:00:00.000Z');
  });

  it('is still in time at exactly 72 hours, and overdue one millisecond later, with a warning', () => {
    const exactly = notificationClock(AWARE, [], new Date(AWARE.getTime() + 72 * H));
    expect(exactly).toMatchObject({ state: 'running', minutesLeft: 0, warning: null });
    const after = notificationClock(AWARE, [], new Date(AWARE.getTime() + 72 * H + 1));
    expect(after).toMatchObject({ state: 'overdue', minutesLeft: null, minutesOverdue: 1 });
    expect(after.warning).toMatch(/^more than 72 hours since awareness and no notification filed/);
    const later = notificationClock(AWARE, [], new Date(AWARE.getTime() + 80 * H));
    expect(later.minutesOverdue).toBe(8 * 60);
    expect(later.summary).toBe('not filed; overdue by 8 h (deadline 2026-11-04T08:00:00.000Z)');
  });

  it('has no deadline without an aware-at time, and invents none', () => {
    const c = notificationClock(null, [], at('2030-01-01T00:00:00Z'));
    expect(c).toMatchObject({
      state: 'unknown',
      awareAt: null,
      deadline: null,
      minutesLeft: null,
      minutesOverdue: null,
      warning: null,
    });
    expect(c.summary).toBe('no aware-at time recorded: the 72-hour clock cannot run');
    const filed = notificationClock(null, [{ filedAt: at('2026-11-02T00:00:00Z'), reference: 'DPA-1' }], new Date());
    expect(filed).toMatchObject({ state: 'unknown', filedAt: '2026-11-02T00:00:00.000Z', reference: 'DPA-1' });
  });

  it('stops at the first filing: filed at the deadline is in time, after it is late and asks for the reasons', () => {
    const now = at('2027-01-01T00:00:00Z'); // long after: a filed incident is never overdue
    const onTime = notificationClock(AWARE, [{ filedAt: new Date(AWARE.getTime() + 72 * H), reference: 'A' }], now);
    expect(onTime).toMatchObject({ state: 'filed', reference: 'A', warning: null, minutesOverdue: null });
    const late = notificationClock(
      AWARE,
      [{ filedAt: new Date(AWARE.getTime() + 72 * H + 60_000), reference: 'B' }],
      now,
    );
    expect(late).toMatchObject({ state: 'filedLate', minutesOverdue: 1 });
    expect(late.warning).toMatch(/must give the reasons for the delay/);
  });

  it('judges the earliest of several filings (phases), whatever order they come in, and lists them all', () => {
    const c = notificationClock(
      AWARE,
      [
        { filedAt: at('2026-11-10T00:00:00Z'), reference: 'phase 2' },
        { filedAt: at('2026-11-03T00:00:00Z'), reference: 'phase 1' },
      ],
      at('2026-11-20T00:00:00Z'),
    );
    expect(c.state).toBe('filed');
    expect(c.reference).toBe('phase 1');
    expect(c.filings.map((f) => f.reference)).toEqual(['phase 1', 'phase 2']);
  });

  it('formats durations as a person reads them', () => {
    expect(formatMinutes(0)).toBe('0 min');
    expect(formatMinutes(59)).toBe('59 min');
    expect(formatMinutes(60)).toBe('1 h');
    expect(formatMinutes(1440 + 1)).toBe('1 d 1 min');
  });
});
