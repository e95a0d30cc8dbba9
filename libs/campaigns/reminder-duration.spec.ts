import { formatRemindBefore, MAX_REMIND_BEFORE_SECONDS, parseRemindBefore } from './reminder-duration.js';

describe('parseRemindBefore', () => {
  it.each([
    ['3d', 3 * 86_400],
    ['36h', 36 * 3_600],
    ['2d12h', 2 * 86_400 + 12 * 3_600],
    ['90m', 90 * 60],
    ['1d1h1m', 86_400 + 3_600 + 60],
    [' 2D ', 2 * 86_400],
    ['365d', MAX_REMIND_BEFORE_SECONDS],
    ['364d24h', MAX_REMIND_BEFORE_SECONDS],
  ])('reads %j as %i seconds', (text, seconds) => {
    expect(parseRemindBefore(text)).toEqual({ seconds });
  });

  it.each([
    ['0d', /longer than zero/],
    ['0h0m', /longer than zero/],
    ['-3d', /not be negative/],
    ['- 1h', /not be negative/],
    ['', /duration like 3d/],
    ['3', /duration like 3d/],
    ['3 days', /duration like 3d/],
    ['12h2d', /duration like 3d/],
    ['1.5d', /duration like 3d/],
    ['3d3d', /duration like 3d/],
    ['P3D', /duration like 3d/],
    ["3d'; DROP TABLE campaigns;--", /duration like 3d/],
    ['366d', /at most a year/],
    ['365d1m', /at most a year/],
    ['9000h', /at most a year/],
    ['99999999999999999999d', /at most a year/],
  ])('refuses %j with the reason', (text, reason) => {
    const r = parseRemindBefore(text);
    expect('error' in r && r.error).toMatch(reason);
  });
});

describe('formatRemindBefore', () => {
  it.each([
    [3 * 86_400, '3d'],
    [36 * 3_600, '1d12h'],
    [90 * 60, '1h30m'],
    [45, '45s'],
    [86_400 + 5, '1d5s'],
  ])('writes %i seconds as %j', (seconds, text) => {
    expect(formatRemindBefore(seconds)).toBe(text);
  });

  it('reads back what it writes', () => {
    for (const s of [60, 3_600, 86_400, 2 * 86_400 + 12 * 3_600 + 60, MAX_REMIND_BEFORE_SECONDS])
      expect(parseRemindBefore(formatRemindBefore(s))).toEqual({ seconds: s });
  });
});
