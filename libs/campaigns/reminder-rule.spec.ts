import { reminderDue, reminderGate, reminderWindow } from './reminder-rule.js';
import { PAUSED_RECHECK_MS } from './step-outcome.js';

const DAY = 86_400;
const actBy = new Date('2026-12-10T00:00:00Z');
const at = (iso: string) => new Date(iso);
const unread = { actionRequiredBy: actBy, read: false, withdrawn: false };
const sending = { status: 'sending', remindBeforeSeconds: 3 * DAY };

describe('reminderWindow', () => {
  it('opens the lead time before the act-by date and closes at it', () => {
    expect(reminderWindow(actBy, 36 * 3600)).toEqual({ from: at('2026-12-08T12:00:00Z'), until: actBy });
  });
});

describe('reminderDue', () => {
  it('reminds an unread notice once the lead time before its act-by date has begun', () => {
    expect(reminderDue(unread, sending, at('2026-12-07T00:00:00Z'))).toEqual({ remind: true });
    expect(reminderDue(unread, sending, at('2026-12-09T23:59:59Z'))).toEqual({ remind: true });
  });

  it('reminds in a completed campaign: its notice emails are done long before the date nears', () => {
    expect(reminderDue(unread, { ...sending, status: 'completed' }, at('2026-12-08T00:00:00Z'))).toEqual({
      remind: true,
    });
  });

  it('waits until the lead time has begun', () => {
    expect(reminderDue(unread, sending, at('2026-12-06T23:59:59Z'))).toEqual({
      remind: false,
      reason: 'not yet: reminders from 2026-12-07T00:00:00.000Z',
    });
  });

  it('sends none once the act-by date has passed', () => {
    for (const now of ['2026-12-10T00:00:00Z', '2027-01-01T00:00:00Z'])
      expect(reminderDue(unread, sending, at(now))).toEqual({ remind: false, reason: 'the act-by date has passed' });
  });

  it('sends none to a tenant where someone has read the notice', () => {
    expect(reminderDue({ ...unread, read: true }, sending, at('2026-12-08T00:00:00Z'))).toEqual({
      remind: false,
      reason: 'someone of the tenant has read the notice',
    });
  });

  it('sends none for a withdrawn notice or one without an act-by date', () => {
    const now = at('2026-12-08T00:00:00Z');
    expect(reminderDue({ ...unread, withdrawn: true }, sending, now)).toMatchObject({ remind: false });
    expect(reminderDue({ ...unread, actionRequiredBy: null }, sending, now)).toEqual({
      remind: false,
      reason: 'the notice has no act-by date',
    });
  });

  it('sends none when the campaign has reminders off or may not send', () => {
    const now = at('2026-12-08T00:00:00Z');
    expect(reminderDue(unread, { ...sending, remindBeforeSeconds: null }, now)).toEqual({
      remind: false,
      reason: 'the campaign sends no reminders',
    });
    for (const status of ['paused', 'cancelled', 'draft', 'approved', 'ready', 'failed'])
      expect(reminderDue(unread, { ...sending, status }, now)).toEqual({
        remind: false,
        reason: `campaign is ${status}`,
      });
  });
});

describe('reminderGate', () => {
  it('lets a sending or completed campaign send, puts a paused one off and ends the rest', () => {
    expect(reminderGate('sending')).toBeNull();
    expect(reminderGate('completed')).toBeNull();
    expect(reminderGate('paused')).toEqual({ kind: 'deferred', ms: PAUSED_RECHECK_MS });
    expect(reminderGate('cancelled')).toEqual({ kind: 'skipped', reason: 'campaign is cancelled' });
  });
});
