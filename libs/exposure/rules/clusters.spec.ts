import fc from 'fast-check';
import { buildClusters, type ClusterEdge } from './clusters.js';

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

  it('gives what a union-find over maps gives, reasons and order included', () => {
    // the plain form the compact builder replaced
    const reference = (edges: ClusterEdge[], firstLine: (x: string) => number) => {
      const parent = new Map<string, string>();
      const reason = new Map<string, string>();
      const find = (x: string): string => {
        let root = x;
        while (parent.get(root) !== root) root = parent.get(root)!;
        return root;
      };
      for (const e of edges) {
        for (const n of [e.from, e.to]) if (!parent.has(n)) parent.set(n, n);
        if (!reason.has(e.to)) reason.set(e.to, e.reason);
        const a = find(e.from);
        const b = find(e.to);
        if (a === b) continue;
        if (firstLine(a) <= firstLine(b)) parent.set(b, a);
        else parent.set(a, b);
      }
      return [...parent.keys()].map(
        (n) => [n, { clusterId: find(n), mergeReason: n === find(n) ? null : (reason.get(n) ?? null) }] as const,
      );
    };
    const node = fc.integer({ min: 0, max: 40 }).map((i) => `n${i}`);
    const edges = fc.array(fc.record({ from: node, to: node, reason: fc.constantFrom('same', 'quote', 'near') }), {
      maxLength: 120,
    });
    fc.assert(
      fc.property(edges, fc.array(fc.integer({ min: 1, max: 1000 }), { minLength: 41, maxLength: 41 }), (es, lines) => {
        const firstLine = (x: string) => lines[Number(x.slice(1))]!;
        expect([...buildClusters(es, firstLine).entries()]).toEqual(reference(es, firstLine));
      }),
      { numRuns: 500 },
    );
  });
});
