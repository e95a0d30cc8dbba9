import { Batcher } from './batcher.js';

const tick = () => new Promise((r) => setImmediate(r));

/** A run function whose batches finish when the test says so. */
function controlled<I>() {
  const batches: { items: I[]; finish: (results: (string | Error)[]) => void; fail: (e: Error) => void }[] = [];
  const run = (items: I[]) =>
    new Promise<(string | Error)[]>((resolve, reject) => {
      batches.push({ items, finish: resolve, fail: reject });
    });
  return { batches, run };
}

describe('Batcher', () => {
  it('runs a lone call at once, and groups the calls that arrive while batches are running', async () => {
    const c = controlled<number>();
    const b = new Batcher<number, string>(c.run, { maxBatch: 10, maxConcurrent: 1 });
    const first = b.submit(1);
    expect(c.batches.map((x) => x.items)).toEqual([[1]]);
    const later = [b.submit(2), b.submit(3), b.submit(4)];
    await tick();
    expect(c.batches).toHaveLength(1);
    c.batches[0]!.finish(['one']);
    await expect(first).resolves.toBe('one');
    await tick();
    expect(c.batches.map((x) => x.items)).toEqual([[1], [2, 3, 4]]);
    c.batches[1]!.finish(['two', 'three', 'four']);
    await expect(Promise.all(later)).resolves.toEqual(['two', 'three', 'four']);
  });

  it('keeps at most maxConcurrent batches running and at most maxBatch items in one', async () => {
    const c = controlled<number>();
    const b = new Batcher<number, string>(c.run, { maxBatch: 2, maxConcurrent: 2 });
    const all = [1, 2, 3, 4, 5, 6].map((i) => b.submit(i));
    await tick();
    expect(c.batches.map((x) => x.items)).toEqual([[1], [2]]);
    c.batches[0]!.finish(['a']);
    await tick();
    expect(c.batches.map((x) => x.items)).toEqual([[1], [2], [3, 4]]);
    c.batches[1]!.finish(['b']);
    c.batches[2]!.finish(['c', 'd']);
    await tick();
    await tick();
    expect(c.batches.map((x) => x.items)).toEqual([[1], [2], [3, 4], [5, 6]]);
    c.batches[3]!.finish(['e', 'f']);
    await expect(Promise.all(all)).resolves.toEqual(['a', 'b', 'c', 'd', 'e', 'f']);
  });

  it('rejects only the item whose result is an Error, and every item when the batch throws', async () => {
    const c = controlled<number>();
    const b = new Batcher<number, string>(c.run, { maxBatch: 10, maxConcurrent: 1 });
    const blocker = b.submit(0);
    const [x, y] = [b.submit(1), b.submit(2)];
    c.batches[0]!.finish(['zero']);
    await blocker;
    await tick();
    c.batches[1]!.finish([new Error('bad one'), 'fine']);
    await expect(x).rejects.toThrow('bad one');
    await expect(y).resolves.toBe('fine');

    const z = b.submit(3);
    await tick();
    c.batches[2]!.fail(new Error('database down'));
    await expect(z).rejects.toThrow('database down');
  });

  it('rejects the batch when run answers a wrong number of results, and goes on with the next', async () => {
    let calls = 0;
    const b = new Batcher<number, number>(async (items) => (calls++ === 0 ? [] : items.map((i) => i * 2)), {
      maxBatch: 10,
      maxConcurrent: 1,
    });
    await expect(b.submit(1)).rejects.toThrow(/0 results for 1 items/);
    await expect(b.submit(2)).resolves.toBe(4);
  });
});
