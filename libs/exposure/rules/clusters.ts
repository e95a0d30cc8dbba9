/**
 * Union-find over the items that some rule links, the earliest item (by first line) as each
 * cluster's root. Only linked items are held, not the whole data set.
 */
export interface ClusterEdge {
  /** the earlier item */
  from: string;
  /** the later item, which joins `from`'s cluster */
  to: string;
  reason: string;
}

export function buildClusters(
  edges: ClusterEdge[],
  firstLine: (fingerprint: string) => number,
): Map<string, { clusterId: string; mergeReason: string | null }> {
  const parent = new Map<string, string>();
  const reason = new Map<string, string>();
  const find = (x: string): string => {
    let root = x;
    while (parent.get(root) !== root) root = parent.get(root)!;
    for (let cur = x; cur !== root; ) {
      const next = parent.get(cur)!;
      parent.set(cur, root);
      cur = next;
    }
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
  const out = new Map<string, { clusterId: string; mergeReason: string | null }>();
  for (const n of parent.keys()) {
    const root = find(n);
    out.set(n, { clusterId: root, mergeReason: n === root ? null : (reason.get(n) ?? null) });
  }
  return out;
}
