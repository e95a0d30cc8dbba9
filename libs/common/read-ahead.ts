import { quiet } from './quiet.js';

/**
 * Starts an async generator now (its first value is being fetched while the caller does other
 * work) and yields what it yields. The caller stays responsible for the generator: if it may
 * leave before the end, it calls `source.return()` so that the generator's clean-up runs.
 */
export function readAhead<T>(source: AsyncGenerator<T>): AsyncIterable<T> {
  // a failure is seen by whoever iterates
  const first = quiet(source.next());
  return {
    async *[Symbol.asyncIterator]() {
      for (let r = await first; !r.done; r = await source.next()) yield r.value;
    },
  };
}
