/**
 * A bounded memo for pure string functions. Exposed data repeats the same addresses, domains and
 * phone numbers many times, and parsing them (IDNA, libphonenumber) costs microseconds each.
 *
 * Two generations of at most `max` entries each: when the young one is full it becomes the old
 * one and the previous old one is dropped whole; a hit in the old generation moves up. Memory
 * stays bounded whatever the input, and no per-entry eviction is paid (deleting from the head of
 * a large Map one entry at a time makes V8 skip ever more tombstones).
 */
export function memoByString<R>(fn: (key: string) => R, max = 10_000): (key: string) => R {
  let young = new Map<string, R>();
  let old = new Map<string, R>();
  const remember = (key: string, value: R) => {
    if (young.size >= max) {
      old = young;
      young = new Map();
    }
    young.set(key, value);
  };
  return (key: string): R => {
    if (young.has(key)) return young.get(key) as R;
    if (old.has(key)) {
      const value = old.get(key) as R;
      remember(key, value);
      return value;
    }
    const value = fn(key);
    remember(key, value);
    return value;
  };
}
