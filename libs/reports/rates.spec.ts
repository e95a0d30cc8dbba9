import { bucketStart, MAX_BUCKETS, rateRows } from './rates.js';

const h = (hours: number) => Date.UTC(2026, 11, 1, 0) + hours * 3_600_000;

describe('campaign rates over time', () => {
  it('buckets in UTC hours and days', () => {
    expect(bucketStart(h(5) + 59 * 60_000, 'hour')).toBe(h(5));
    expect(bucketStart(h(23) + 1, 'day')).toBe(h(0));
  });

  it('gives every bucket from the launch on, quiet ones as zeros, with cumulative counts and rates', () => {
    const rows = rateRows({
      launchedAt: h(1) + 600_000,
      until: h(4) + 1,
      bucket: 'hour',
      affected: 4,
      posted: [
        { bucket: h(1), n: 3 },
        { bucket: h(2), n: 1 },
      ],
      firstReads: [
        { bucket: h(2), n: 2 },
        { bucket: h(4), n: 1 },
      ],
      firstAcknowledgements: [{ bucket: h(4), n: 1 }],
    });
    expect(rows.map((r) => r.start)).toEqual([h(1), h(2), h(3), h(4)].map((t) => new Date(t).toISOString()));
    expect(rows.map((r) => [r.noticesPosted, r.firstReads, r.firstAcknowledgements])).toEqual([
      [3, 0, 0],
      [1, 2, 0],
      [0, 0, 0],
      [0, 1, 1],
    ]);
    expect(rows[3]!.cumulative).toEqual({ noticesPosted: 4, firstReads: 3, firstAcknowledgements: 1 });
    expect(rows[1]!.rates).toEqual({ posted: 1, read: 0.5, acknowledged: 0 });
    expect(rows[3]!.rates).toEqual({ posted: 1, read: 0.75, acknowledged: 0.25 });
  });

  it('counts an event before the launch bucket in it, and reaches an event after `until`', () => {
    const rows = rateRows({
      launchedAt: h(24),
      until: h(24),
      bucket: 'day',
      affected: 3,
      posted: [{ bucket: h(0), n: 1 }],
      firstReads: [{ bucket: h(72), n: 1 }],
      firstAcknowledgements: [],
    });
    expect(rows).toHaveLength(3);
    expect(rows[0]!.noticesPosted).toBe(1);
    expect(rows[2]).toMatchObject({ firstReads: 1, rates: { read: 0.3333 } });
  });

  it('has no rate without affected tenants, and refuses more buckets than anyone can read', () => {
    const none = rateRows({
      launchedAt: h(0),
      until: h(0),
      bucket: 'day',
      affected: 0,
      posted: [],
      firstReads: [],
      firstAcknowledgements: [],
    });
    expect(none).toEqual([
      {
        start: new Date(h(0)).toISOString(),
        noticesPosted: 0,
        firstReads: 0,
        firstAcknowledgements: 0,
        cumulative: { noticesPosted: 0, firstReads: 0, firstAcknowledgements: 0 },
        rates: { posted: null, read: null, acknowledged: null },
      },
    ]);
    expect(() =>
      rateRows({
        launchedAt: h(0),
        until: h(MAX_BUCKETS + 5),
        bucket: 'hour',
        affected: 1,
        posted: [],
        firstReads: [],
        firstAcknowledgements: [],
      }),
    ).toThrow(RangeError);
  });
});
