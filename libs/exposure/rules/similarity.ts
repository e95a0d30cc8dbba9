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
const MUL = Array.from({ length: HASHES }, (_, i) => (Math.imul(i + 1, 0x9e3779b1) | 1) >>> 0);
const ADD = Array.from({ length: HASHES }, (_, i) => Math.imul(i + 7, 0x85ebca6b) >>> 0);

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

function fnv1a(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/** The LSH band keys of a folded text: one signed 32-bit integer per band. */
export function minhashBands(folded: string): number[] {
  const mins = new Uint32Array(HASHES).fill(0xffffffff);
  for (const sh of shingles(folded)) {
    const x = fnv1a(sh);
    for (let i = 0; i < HASHES; i++) {
      const v = (Math.imul(x, MUL[i]!) + ADD[i]!) >>> 0;
      const mixed = (v ^ (v >>> 15)) >>> 0;
      if (mixed < mins[i]!) mins[i] = mixed;
    }
  }
  const bands: number[] = [];
  for (let b = 0; b < BANDS; b++) {
    let h = 0x811c9dc5 ^ b;
    for (let r = 0; r < ROWS; r++) h = Math.imul(h ^ mins[b * ROWS + r]!, 0x01000193);
    bands.push(h | 0);
  }
  return bands;
}
