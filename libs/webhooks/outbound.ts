import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import http from 'node:http';
import https from 'node:https';
import { isIP, type LookupFunction } from 'node:net';
import ipaddr from 'ipaddr.js';

/**
 * Outbound webhook requests go to addresses a tenant typed in, so each one is a way into our own
 * network unless it is checked (docs/design.md, "Security model" in README.md). Only public
 * unicast addresses are reachable: private, loopback, link-local (the cloud metadata service at
 * 169.254.169.254 among them), unique-local (fd00:ec2::254), multicast, unspecified, carrier-grade
 * NAT, reserved, and the IPv6 ranges that embed an IPv4 address (NAT64, 6to4, Teredo, mapped)
 * are refused. A host named in WEBHOOK_ALLOWED_HOSTS is exempt (a receiver on this machine in tests,
 * a partner's private link in production).
 */
export function forbiddenAddress(address: string): string | null {
  let parsed: ipaddr.IPv4 | ipaddr.IPv6;
  try {
    parsed = ipaddr.process(address);
  } catch {
    return `${address} is not an IP address`;
  }
  const range = parsed.range();
  return range === 'unicast' ? null : `${parsed.toString()} is a ${range} address`;
}

/** A host name as URL gives it, without IPv6 brackets, lower-case. */
export const bareHost = (hostname: string) => hostname.replace(/^\[(.*)\]$/, '$1').toLowerCase();

export const MAX_URL_LENGTH = 2048;

/**
 * Whether a tenant may register this URL: https (http only for an allow-listed host), no
 * credentials, and a host that is not an IP literal in a refused range. Host names are checked
 * again on every delivery, after resolution (their addresses can change). Returns the reason it
 * may not, or null.
 */
export function registrationProblem(raw: string, allowedHosts: readonly string[]): string | null {
  if (raw.length > MAX_URL_LENGTH) return `the URL is longer than ${MAX_URL_LENGTH} characters`;
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return 'not an absolute URL';
  }
  const host = bareHost(url.hostname);
  const allowed = allowedHosts.includes(host);
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && allowed)) return 'the URL must use https';
  if (url.username || url.password) return 'the URL may not carry credentials';
  if (url.hash) return 'the URL may not carry a fragment';
  if (!host) return 'the URL has no host';
  if (!allowed && isIP(host)) {
    const why = forbiddenAddress(host);
    if (why) return `refused: ${why}`;
  }
  return null;
}

/** Resolves a host name to every address it has (the test injects its own). */
export type Resolver = (hostname: string) => Promise<LookupAddress[]>;

export const systemResolver: Resolver = (hostname) =>
  new Promise((resolve, reject) =>
    dnsLookup(hostname, { all: true, verbatim: true }, (err, addresses) => (err ? reject(err) : resolve(addresses))),
  );

export class ForbiddenAddressError extends Error {
  readonly code = 'EWEBHOOKFORBIDDEN';
}

/**
 * A `lookup` for the socket that resolves once, refuses the host when any of its addresses is in
 * a refused range, and hands the checked addresses to the socket: the connection goes to an
 * address that was checked, never to a second resolution (no DNS rebinding window).
 */
export function checkedLookup(resolver: Resolver): LookupFunction {
  return (hostname, options, callback) => {
    resolver(hostname).then(
      (addresses) => {
        const family = options.family === 4 || options.family === 6 ? options.family : 0;
        const usable = addresses.filter((a) => family === 0 || a.family === family);
        const bad = addresses.map((a) => forbiddenAddress(a.address)).find((x) => x !== null);
        if (bad) return callback(new ForbiddenAddressError(`refused: ${hostname} resolves to ${bad}`), '', 0);
        if (!usable.length) {
          const err = Object.assign(new Error(`${hostname} has no address`), { code: 'ENOTFOUND' });
          return callback(err, '', 0);
        }
        if (options.all) return (callback as (e: null, a: LookupAddress[]) => void)(null, usable);
        return callback(null, usable[0]!.address, usable[0]!.family);
      },
      (err: NodeJS.ErrnoException) => callback(err, '', 0),
    );
  };
}

export interface OutboundRequest {
  url: string;
  headers: Record<string, string>;
  body: string;
}

export interface OutboundPolicy {
  allowedHosts: readonly string[];
  connectTimeoutMs: number;
  timeoutMs: number;
  /** at most this much of a response body is read (for the error text); the rest is dropped */
  maxResponseBytes: number;
  resolver: Resolver;
}

export type OutboundResult = { ok: true; status: number } | { ok: false; status: number | null; reason: string };

/** First line of a response body, printable, short: what a delivery's last error shows the tenant. */
const snippet = (buf: Buffer) =>
  buf
    .toString('utf8')
    .replace(/[^\x20-\x7e]+/g, ' ')
    .trim()
    .slice(0, 200);

/**
 * One POST, never followed anywhere: a 3xx is a failure naming the status, a 2xx is success,
 * anything else (including a refused address and a timeout) is a failure with its reason. Never
 * throws.
 */
export function postOnce(req: OutboundRequest, policy: OutboundPolicy): Promise<OutboundResult> {
  let url: URL;
  try {
    url = new URL(req.url);
  } catch {
    return Promise.resolve({ ok: false, status: null, reason: 'not an absolute URL' });
  }
  const host = bareHost(url.hostname);
  const allowed = policy.allowedHosts.includes(host);
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && allowed))
    return Promise.resolve({ ok: false, status: null, reason: 'the URL must use https' });
  // an IP literal never goes through lookup: it is checked here
  const literal = isIP(host) ? forbiddenAddress(host) : null;
  if (literal && !allowed) return Promise.resolve({ ok: false, status: null, reason: `refused: ${literal}` });

  return new Promise<OutboundResult>((resolve) => {
    let settled = false;
    const finish = (r: OutboundResult) => {
      if (settled) return;
      settled = true;
      clearTimeout(total);
      clearTimeout(connect);
      resolve(r);
      request.destroy();
    };
    const client = url.protocol === 'https:' ? https : http;
    const request = client.request(url, {
      method: 'POST',
      agent: false,
      headers: { ...req.headers, 'content-length': String(Buffer.byteLength(req.body)) },
      ...(allowed ? {} : { lookup: checkedLookup(policy.resolver) }),
    });
    const total = setTimeout(
      () => finish({ ok: false, status: null, reason: `no answer within ${policy.timeoutMs} ms` }),
      policy.timeoutMs,
    );
    const connect = setTimeout(
      () => finish({ ok: false, status: null, reason: `no connection within ${policy.connectTimeoutMs} ms` }),
      policy.connectTimeoutMs,
    );
    request.on('socket', (socket) => {
      socket.once(url.protocol === 'https:' ? 'secureConnect' : 'connect', () => clearTimeout(connect));
    });
    request.on('error', (err: NodeJS.ErrnoException) =>
      finish({
        ok: false,
        status: null,
        reason: err instanceof ForbiddenAddressError ? err.message : `${err.code ?? 'error'}: ${err.message}`,
      }),
    );
    request.on('response', (res) => {
      const status = res.statusCode ?? 0;
      const chunks: Buffer[] = [];
      let size = 0;
      const done = () => {
        if (status >= 200 && status < 300) return finish({ ok: true, status });
        if (status >= 300 && status < 400)
          return finish({ ok: false, status, reason: `HTTP ${status}: redirects are not followed` });
        const text = snippet(Buffer.concat(chunks));
        finish({ ok: false, status, reason: `HTTP ${status}${text ? `: ${text}` : ''}` });
      };
      // success and redirects are known from the status line: their bodies are never read
      if (status < 400) return done();
      res.on('data', (c: Buffer) => {
        if (size < policy.maxResponseBytes) chunks.push(c.subarray(0, policy.maxResponseBytes - size));
        size += c.length;
        if (size >= policy.maxResponseBytes) done();
      });
      res.on('end', done);
      res.on('error', done);
    });
    request.end(req.body);
  });
}
