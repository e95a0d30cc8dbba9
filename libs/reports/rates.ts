/**
 * A campaign's rates over time: per bucket since the launch, notices posted, tenants with a first
 * read and tenants with a first acknowledgement, as counts and as cumulative shares of the
 * campaign's affected tenants. Pure: the counts per bucket come from the repositories.
 */

export const RATE_BUCKETS = ['hour', 'day'] as const;
export type RateBucket = (typeof RATE_BUCKETS)[number];

const BUCKET_MS: Record<RateBucket, number> = { hour: 3_600_000, day: 86_400_000 };

/** More buckets than this is a question for a coarser bucket, not an answer nobody can read. */
export const MAX_BUCKETS = 10_000;

/** Events per bucket: the bucket's start (ms since the epoch, UTC) and how many. */
export type BucketCounts = readonly { bucket: number; n: number }[];

export interface RateBucketRow {
  start: string;
  noticesPosted: number;
  firstReads: number;
  firstAcknowledgements: number;
  cumulative: { noticesPosted: number; firstReads: number; firstAcknowledgements: number };
  /** cumulative counts over the affected tenants, 0 to 1, four decimals; null without affected tenants */
  rates: { posted: number | null; read: number | null; acknowledged: number | null };
}

/** The start of the bucket holding `t` (UTC: an hour or a day). */
export function bucketStart(t: number, bucket: RateBucket): number {
  return Math.floor(t / BUCKET_MS[bucket]) * BUCKET_MS[bucket];
}

const share = (n: number, of: number) => (of > 0 ? Math.round((n / of) * 10_000) / 10_000 : null);

/**
 * Every bucket from the launch's to the later of `until` and the last event's, in order, none
 * skipped (a quiet hour is a row of zeros). Events before the launch bucket count in it.
 */
export function rateRows(input: {
  launchedAt: number;
  until: number;
  bucket: RateBucket;
  affected: number;
  posted: BucketCounts;
  firstReads: BucketCounts;
  firstAcknowledgements: BucketCounts;
}): RateBucketRow[] {
  const size = BUCKET_MS[input.bucket];
  const first = bucketStart(input.launchedAt, input.bucket);
  const lastEvent = Math.max(
    ...[input.posted, input.firstReads, input.firstAcknowledgements].flatMap((s) => s.map((x) => x.bucket)),
    first,
  );
  const last = Math.max(bucketStart(input.until, input.bucket), bucketStart(lastEvent, input.bucket));
  const count = Math.floor((last - first) / size) + 1;
  if (count > MAX_BUCKETS)
    throw new RangeError(`${count} ${input.bucket} buckets since the launch: more than ${MAX_BUCKETS}`);
  const index = (s: BucketCounts) => {
    const m = new Map<number, number>();
    for (const x of s) {
      const k = Math.max(bucketStart(x.bucket, input.bucket), first);
      m.set(k, (m.get(k) ?? 0) + x.n);
    }
    return m;
  };
  const [posted, reads, acks] = [index(input.posted), index(input.firstReads), index(input.firstAcknowledgements)];
  const total = { noticesPosted: 0, firstReads: 0, firstAcknowledgements: 0 };
  const rows: RateBucketRow[] = [];
  for (let i = 0; i < count; i++) {
    const start = first + i * size;
    const row = {
      noticesPosted: posted.get(start) ?? 0,
      firstReads: reads.get(start) ?? 0,
      firstAcknowledgements: acks.get(start) ?? 0,
    };
    total.noticesPosted += row.noticesPosted;
    total.firstReads += row.firstReads;
    total.firstAcknowledgements += row.firstAcknowledgements;
    rows.push({
      start: new Date(start).toISOString(),
      ...row,
      cumulative: { ...total },
      rates: {
        posted: share(total.noticesPosted, input.affected),
        read: share(total.firstReads, input.affected),
        acknowledged: share(total.firstAcknowledgements, input.affected),
      },
    });
  }
  return rows;
}
