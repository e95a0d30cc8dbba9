import { pipeline, Readable, Transform } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { AppError, BadInputError, PayloadTooLargeError } from './errors.js';
import { peek } from './peek.js';

/**
 * How far compressed input may expand. A gzip bomb is small on the wire, so the upload limit
 * (compressed bytes) does not bound the work: these do.
 */
export interface ExpansionLimits {
  /** decompressed bytes at most */
  maxExpandedBytes: number;
  /** decompressed bytes per compressed byte read so far, at most (checked after the first MiB) */
  maxRatio: number;
}

/** Below this much output the ratio is not judged: a small file of repeated lines compresses well. */
const RATIO_GRACE_BYTES = 1 << 20;

/** Tells a gzip stream by its magic bytes 1f 8b. */
export const isGzip = (head: Buffer) => head.length >= 2 && head[0] === 0x1f && head[1] === 0x8b;

/**
 * The stream, passed through gunzip when it starts with the gzip magic bytes, as one readable
 * whose errors are the caller's to read: a corrupt or truncated gzip fails it with a
 * BadInputError, output past the limits with a PayloadTooLargeError, a source that failed (a
 * client that went away) with the source's error. Every stage is joined by `pipeline`, so a
 * failure anywhere, or a reader that stops, destroys all of them, the source included.
 */
export async function decompressIfGzip(input: Readable, limits?: ExpansionLimits): Promise<Readable> {
  const { head, stream } = await peek(input, (h) => h.length >= 2);
  if (!isGzip(head)) return stream;
  let compressed = 0;
  const counter = new Transform({
    transform(chunk: Buffer, _enc, done) {
      compressed += chunk.length;
      done(null, chunk);
    },
  });
  const inflated = pipeline(stream, counter, createGunzip({ chunkSize: 64 * 1024 }), () => undefined);
  async function* guarded(): AsyncGenerator<Buffer> {
    let expanded = 0;
    try {
      for await (const chunk of inflated as AsyncIterable<Buffer>) {
        expanded += chunk.length;
        if (limits) refuseExpansion(expanded, compressed, limits);
        yield chunk;
      }
    } catch (err) {
      throw describeInputError(err);
    }
  }
  const out = Readable.from(guarded(), { objectMode: false, highWaterMark: 1 << 20 });
  // destroyed before it was read: the generator never ran, so tear the stages down here
  out.once('close', () => inflated.destroy());
  return out;
}

/** Throws a PayloadTooLargeError once `expanded` bytes from `compressed` pass a limit. */
export function refuseExpansion(expanded: number, compressed: number, limits: ExpansionLimits): void {
  if (expanded > limits.maxExpandedBytes) {
    throw new PayloadTooLargeError(
      `the compressed input expands to more than ${limits.maxExpandedBytes} bytes (INGEST_MAX_EXPANDED_BYTES)`,
    );
  }
  if (expanded > RATIO_GRACE_BYTES && expanded > limits.maxRatio * Math.max(compressed, 1)) {
    throw new PayloadTooLargeError(
      `the compressed input expands more than ${limits.maxRatio} times (${expanded} bytes from ${compressed}): refused as a likely gzip bomb (INGEST_MAX_COMPRESSION_RATIO)`,
    );
  }
}

/**
 * An error met while reading input, in words for the operator: zlib's codes become a 400 that
 * says the file is corrupt or cut short; errors that already carry a status pass unchanged.
 */
export function describeInputError(err: unknown): Error {
  if (err instanceof AppError) return err;
  const e = err as NodeJS.ErrnoException;
  if (e?.code === 'Z_BUF_ERROR' || /unexpected end of file/i.test(e?.message ?? '')) {
    return new BadInputError(
      'the gzip input is truncated (unexpected end of file): was the file cut short? Nothing after the cut could be read',
    );
  }
  if (typeof e?.code === 'string' && e.code.startsWith('Z_')) {
    return new BadInputError(`the gzip input is corrupt (${e.message}): it cannot be read past that point`);
  }
  if (e?.code === 'ECONNRESET' || e?.code === 'ERR_STREAM_PREMATURE_CLOSE' || e?.message === 'aborted') {
    return new BadInputError(`the upload was cut off: the connection closed before the end of the body (${e.message})`);
  }
  return err instanceof Error ? err : new Error(String(err));
}

/** The limits as configured (INGEST_MAX_EXPANDED_BYTES, INGEST_MAX_COMPRESSION_RATIO). */
export function expansionLimitsOf(config: {
  INGEST_MAX_EXPANDED_BYTES: number;
  INGEST_MAX_COMPRESSION_RATIO: number;
}): ExpansionLimits {
  return { maxExpandedBytes: config.INGEST_MAX_EXPANDED_BYTES, maxRatio: config.INGEST_MAX_COMPRESSION_RATIO };
}
