import fc from 'fast-check';
import { jaccard, minhashBands, shingles } from './similarity.js';
import { foldText } from './message-text.js';

const words = (n: number, seed: number) =>
  Array.from({ length: n }, (_, i) => `w${(i * 7919 + seed * 104729) % 100003}`).join(' ');

describe('near-duplicate signatures', () => {
  it('computes exact Jaccard over 3-word shingles', () => {
    expect(jaccard(shingles('a b c d'), shingles('a b c d'))).toBe(1);
    expect(jaccard(shingles('a b c d'), shingles('x y z w'))).toBe(0);
    expect(jaccard(shingles('a b c d e'), shingles('a b c d f'))).toBeCloseTo(2 / 4);
  });

  it('gives a text with an appended disclaimer a shared band, and unrelated texts none', () => {
    const base = foldText(words(80, 1));
    const withFooter = `${base} this message was scanned`;
    expect(jaccard(shingles(base), shingles(withFooter))).toBeGreaterThanOrEqual(0.9);
    const a = minhashBands(base);
    const b = minhashBands(withFooter);
    expect(a.some((x, i) => x === b[i])).toBe(true);
    const other = minhashBands(foldText(words(80, 2)));
    expect(a.some((x, i) => x === other[i])).toBe(false);
  });

  it('is deterministic', () => {
    expect(minhashBands('one two three four five')).toEqual(minhashBands('one two three four five'));
  });

  it('gives the bands of the plain definition: 32 hashes of every distinct shingle, banded by 4', () => {
    const fnv1a = (t: string) => {
      let h = 0x811c9dc5;
      for (let i = 0; i < t.length; i++) h = Math.imul(h ^ t.charCodeAt(i), 0x01000193);
      return h >>> 0;
    };
    const reference = (folded: string) => {
      const mins = new Array<number>(32).fill(0xffffffff);
      for (const sh of shingles(folded)) {
        const x = fnv1a(sh);
        for (let i = 0; i < 32; i++) {
          const v =
            (Math.imul(x, (Math.imul(i + 1, 0x9e3779b1) | 1) >>> 0) + (Math.imul(i + 7, 0x85ebca6b) >>> 0)) >>> 0;
          mins[i] = Math.min(mins[i]!, (v ^ (v >>> 15)) >>> 0);
        }
      }
      return Array.from({ length: 8 }, (_, b) => {
        let h = 0x811c9dc5 ^ b;
        for (let r = 0; r < 4; r++) h = Math.imul(h ^ mins[b * 4 + r]!, 0x01000193);
        return h | 0;
      });
    };
    // few distinct words, so that shingles repeat; runs of spaces, and texts of 0 to 3 words
    const text = fc
      .array(fc.oneof(fc.constantFrom('a', 'b', 'é', 'ü𝒳', ''), fc.string({ maxLength: 3 })), { maxLength: 40 })
      .map((ws) => ws.join(' '));
    fc.assert(
      fc.property(text, (t) => {
        expect(minhashBands(t)).toEqual(reference(t));
      }),
      { numRuns: 2000 },
    );
    expect(minhashBands(foldText(words(300, 3)))).toEqual(reference(foldText(words(300, 3))));
  });
});
