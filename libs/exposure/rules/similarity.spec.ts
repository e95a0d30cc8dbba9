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
});
