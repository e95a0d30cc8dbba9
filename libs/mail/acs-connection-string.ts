/**
 * ACS connection strings, checked the way the SDK reads them (`endpoint=...;accesskey=...`, in that
 * order) so a bad value stops start-up instead of the first send.
 */
export interface AcsConnection {
  endpoint: URL;
  accessKey: string;
}

const SHAPE = /^endpoint=([^;]+);accesskey=([^;]+);?$/i;
const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;

/** 127.0.0.0/8, ::1 and localhost: the only hosts we talk to without TLS. */
export function isLoopbackHost(hostname: string): boolean {
  const h = hostname.toLowerCase().replace(/^\[|\]$/g, '');
  if (h === 'localhost' || h === '::1' || h === '0:0:0:0:0:0:0:1') return true;
  const v4 = /^127\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(h);
  return !!v4 && v4.slice(1).every((o) => Number(o) <= 255);
}

/** Returns the parts, or throws an Error whose message says what is wrong (never echoing the key). */
export function parseAcsConnectionString(value: string): AcsConnection {
  const m = SHAPE.exec(value.trim());
  if (!m) throw new Error('must look like endpoint=https://<resource>.communication.azure.com/;accesskey=<base64 key>');
  let endpoint: URL;
  try {
    endpoint = new URL(m[1]!);
  } catch {
    throw new Error('has an endpoint that is not a URL');
  }
  if (endpoint.protocol !== 'https:' && !(endpoint.protocol === 'http:' && isLoopbackHost(endpoint.hostname))) {
    throw new Error('endpoint must be https:// (plain http:// only to a loopback address)');
  }
  const accessKey = m[2]!;
  if (!BASE64.test(accessKey)) throw new Error('has an access key that is not base64');
  return { endpoint, accessKey };
}
