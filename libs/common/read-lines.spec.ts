import { Readable } from 'node:stream';
import { gzipSync } from 'node:zlib';
import { readLines } from './read-lines.js';

async function collect(chunks: (Buffer | string)[], maxLineLength?: number): Promise<string[]> {
  const out: string[] = [];
  for await (const line of readLines(Readable.from(chunks), { maxLineLength })) out.push(line);
  return out;
}

/** Splits bytes into chunks of the given size, to cut lines, CRLFs and UTF-8 sequences apart. */
const chunked = (buf: Buffer, size: number) => {
  const out: Buffer[] = [];
  for (let i = 0; i < buf.length; i += size) out.push(buf.subarray(i, i + size));
  return out;
};

describe('readLines', () => {
  const text = 'first\r\nsecond ü€𝄞\n\n  \r\nlast';
  const expected = ['first', 'second ü€𝄞', '', '  ', 'last'];

  it('yields every physical line, with LF or CRLF, whatever the chunking', async () => {
    for (const size of [1, 2, 3, 5, 7, 1000]) {
      expect(await collect(chunked(Buffer.from(text), size))).toEqual(expected);
    }
  });

  it('does not yield an empty line after a final newline', async () => {
    expect(await collect([Buffer.from('a\nb\n')])).toEqual(['a', 'b']);
    expect(await collect([Buffer.from('a\r\nb\r\n')])).toEqual(['a', 'b']);
    expect(await collect([])).toEqual([]);
    expect(await collect([Buffer.from('\n')])).toEqual(['']);
  });

  it('detects gzip by its magic bytes, also when the first chunk has one byte', async () => {
    const gz = gzipSync(Buffer.from(text));
    expect(gz[0]).toBe(0x1f);
    expect(gz[1]).toBe(0x8b);
    for (const size of [1, 2, 64, 100_000]) {
      expect(await collect(chunked(gz, size))).toEqual(expected);
    }
  });

  it('reads concatenated gzip members', async () => {
    const gz = Buffer.concat([gzipSync('a\nb\n'), gzipSync('c\n')]);
    expect(await collect([gz])).toEqual(['a', 'b', 'c']);
  });

  it('fails on a corrupt gzip stream instead of yielding garbage', async () => {
    const gz = gzipSync(Buffer.from('a\n'.repeat(1000)));
    const broken = Buffer.concat([gz.subarray(0, 20), Buffer.alloc(50, 0xff)]);
    await expect(collect([broken])).rejects.toThrow();
  });

  it('drops a UTF-8 byte-order mark', async () => {
    expect(await collect([Buffer.from('\ufeffa\nb')])).toEqual(['a', 'b']);
  });

  it('cuts an overlong line to maxLineLength + 1 characters and goes on with the next', async () => {
    const long = 'x'.repeat(50);
    const input = Buffer.from(`ok\n${long}\r\n${'y'.repeat(10)}\r\n${long}`);
    for (const size of [1, 4, 1000]) {
      const lines = await collect(chunked(input, size), 10);
      expect(lines).toEqual(['ok', 'x'.repeat(11), 'y'.repeat(10), 'x'.repeat(11)]);
    }
  });

  it('accepts a plain string stream', async () => {
    expect(await collect(['a\nb', 'c\n'])).toEqual(['a', 'bc']);
  });
});
