import { pipeline, Transform, type Readable } from 'node:stream';
import { PayloadTooLargeError } from './errors.js';

/**
 * A request body refused over `maxBytes`: 413 before reading when the declared length says so,
 * else as soon as the bytes read pass it. Joined to the request by `pipeline`: a client that goes
 * away fails the returned stream (its reader stops at once), and a reader that stops destroys the
 * request.
 */
export function limitedBody(
  req: Readable & { headers: Record<string, string | string[] | undefined> },
  maxBytes: number,
): Readable {
  const declared = Number(req.headers['content-length'] ?? NaN);
  if (declared > maxBytes) throw new PayloadTooLargeError(`upload larger than ${maxBytes} bytes`);
  let seen = 0;
  return pipeline(
    req,
    new Transform({
      transform(chunk: Buffer, _enc, done) {
        seen += chunk.length;
        if (seen > maxBytes) done(new PayloadTooLargeError(`upload larger than ${maxBytes} bytes`));
        else done(null, chunk);
      },
    }),
    () => undefined,
  );
}
