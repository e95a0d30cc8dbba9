import { AcsMailTransport, DEFAULT_RETRY_AFTER_MS, retryAfterMsFrom } from './acs-mail.transport.js';
import { isLoopbackHost, parseAcsConnectionString } from './acs-connection-string.js';

const headers = (h: Record<string, string>) => ({ get: (name: string) => h[name.toLowerCase()] });
const KEY = Buffer.alloc(32, 7).toString('base64');

describe('retryAfterMsFrom', () => {
  it('reads Retry-After as seconds', () => {
    expect(retryAfterMsFrom(headers({ 'retry-after': '17' }))).toBe(17_000);
  });
  it('prefers retry-after-ms and x-ms-retry-after-ms (milliseconds)', () => {
    expect(retryAfterMsFrom(headers({ 'retry-after-ms': '250', 'retry-after': '17' }))).toBe(250);
    expect(retryAfterMsFrom(headers({ 'x-ms-retry-after-ms': '900', 'retry-after': '17' }))).toBe(900);
  });
  it('reads an HTTP date as the time left until then', () => {
    const now = Date.parse('2026-01-01T00:00:00Z');
    expect(retryAfterMsFrom(headers({ 'retry-after': 'Thu, 01 Jan 2026 00:00:30 GMT' }), now)).toBe(30_000);
    expect(retryAfterMsFrom(headers({ 'retry-after': 'Wed, 31 Dec 2025 23:59:00 GMT' }), now)).toBe(0);
  });
  it('falls back to 60 s when there is nothing usable', () => {
    expect(DEFAULT_RETRY_AFTER_MS).toBe(60_000);
    expect(retryAfterMsFrom(undefined)).toBe(60_000);
    expect(retryAfterMsFrom(headers({}))).toBe(60_000);
    expect(retryAfterMsFrom(headers({ 'retry-after': 'soon', 'retry-after-ms': '-5' }))).toBe(60_000);
  });
});

describe('ACS connection strings', () => {
  it('knows loopback hosts', () => {
    for (const h of ['127.0.0.1', '127.255.3.9', 'localhost', 'LOCALHOST', '::1', '[::1]'])
      expect(isLoopbackHost(h)).toBe(true);
    for (const h of [
      '128.0.0.1',
      '10.0.0.1',
      '127.0.0.256',
      'localhost.evil.com',
      'example.communication.azure.com',
      '::2',
    ]) {
      expect(isLoopbackHost(h)).toBe(false);
    }
  });

  it('accepts the SDK form and plain http only to loopback', () => {
    const c = parseAcsConnectionString(`endpoint=https://res.communication.azure.com/;accesskey=${KEY}`);
    expect(c.endpoint.hostname).toBe('res.communication.azure.com');
    expect(c.accessKey).toBe(KEY);
    expect(parseAcsConnectionString(`endpoint=http://127.0.0.1:4100/;accesskey=${KEY}`).endpoint.port).toBe('4100');
    expect(() => parseAcsConnectionString(`endpoint=http://res.communication.azure.com/;accesskey=${KEY}`)).toThrow(
      /https/,
    );
  });

  it('refuses other shapes without echoing the key', () => {
    for (const bad of [
      `accesskey=${KEY};endpoint=https://res.communication.azure.com/`,
      'endpoint=https://res.communication.azure.com/',
      `endpoint=not a url;accesskey=${KEY}`,
      'endpoint=https://res.communication.azure.com/;accesskey=not*base64!',
    ]) {
      let message = '';
      try {
        parseAcsConnectionString(bad);
      } catch (e) {
        message = (e as Error).message;
      }
      expect(message).not.toBe('');
      expect(message).not.toContain(KEY);
      expect(message).not.toContain('not*base64!');
    }
  });

  it('AcsMailTransport refuses a bad connection string when it is built, not at the first send', () => {
    expect(() => new AcsMailTransport({ connectionString: 'endpoint=x', senderAddress: 'a@b.com' })).toThrow();
    expect(
      () =>
        new AcsMailTransport({
          connectionString: `endpoint=http://10.1.2.3/;accesskey=${KEY}`,
          senderAddress: 'a@b.com',
        }),
    ).toThrow(/loopback/);
  });
});
