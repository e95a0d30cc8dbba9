import { createHash, timingSafeEqual } from 'node:crypto';

const digest = (s: string) => createHash('sha256').update(s).digest();

/**
 * OPERATOR_TOKENS as a matcher. Compared in constant time over digests, so neither the token's
 * length nor where it differs shows in the timing.
 */
export class OperatorCredentials {
  private readonly tokens: { name: string; digest: Buffer }[];

  constructor(tokens: readonly { name: string; token: string }[]) {
    this.tokens = tokens.map((t) => ({ name: t.name, digest: digest(t.token) }));
  }

  /** how many operators have a token */
  get size(): number {
    return this.tokens.length;
  }

  /** The operator whose token this is, or null. */
  byToken(token: string): string | null {
    const given = digest(token);
    let found: string | null = null;
    // every entry is compared, so the position of the match does not show either
    for (const t of this.tokens) if (timingSafeEqual(t.digest, given) && found === null) found = t.name;
    return found;
  }

  /**
   * The operator named by an Authorization header: `Bearer <token>`, or with `basic`, HTTP Basic
   * with the operator's name as user and the token as password (a browser cannot send a bearer
   * header). Null when it names none.
   */
  fromAuthorization(header: string | undefined, opts: { basic?: boolean } = {}): string | null {
    if (!header) return null;
    const bearer = /^Bearer ([\x21-\x7e]{1,512})$/.exec(header);
    if (bearer) return this.byToken(bearer[1]!);
    const basic = opts.basic ? /^Basic ([A-Za-z0-9+/]{1,1400}={0,2})$/i.exec(header) : null;
    if (!basic) return null;
    const decoded = Buffer.from(basic[1]!, 'base64').toString('utf8');
    const i = decoded.indexOf(':');
    if (i < 1) return null;
    const name = this.byToken(decoded.slice(i + 1));
    return name !== null && name === decoded.slice(0, i) ? name : null;
  }
}
