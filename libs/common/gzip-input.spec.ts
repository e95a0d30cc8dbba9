import { PassThrough, Readable } from 'node:stream';
import { gzipSync } from 'node:zlib';
import { BadInputError, PayloadTooLargeError } from './errors.js';
import { decompressIfGzip, describeInputError, refuseExpansion } from './gzip-input.js';

const read = async (s: Readable) => {
  const parts: Buffer[] = [];
  for await (const c of s) parts.push(c as Buffer);
  return Buffer.concat(parts);
};

describe('decompressIfGzip', () => {
  const text = Buffer.from('{"recordId":"a"}\n'.repeat(5000));

  it('passes plain input through and inflates gzip', async () => {
    expect(await read(await decompressIfGzip(Readable.from([text])))).toEqual(text);
    expect(await read(await decompressIfGzip(Readable.from([gzipSync(text)])))).toEqual(text);
  });

  it('refuses output past maxExpandedBytes with a 413', async () => {
    const s = await decompressIfGzip(Readable.from([gzipSync(text)]), { maxExpandedBytes: 10_000, maxRatio: 1e9 });
    await expect(read(s)).rejects.toBeInstanceOf(PayloadTooLargeError);
  });

  it('refuses a compression ratio past maxRatio after the first MiB, and allows it below', async () => {
    const zeros = gzipSync(Buffer.alloc(8 << 20));
    const refused = await decompressIfGzip(Readable.from([zeros]), { maxExpandedBytes: 1e12, maxRatio: 200 });
    await expect(read(refused)).rejects.toThrow(/expands more than 200 times/);
    // a small, very repetitive file stays under the first MiB: not judged
    const small = await decompressIfGzip(Readable.from([gzipSync(Buffer.alloc(512 * 1024))]), {
      maxExpandedBytes: 1e12,
      maxRatio: 200,
    });
    expect((await read(small)).length).toBe(512 * 1024);
  });

  it('fails a truncated or corrupt gzip with a 400 that says which', async () => {
    const gz = gzipSync(text);
    await expect(read(await decompressIfGzip(Readable.from([gz.subarray(0, gz.length - 10)])))).rejects.toThrow(
      /truncated/,
    );
    const corrupt = Buffer.from(gz);
    corrupt[3] = 0xff; // reserved flag bits
    await expect(read(await decompressIfGzip(Readable.from([corrupt])))).rejects.toBeInstanceOf(BadInputError);
  });

  it('fails with the source error when the source fails, and destroys the source when the reader stops', async () => {
    const source = new PassThrough();
    const out = await decompressIfGzip((source.write(gzipSync(text).subarray(0, 100)), source));
    const reading = read(out);
    source.destroy(Object.assign(new Error('aborted'), { code: 'ECONNRESET' }));
    await expect(reading).rejects.toThrow(/cut off/);

    const src2 = new PassThrough();
    src2.write(gzipSync(text));
    const out2 = await decompressIfGzip(src2);
    out2.destroy();
    await new Promise((r) => setTimeout(r, 20));
    expect(src2.destroyed).toBe(true);
  });
});

describe('refuseExpansion', () => {
  const limits = { maxExpandedBytes: 100 << 20, maxRatio: 200 };
  it('allows what stays under both limits', () => {
    expect(() => refuseExpansion(50 << 20, 1 << 20, limits)).not.toThrow();
    expect(() => refuseExpansion(900 * 1024, 1, limits)).not.toThrow();
  });
  it('refuses past either', () => {
    expect(() => refuseExpansion((100 << 20) + 1, 100 << 20, limits)).toThrow(/INGEST_MAX_EXPANDED_BYTES/);
    expect(() => refuseExpansion((201 << 20) >> 4, 1 << 16, limits)).toThrow(/INGEST_MAX_COMPRESSION_RATIO/);
  });
});

describe('describeInputError', () => {
  it('passes errors with a status through and names zlib and connection failures', () => {
    const e = new PayloadTooLargeError('x');
    expect(describeInputError(e)).toBe(e);
    expect(
      describeInputError(Object.assign(new Error('unexpected end of file'), { code: 'Z_BUF_ERROR' })),
    ).toBeInstanceOf(BadInputError);
    expect(
      describeInputError(Object.assign(new Error('incorrect header check'), { code: 'Z_DATA_ERROR' })).message,
    ).toMatch(/corrupt/);
    expect(describeInputError(Object.assign(new Error('aborted'), { code: 'ECONNRESET' })).message).toMatch(/cut off/);
    expect(describeInputError(new Error('other')).message).toBe('other');
  });
});
