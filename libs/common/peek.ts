import { pipeline, PassThrough, Readable } from 'node:stream';

/**
 * Reads the stream's first chunks until `enough(head)` says so (or the stream ends) and gives
 * them back with a stream of all the bytes, the head included: a look at the start that costs
 * no copy of the rest. An error of the input fails the returned stream; destroying the returned
 * stream releases (destroys) the input.
 */
export async function peek(
  input: Readable,
  enough: (head: Buffer) => boolean,
): Promise<{ head: Buffer; stream: Readable }> {
  const it = input[Symbol.asyncIterator]();
  const heads: Buffer[] = [];
  let head: Buffer = Buffer.alloc(0);
  let ended = false;
  while (!enough(head)) {
    const r = await it.next();
    if (r.done) {
      ended = true;
      break;
    }
    heads.push(Buffer.from(r.value as Buffer));
    head = heads.length === 1 ? heads[0]! : Buffer.concat(heads);
  }
  const rest = Readable.from(
    (async function* () {
      try {
        yield* heads;
        if (ended) return;
        for (let r = await it.next(); !r.done; r = await it.next()) yield r.value as Buffer;
      } finally {
        // a reader that stops early, or fails, releases the input
        if (!ended) await it.return?.();
      }
    })(),
    { objectMode: false },
  );
  // destroyed before it was read: the generator never ran, so release the input here
  rest.once('close', () => void it.return?.());
  return { head, stream: pipeline(rest, new PassThrough({ highWaterMark: 1 << 20 }), () => undefined) };
}
