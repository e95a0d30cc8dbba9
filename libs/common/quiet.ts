/**
 * The promise itself, its rejection marked as handled: for a promise that is awaited later (read
 * ahead, written behind), whose failure must not count as unhandled and end the process meanwhile.
 */
export function quiet<T>(p: Promise<T>): Promise<T> {
  p.catch(() => undefined);
  return p;
}
