import { memoByString } from './memo.js';

describe('memoByString', () => {
  it('computes once per key and remembers null results', () => {
    let calls = 0;
    const f = memoByString((k: string) => {
      calls++;
      return k === 'none' ? null : k.length;
    });
    expect([f('a'), f('a'), f('none'), f('none')]).toEqual([1, 1, null, null]);
    expect(calls).toBe(2);
  });

  it('stays bounded: keys unused for two generations are computed again', () => {
    let calls = 0;
    const f = memoByString((k: string) => {
      calls++;
      return k.toUpperCase();
    }, 2);
    f('a');
    f('b'); // young {a, b}
    f('c'); // old {a, b}, young {c}
    f('a'); // hit in old, moves up: young {c, a}
    expect(calls).toBe(3);
    f('d'); // old {c, a}, young {d}; b is gone
    f('e');
    expect(calls).toBe(5);
    expect(f('b')).toBe('B');
    expect(calls).toBe(6);
  });
});
