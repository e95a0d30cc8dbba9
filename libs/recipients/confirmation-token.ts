import { createHash, randomBytes } from 'node:crypto';

/** 32 random bytes, base64url: what the link carries. Only its hash is stored. */
export function newConfirmationToken(): { token: string; hash: string } {
  const token = randomBytes(32).toString('base64url');
  return { token, hash: hashConfirmationToken(token) };
}

export function hashConfirmationToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

/** The shape newConfirmationToken makes; anything else is not a link of ours and is not looked up. */
export function isConfirmationToken(value: unknown): value is string {
  return typeof value === 'string' && /^[A-Za-z0-9_-]{43}$/.test(value);
}
