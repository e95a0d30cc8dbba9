import { PassThrough, Readable } from 'node:stream';

/**
 * Reads the stream's first chunks until `enough(head)` says so (or the stream ends) and gives
 * them back with a stream of all the bytes, the head included: a look at the start that costs
 * no copy of the rest.
 */
export async function peek(input: Readable, enough: (head: Buffer) => boolean): Promise<{ head: Buffer; stream: Readable }> {
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
  const out = new PassThrough({ highWaterMark: 1 << 20 });
  const rest = Readable.from(
    (async function* () {
      yield* heads;
      if (ended) return;
      for (let r = await it.next(); !r.done; r = await it.next()) yield r.value as Buffer;
    })(),
    { objectMode: false },
  );
  rest.on('error', (e) => out.destroy(e));
  return { head, stream: rest.pipe(out) };
}
