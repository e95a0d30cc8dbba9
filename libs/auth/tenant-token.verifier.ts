/**
 * Tenant bearer tokens (OIDC-style JWTs) verified with jose: the signature against the one
 * trusted key source (a JWKS URL, a configured public key, or the development issuer's key when
 * nothing external is configured), the algorithm pinned to that source (never `none`, never an
 * HMAC), issuer, audience, exp/nbf with a small tolerance, and the claims the inbox relies on.
 * Every failure is an InvalidTokenError; its reason is for logs and tests, never for the caller.
 */
import { createHash, createPublicKey } from 'node:crypto';
import { Inject, Injectable, type OnModuleInit } from '@nestjs/common';
import {
  createRemoteJWKSet,
  errors,
  importJWK,
  importSPKI,
  jwtVerify,
  type CryptoKey,
  type JWK,
  type JWTPayload,
  type JWTVerifyGetKey,
} from 'jose';
import { z } from 'zod';
import { normalizeEmail } from '../common/email.js';
import { APP_CONFIG, type AppConfig } from '../config/config.js';
import { DEV_ISSUER, DEV_ISSUER_ALG, DevIssuer, externalIssuerConfigured, tenantAudience } from './dev-issuer.js';
import { DirectoryRepository } from '../directory/directory.repository.js';
import { effectiveRoles, localeClaim, type TenantPrincipal } from './tenant-principal.js';
import { GUID } from '../common/guid.js';

/** Asymmetric algorithms only: a public key can never be used as an HMAC secret. */
export const ALLOWED_ALGORITHMS = ['RS256', 'ES256', 'EdDSA'] as const;
export type AllowedAlgorithm = (typeof ALLOWED_ALGORITHMS)[number];

export const MAX_TOKEN_LENGTH = 8192;

export class InvalidTokenError extends Error {
  constructor(readonly reason: string) {
    super('invalid token');
  }
}

interface Trust {
  key: CryptoKey | JWTVerifyGetKey;
  algorithms: AllowedAlgorithm[];
  issuer: string;
  audience: string;
}

const claimsSchema = z.object({
  sub: z
    .string()
    .min(1)
    .max(255)
    .regex(/^[\x21-\x7e]+$/, 'printable ASCII'),
  tid: z.string().regex(GUID),
  email: z.string().max(320).optional(),
  preferred_username: z.string().max(320).optional(),
  upn: z.string().max(320).optional(),
  /** delegated scopes: only a token acting for a user has them */
  scp: z.string().max(4096).optional(),
  /** Entra's token type claim, when present: `app` or `user` */
  idtyp: z.string().max(16).optional(),
  /** the application's client id (v1 tokens: appid; v2: azp) */
  appid: z
    .string()
    .max(255)
    .regex(/^[\x21-\x7e]+$/)
    .optional(),
  azp: z
    .string()
    .max(255)
    .regex(/^[\x21-\x7e]+$/)
    .optional(),
  roles: z
    .array(z.string().regex(/^[A-Za-z][A-Za-z0-9_.-]{0,63}$/))
    .min(1)
    .max(100),
});

type Claims = z.infer<typeof claimsSchema>;

/** A token with no user in it (Graph's client-credentials shape): no address claim and no delegated scopes. */
function isAppOnly(c: Claims): boolean {
  return c.email === undefined && c.preferred_username === undefined && c.upn === undefined && c.scp === undefined;
}

/** The algorithm a single public key can verify, from its type (and curve). */
export function algorithmOfKey(type: string | undefined, curve: string | undefined): AllowedAlgorithm {
  if (type === 'rsa') return 'RS256';
  if (type === 'ec' && (curve === 'prime256v1' || curve === 'P-256')) return 'ES256';
  if (type === 'ed25519') return 'EdDSA';
  throw new Error(
    `TENANT_JWT_PUBLIC_KEY: unsupported key type ${type ?? '?'}${curve ? ` (${curve})` : ''}; use RSA, EC P-256 or Ed25519`,
  );
}

/** Imports TENANT_JWT_PUBLIC_KEY (SPKI PEM or a public JWK as JSON) with the one algorithm it can serve. */
export async function importConfiguredPublicKey(text: string): Promise<{ key: CryptoKey; alg: AllowedAlgorithm }> {
  const trimmed = text.trim();
  if (trimmed.startsWith('{')) {
    const jwk = JSON.parse(trimmed) as JWK;
    if (jwk.kty === 'oct' || 'd' in jwk)
      throw new Error('TENANT_JWT_PUBLIC_KEY: a JWK must be a public asymmetric key');
    const type =
      jwk.kty === 'RSA'
        ? 'rsa'
        : jwk.kty === 'EC'
          ? 'ec'
          : jwk.kty === 'OKP' && jwk.crv === 'Ed25519'
            ? 'ed25519'
            : undefined;
    const alg = algorithmOfKey(type, jwk.crv);
    if (jwk.alg && jwk.alg !== alg)
      throw new Error(`TENANT_JWT_PUBLIC_KEY: the JWK says alg ${jwk.alg}, its key type serves ${alg}`);
    return { key: (await importJWK({ ...jwk, alg }, alg)) as CryptoKey, alg };
  }
  if (!/-----BEGIN PUBLIC KEY-----/.test(trimmed))
    throw new Error('TENANT_JWT_PUBLIC_KEY: expected a PEM "BEGIN PUBLIC KEY" block or a JWK');
  const ko = createPublicKey(trimmed);
  const alg = algorithmOfKey(ko.asymmetricKeyType, ko.asymmetricKeyDetails?.namedCurve);
  return { key: await importSPKI(ko.export({ type: 'spki', format: 'pem' }) as string, alg), alg };
}

/** Positive tenant look-ups are remembered briefly: every request would otherwise ask the database. */
const TENANT_CACHE_MS = 60_000;
const TENANT_CACHE_MAX = 50_000;
/**
 * A token that verified is remembered (by its SHA-256) until it expires, but at most a minute, so
 * a client sending the same token on every call does not pay for the signature check each time
 * and its tenant is checked against the directory again every minute.
 */
const VERIFIED_CACHE_MS = 60_000;
const VERIFIED_CACHE_MAX = 20_000;
/** directory roles per (tenant, address), kept TENANT_ROLES_CACHE_MS; null: not a listed contact */
const ROLES_CACHE_MAX = 50_000;

@Injectable()
export class TenantTokenVerifier implements OnModuleInit {
  private trust?: Promise<Trust | null>;
  private readonly knownTenants = new Map<string, number>();
  private readonly verified = new Map<string, { principal: TenantPrincipal; untilMs: number }>();
  private readonly directoryRoles = new Map<string, { roles: string[] | null; untilMs: number }>();

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly devIssuer: DevIssuer,
    private readonly directory: DirectoryRepository,
  ) {}

  /** A bad configured key (or an unreadable development key) stops the start, not each request. */
  async onModuleInit(): Promise<void> {
    await this.trustedSource();
  }

  /** The verified principal, or InvalidTokenError. Other errors (database down) propagate. */
  async verify(token: string, now: Date = new Date()): Promise<TenantPrincipal> {
    if (token.length === 0 || token.length > MAX_TOKEN_LENGTH) throw new InvalidTokenError('length');
    const nowMs = now.getTime();
    const key = createHash('sha256').update(token).digest('base64');
    const hit = this.verified.get(key);
    let claimed: TenantPrincipal;
    if (hit && hit.untilMs > nowMs) {
      claimed = hit.principal;
    } else {
      claimed = await this.verifyUncached(token, now);
      if (this.verified.size >= VERIFIED_CACHE_MAX) this.verified.clear();
      this.verified.set(key, {
        principal: claimed,
        untilMs: Math.min(nowMs + VERIFIED_CACHE_MS, this.expiresMs(token)),
      });
    }
    // an application acts with the permissions its token holds that the configuration allows (checked when verified)
    if (claimed.appId !== undefined) return claimed;
    // the token's roles are what it claims; the directory decides what a listed contact may do, checked at most TENANT_ROLES_CACHE_MS ago
    const roles = effectiveRoles(
      claimed.roles,
      await this.rolesInDirectory(claimed.tenantId, claimed.email ?? '', nowMs),
      claimed.issuer === DEV_ISSUER,
    );
    if (roles.length === 0) throw new InvalidTokenError('roles: the directory grants this reader none');
    return { ...claimed, roles };
  }

  private async rolesInDirectory(tenantId: string, email: string, nowMs: number): Promise<string[] | null> {
    const key = `${tenantId}\n${email}`;
    const hit = this.directoryRoles.get(key);
    if (hit && hit.untilMs > nowMs) return hit.roles;
    const roles = (await this.directory.findContact(tenantId, email))?.roles ?? null;
    const ttl = this.config.TENANT_ROLES_CACHE_MS;
    if (ttl > 0) {
      if (this.directoryRoles.size >= ROLES_CACHE_MAX) this.directoryRoles.clear();
      this.directoryRoles.set(key, { roles, untilMs: nowMs + ttl });
    }
    return roles;
  }

  /** exp of a token that just verified: a cached token never outlives it (the clock tolerance is not extended to cached use). */
  private expiresMs(token: string): number {
    const payload = JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString('utf8')) as { exp: number };
    return payload.exp * 1000;
  }

  private async verifyUncached(token: string, now: Date): Promise<TenantPrincipal> {
    const trust = await this.trustedSource();
    if (!trust) throw new InvalidTokenError('no issuer is configured');
    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(token, trust.key as CryptoKey, {
        algorithms: trust.algorithms,
        issuer: trust.issuer,
        audience: trust.audience,
        clockTolerance: this.config.TENANT_JWT_CLOCK_TOLERANCE_S,
        requiredClaims: ['exp', 'sub', 'tid', 'roles'],
        currentDate: now,
      }));
    } catch (err) {
      if (err instanceof errors.JOSEError || err instanceof TypeError)
        throw new InvalidTokenError(`${err.name}: ${err.message}`);
      throw err;
    }
    const parsed = claimsSchema.safeParse(payload);
    if (!parsed.success)
      throw new InvalidTokenError(
        `claims: ${parsed.error.issues[0]?.path.join('.')} ${parsed.error.issues[0]?.message}`,
      );
    const c = parsed.data;
    if (isAppOnly(c)) return this.appPrincipal(c, trust.issuer, now);
    const email = normalizeEmail(c.email ?? c.preferred_username ?? c.upn ?? '')?.address;
    if (!email) throw new InvalidTokenError('claims: no email or preferred_username address');
    const tenantId = c.tid.toLowerCase();
    if (!(await this.tenantExists(tenantId, now.getTime())))
      throw new InvalidTokenError('claims: tid is not a tenant of the directory');
    const locale = localeClaim(payload.locale);
    return {
      tenantId,
      userId: c.sub,
      email,
      roles: [...new Set(c.roles)],
      issuer: trust.issuer,
      ...(locale ? { locale } : {}),
    };
  }

  /**
   * An app-only token: admitted only with an application permission TENANT_APP_PERMISSIONS allows,
   * and never from the development issuer (it signs for listed contacts only). Its roles are the
   * allowed permissions it holds.
   */
  private async appPrincipal(c: Claims, issuer: string, now: Date): Promise<TenantPrincipal> {
    if (issuer === DEV_ISSUER) throw new InvalidTokenError('app-only: the development issuer signs for users only');
    if (c.idtyp !== undefined && c.idtyp !== 'app') throw new InvalidTokenError('app-only: idtyp is not app');
    const allowed = this.config.TENANT_APP_PERMISSIONS;
    const roles = [...new Set(c.roles.filter((r) => allowed.includes(r)))];
    if (roles.length === 0) throw new InvalidTokenError('app-only: no application permission the configuration allows');
    const tenantId = c.tid.toLowerCase();
    if (!(await this.tenantExists(tenantId, now.getTime())))
      throw new InvalidTokenError('claims: tid is not a tenant of the directory');
    return { tenantId, userId: c.sub, appId: c.appid ?? c.azp ?? c.sub, roles, issuer };
  }

  private trustedSource(): Promise<Trust | null> {
    this.trust ??= this.resolveTrust();
    return this.trust;
  }

  private async resolveTrust(): Promise<Trust | null> {
    const c = this.config;
    if (externalIssuerConfigured(c)) {
      const base = { issuer: c.TENANT_JWT_ISSUER!, audience: c.TENANT_JWT_AUDIENCE! };
      if (c.TENANT_JWKS_URL) {
        const jwks = createRemoteJWKSet(new URL(c.TENANT_JWKS_URL), {
          timeoutDuration: 5000,
          cooldownDuration: 30_000,
          cacheMaxAge: 600_000,
        });
        return { ...base, key: jwks, algorithms: [...ALLOWED_ALGORITHMS] };
      }
      const { key, alg } = await importConfiguredPublicKey(c.TENANT_JWT_PUBLIC_KEY!);
      return { ...base, key, algorithms: [alg] };
    }
    if (this.devIssuer.trusted) {
      const keys = await this.devIssuer.loadKeys();
      return { key: keys.publicKey, algorithms: [DEV_ISSUER_ALG], issuer: DEV_ISSUER, audience: tenantAudience(c) };
    }
    return null;
  }

  private async tenantExists(tenantId: string, nowMs: number): Promise<boolean> {
    const until = this.knownTenants.get(tenantId);
    if (until !== undefined && until > nowMs) return true;
    if (!(await this.directory.tenantExists(tenantId))) return false;
    if (this.knownTenants.size >= TENANT_CACHE_MAX) this.knownTenants.clear();
    this.knownTenants.set(tenantId, nowMs + TENANT_CACHE_MS);
    return true;
  }
}
