/**
 * Union-find over the items that some rule links, the earliest item (by first line) as each
 * cluster's root. Only linked items are held, not the whole data set, and compactly: a number per
 * item instead of map entries and objects (a million-line data set links hundreds of thousands).
 */
export interface ClusterEdge {
  /** the earlier item */
  from: string;
  /** the later item, which joins `from`'s cluster */
  to: string;
  reason: string;
}

export interface ClusterAssignment {
  fingerprint: string;
  clusterId: string;
  /** why the item joined: the first edge that led to it; null for a cluster's root */
  mergeReason: string | null;
}

/**
 * Takes edges one at a time, in order (the first edge to reach an item gives its reason), each
 * with the first lines of its two items.
 */
export class ClusterBuilder {
  private readonly ids = new Map<string, number>();
  private readonly fingerprints: string[] = [];
  private readonly reasons: (string | undefined)[] = [];
  private parent = new Int32Array(1024);
  private firstLine = new Float64Array(1024);

  get size(): number {
    return this.fingerprints.length;
  }

  add(from: string, fromLine: number, to: string, toLine: number, reason: string): void {
    const f = this.node(from, fromLine);
    const t = this.node(to, toLine);
    if (this.reasons[t] === undefined) this.reasons[t] = reason;
    const a = this.find(f);
    const b = this.find(t);
    if (a === b) return;
    if (this.firstLine[a]! <= this.firstLine[b]!) this.parent[b] = a;
    else this.parent[a] = b;
  }

  /** Every linked item with its cluster, in the order the items were first seen. */
  *assignments(): Generator<ClusterAssignment> {
    for (let n = 0; n < this.fingerprints.length; n++) {
      const root = this.find(n);
      yield {
        fingerprint: this.fingerprints[n]!,
        clusterId: this.fingerprints[root]!,
        mergeReason: n === root ? null : (this.reasons[n] ?? null),
      };
    }
  }

  private node(fingerprint: string, line: number): number {
    let id = this.ids.get(fingerprint);
    if (id !== undefined) return id;
    id = this.fingerprints.length;
    if (id === this.parent.length) {
      const parent = new Int32Array(id * 2);
      parent.set(this.parent);
      this.parent = parent;
      const firstLine = new Float64Array(id * 2);
      firstLine.set(this.firstLine);
      this.firstLine = firstLine;
    }
    this.ids.set(fingerprint, id);
    this.fingerprints.push(fingerprint);
    this.reasons.push(undefined);
    this.parent[id] = id;
    this.firstLine[id] = line;
    return id;
  }

  private find(x: number): number {
    let root = x;
    while (this.parent[root] !== root) root = this.parent[root]!;
    for (let cur = x; cur !== root;) {
      const next = this.parent[cur]!;
      this.parent[cur] = root;
      cur = next;
    }
    return root;
  }
}

export function buildClusters(
  edges: ClusterEdge[],
  firstLine: (fingerprint: string) => number,
): Map<string, { clusterId: string; mergeReason: string | null }> {
  const b = new ClusterBuilder();
  for (const e of edges) b.add(e.from, firstLine(e.from), e.to, firstLine(e.to), e.reason);
  const out = new Map<string, { clusterId: string; mergeReason: string | null }>();
  for (const a of b.assignments()) out.set(a.fingerprint, { clusterId: a.clusterId, mergeReason: a.mergeReason });
  return out;
}
