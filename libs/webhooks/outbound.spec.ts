import http from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  forbiddenAddress,
  postOnce,
  registrationProblem,
  systemResolver,
  type OutboundPolicy,
  type Resolver,
} from './outbound.js';

/** Every request a local server got; it answers as `answer` says. */
async function server(answer: (req: http.IncomingMessage, res: http.ServerResponse) => void) {
  const hits: string[] = [];
  const s = http.createServer((req, res) => {
    hits.push(req.url ?? '');
    answer(req, res);
  });
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  return { s, hits, port: (s.address() as AddressInfo).port };
}

const policy = (over: Partial<OutboundPolicy> = {}): OutboundPolicy => ({
  allowedHosts: [],
  connectTimeoutMs: 2000,
  timeoutMs: 5000,
  maxResponseBytes: 1024,
  resolver: systemResolver,
  ...over,
});
const post = (url: string, p: OutboundPolicy) =>
  postOnce({ url, headers: { 'content-type': 'application/json' }, body: '{}' }, p);

describe('outbound webhook requests refuse private addresses (SSRF)', () => {
  it.each([
    ['127.0.0.1', 'loopback'],
    ['127.3.4.5', 'loopback'],
    ['::1', 'loopback'],
    ['::ffff:127.0.0.1', 'loopback'],
    ['10.1.2.3', 'private'],
    ['172.16.0.1', 'private'],
    ['192.168.1.1', 'private'],
    ['169.254.169.254', 'linkLocal'],
    ['fe80::1', 'linkLocal'],
    ['fd00:ec2::254', 'uniqueLocal'],
    ['fc00::1', 'uniqueLocal'],
    ['224.0.0.1', 'multicast'],
    ['ff02::1', 'multicast'],
    ['0.0.0.0', 'unspecified'],
    ['::', 'unspecified'],
    ['100.64.0.1', 'carrierGradeNat'],
    ['64:ff9b::7f00:1', 'rfc6052'],
    ['2002:7f00:1::', '6to4'],
  ])('refuses %s (%s)', (address, range) => {
    expect(forbiddenAddress(address)).toContain(range);
  });

  it.each(['8.8.8.8', '2606:4700:4700::1111', '20.190.151.68'])('allows the public address %s', (a) => {
    expect(forbiddenAddress(a)).toBeNull();
  });

  it('refuses at registration: http, credentials, IP literals in refused ranges; allows https names and allow-listed hosts', () => {
    expect(registrationProblem('https://hooks.example.com/x', [])).toBeNull();
    expect(registrationProblem('http://hooks.example.com/x', [])).toMatch(/https/);
    expect(registrationProblem('https://user:pw@hooks.example.com/x', [])).toMatch(/credentials/);
    expect(registrationProblem('https://127.0.0.1/x', [])).toMatch(/loopback/);
    expect(registrationProblem('https://[::1]/x', [])).toMatch(/loopback/);
    expect(registrationProblem('https://169.254.169.254/latest/meta-data', [])).toMatch(/linkLocal/);
    expect(registrationProblem('https://[fd00:ec2::254]/', [])).toMatch(/uniqueLocal/);
    expect(registrationProblem('https://0x7f000001/', [])).toMatch(/loopback/); // URL normalizes to 127.0.0.1
    expect(registrationProblem('https://2130706433/', [])).toMatch(/loopback/);
    expect(registrationProblem('not a url', [])).toMatch(/absolute/);
    expect(registrationProblem('javascript:alert(1)', [])).toMatch(/https/);
    expect(registrationProblem('http://127.0.0.1:9/x', ['127.0.0.1'])).toBeNull();
  });

  it('refuses to connect to loopback, [::1] and the metadata address, sending nothing', async () => {
    const { s, hits, port } = await server((_q, r) => r.end('ok'));
    try {
      for (const url of [
        `http://127.0.0.1:${port}/`,
        `https://127.0.0.1:${port}/`,
        `https://[::1]:${port}/`,
        'https://169.254.169.254/latest',
      ]) {
        const r = await post(url, policy());
        expect(r.ok).toBe(false);
      }
      expect((await post(`https://127.0.0.1:${port}/`, policy())) as { reason: string }).toMatchObject({
        reason: expect.stringMatching(/refused: 127\.0\.0\.1 is a loopback address/),
      });
      expect(hits).toEqual([]);
    } finally {
      s.close();
    }
  });

  it('refuses a host name that resolves to a private address, after resolution, without connecting', async () => {
    const { s, hits, port } = await server((_q, r) => r.end('ok'));
    // what a rebinding name (127.0.0.1.nip.io and the like) answers
    const rebinding: Resolver = () => Promise.resolve([{ address: '127.0.0.1', family: 4 }]);
    const mixed: Resolver = () =>
      Promise.resolve([
        { address: '93.184.215.14', family: 4 },
        { address: '10.0.0.7', family: 4 },
      ]);
    try {
      const a = await postOnce(
        { url: `https://127.0.0.1.nip.io:${port}/`, headers: {}, body: '{}' },
        policy({ resolver: rebinding }),
      );
      expect(a).toMatchObject({
        ok: false,
        reason: expect.stringContaining('resolves to 127.0.0.1 is a loopback address'),
      });
      // one bad address among good ones refuses the host
      const b = await postOnce(
        { url: `https://mixed.example:${port}/`, headers: {}, body: '{}' },
        policy({ resolver: mixed }),
      );
      expect(b).toMatchObject({ ok: false, reason: expect.stringContaining('10.0.0.7 is a private address') });
      // the real resolver: localhost is loopback
      const c = await post(`https://localhost:${port}/`, policy());
      expect(c).toMatchObject({ ok: false, reason: expect.stringContaining('loopback') });
      expect(hits).toEqual([]);
    } finally {
      s.close();
    }
  });

  it('never follows a redirect (even to a private address): a 3xx is a failure naming it', async () => {
    const { s, hits, port } = await server((_q, r) =>
      r.writeHead(307, { location: 'http://169.254.169.254/latest/meta-data' }).end(),
    );
    try {
      const r = await post(`http://127.0.0.1:${port}/hook`, policy({ allowedHosts: ['127.0.0.1'] }));
      expect(r).toEqual({ ok: false, status: 307, reason: 'HTTP 307: redirects are not followed' });
      expect(hits).toEqual(['/hook']);
    } finally {
      s.close();
    }
  });

  it('delivers to an allow-listed host; reads at most the cap of an error body; times out', async () => {
    const { s, port } = await server((req, res) => {
      if (req.url === '/ok') return res.writeHead(204).end();
      if (req.url === '/big') return res.writeHead(500).end('x'.repeat(100_000));
      // /slow never answers
    });
    try {
      const p = policy({ allowedHosts: ['127.0.0.1'], timeoutMs: 300 });
      expect(await post(`http://127.0.0.1:${port}/ok`, p)).toEqual({ ok: true, status: 204 });
      const big = await post(`http://127.0.0.1:${port}/big`, p);
      expect(big).toMatchObject({ ok: false, status: 500 });
      expect((big as { reason: string }).reason.length).toBeLessThan(250);
      expect(await post(`http://127.0.0.1:${port}/slow`, p)).toEqual({
        ok: false,
        status: null,
        reason: 'no answer within 300 ms',
      });
    } finally {
      s.closeAllConnections();
      s.close();
    }
  });
});
