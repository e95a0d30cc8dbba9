/**
 * Near-duplicate detection: MinHash signatures over 3-word shingles, banded for locality-sensitive
 * look-up, then an exact Jaccard check on the candidates (docs/deduplication.md, rule 4).
 */

/** Texts shorter than this are never clustered by their text. */
export const MIN_WORDS_FOR_TEXT_MATCH = 20;
export const NEAR_DUPLICATE_JACCARD = 0.9;

/** 8 bands of 4 hashes: a pair at Jaccard 0.9 shares a band with probability > 0.999, at 0.5 about 0.4. */
const BANDS = 8;
const ROWS = 4;
const HASHES = BANDS * ROWS;

// Fixed odd multipliers and offsets for the hash family: signatures must be stable across runs.
// Int32Arrays: the same 32 bits as the unsigned values (Math.imul and `>>> 0` see no difference),
// without boxing numbers over 2^31 in the inner loop.
const MUL = Int32Array.from({ length: HASHES }, (_, i) => Math.imul(i + 1, 0x9e3779b1) | 1);
const ADD = Int32Array.from({ length: HASHES }, (_, i) => Math.imul(i + 7, 0x85ebca6b));

export function shingles(folded: string, size = 3): Set<string> {
  const words = folded.split(' ').filter(Boolean);
  const out = new Set<string>();
  if (words.length < size) {
    if (words.length) out.add(words.join(' '));
    return out;
  }
  for (let i = 0; i + size <= words.length; i++) out.add(`${words[i]} ${words[i + 1]} ${words[i + 2]}`);
  return out;
}

export function jaccard(a: Set<string>, b: Set<string>): number {
  if (a.size === 0 && b.size === 0) return 1;
  const [small, large] = a.size <= b.size ? [a, b] : [b, a];
  let inter = 0;
  for (const s of small) if (large.has(s)) inter++;
  return inter / (a.size + b.size - inter);
}

// Word bounds of the text being hashed (start, end pairs), reused across calls: minhashBands runs
// once per record, and building shingle strings and a Set for each was most of its cost.
let bounds = new Int32Array(512);

/**
 * fnv1a of words [from, to) joined by single spaces, exactly as of the shingle string
 * `${w1} ${w2} ${w3}`, without building it.
 */
function fnv1aWords(text: string, from: number, to: number): number {
  let h = 0x811c9dc5;
  for (let w = from; w < to; w++) {
    if (w > from) h = Math.imul(h ^ 32, 0x01000193);
    for (let i = bounds[2 * w]!, end = bounds[2 * w + 1]!; i < end; i++)
      h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
  }
  return h >>> 0;
}

/**
 * The LSH band keys of a folded text: one signed 32-bit integer per band. The same values as
 * hashing each distinct shingle of shingles(folded): a minimum does not change when a shingle
 * repeats, so the shingles are hashed in place, repeats included.
 */
export function minhashBands(folded: string): number[] {
  const mins = new Uint32Array(HASHES).fill(0xffffffff);
  let words = 0;
  for (let i = 0; i < folded.length;) {
    while (i < folded.length && folded.charCodeAt(i) === 32) i++;
    if (i >= folded.length) break;
    const start = i;
    while (i < folded.length && folded.charCodeAt(i) !== 32) i++;
    if (2 * words + 2 > bounds.length) {
      const grown = new Int32Array(bounds.length * 2);
      grown.set(bounds);
      bounds = grown;
    }
    bounds[2 * words] = start;
    bounds[2 * words + 1] = i;
    words++;
  }
  const add = (x: number) => {
    for (let i = 0; i < HASHES; i++) {
      // (a + b) >>> 0 is the sum mod 2^32 whether b is read signed or unsigned
      const v = (Math.imul(x, MUL[i]!) + ADD[i]!) >>> 0;
      const mixed = (v ^ (v >>> 15)) >>> 0;
      if (mixed < mins[i]!) mins[i] = mixed;
    }
  };
  if (words < 3) {
    if (words > 0) add(fnv1aWords(folded, 0, words));
  } else {
    for (let w = 0; w + 3 <= words; w++) add(fnv1aWords(folded, w, w + 3));
  }
  const bands: number[] = [];
  for (let b = 0; b < BANDS; b++) {
    let h = 0x811c9dc5 ^ b;
    for (let r = 0; r < ROWS; r++) h = Math.imul(h ^ mins[b * ROWS + r]!, 0x01000193);
    bands.push(h | 0);
  }
  return bands;
}
