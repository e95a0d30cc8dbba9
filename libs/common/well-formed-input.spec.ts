import { isUnstorableTextError, malformedBody, malformedTarget } from './well-formed-input.js';

describe('malformedTarget', () => {
  it('accepts well-formed paths and queries, encoded or not', () => {
    for (const t of [
      '/v1/datasets',
      '/v1/tenants?skip=10&take=5',
      '/v1/x/%C3%A9t%C3%A9?q=a+b&%24filter=isRead%20eq%20true',
      '/v1/a/..%2F..',
      "/v1/a?x='%22",
    ]) {
      expect([t, malformedTarget(t)]).toEqual([t, null]);
    }
  });
  it('names NUL, raw or encoded', () => {
    expect(malformedTarget('/v1/a\u0000b')).toMatch(/NUL/);
    expect(malformedTarget('/v1/a%00b')).toMatch(/NUL/);
    expect(malformedTarget('/v1/a?x=%00')).toMatch(/NUL/);
  });
  it('names broken percent-encoding, overlong and invalid UTF-8', () => {
    for (const t of [
      '/v1/%E0%A4%A',
      '/v1/%C0%AF',
      '/v1/%C0%80',
      '/v1/%FF',
      '/v1/a?x=%',
      '/v1/a?x=%ZZ',
      '/v1/%ED%A0%80',
    ]) {
      expect([t, malformedTarget(t)]).toEqual([t, expect.stringMatching(/not valid percent-encoded UTF-8/)]);
    }
  });
});

describe('malformedBody', () => {
  it('tells UTF-8 from bytes that are not', () => {
    expect(malformedBody(Buffer.from('{"a":"été"}'))).toBeNull();
    expect(malformedBody(Buffer.from([0x7b, 0xc0, 0xaf, 0x7d]))).toMatch(/UTF-8/);
  });
});

describe('isUnstorableTextError', () => {
  it('recognises PostgreSQL refusing NUL or bad bytes, however wrapped', () => {
    expect(isUnstorableTextError(Object.assign(new Error('x'), { code: '22021' }))).toBe(true);
    expect(
      isUnstorableTextError(
        new Error('wrapped', { cause: { code: '22P05', message: 'unsupported Unicode escape sequence' } }),
      ),
    ).toBe(true);
    expect(isUnstorableTextError(Object.assign(new Error('invalid byte sequence for encoding "UTF8": 0x00'), {}))).toBe(
      true,
    );
    expect(isUnstorableTextError(Object.assign(new Error('unique violation'), { code: '23505' }))).toBe(false);
    expect(isUnstorableTextError(undefined)).toBe(false);
  });
});
