import { buildClusters } from './clusters.js';

describe('buildClusters', () => {
  const lines: Record<string, number> = { a: 1, b: 5, c: 9, d: 3, e: 20 };
  it('roots each cluster at its earliest item and keeps why each joined', () => {
    const c = buildClusters(
      [
        { from: 'a', to: 'b', reason: 'quotes A' },
        { from: 'b', to: 'c', reason: 'quotes B' },
        { from: 'd', to: 'c', reason: 'same text as D' },
      ],
      (x) => lines[x]!,
    );
    expect(c.get('a')).toEqual({ clusterId: 'a', mergeReason: null });
    expect(c.get('c')).toEqual({ clusterId: 'a', mergeReason: 'quotes B' });
    expect(c.get('d')!.clusterId).toBe('a');
    expect(c.has('e')).toBe(false);
  });
});
