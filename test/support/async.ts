/** Small async helpers the end-to-end tests share. */

/** The strings as an async iterable, as the import services read a file's lines. */
export async function* lines(xs: string[]): AsyncGenerator<string> {
  yield* xs;
}

/** Polls `fn` every 200 ms until it gives a truthy value; fails naming `what` after `ms`. */
export async function until<T>(what: string, fn: () => Promise<T | undefined | false>, ms = 90_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}
