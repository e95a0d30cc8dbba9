/**
 * The built-in development issuer: its own ES256 key pair, signing tenant tokens for the demo and
 * the tests. Enabled only by configuration (DEV_ISSUER_ENABLED, never NODE_ENV), and it signs
 * only for a contact listed in the directory under that tenant, with that contact's roles.
 */
import {
  createHash,
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  randomBytes,
  type KeyObject,
} from 'node:crypto';
import { existsSync, linkSync, mkdirSync, readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { Inject, Injectable } from '@nestjs/common';
import { calculateJwkThumbprint, exportJWK, importPKCS8, importSPKI, SignJWT, type CryptoKey } from 'jose';
import { AppError, BadInputError } from '../common/errors.js';
import { normalizeEmail } from '../common/email.js';
import { APP_CONFIG, type AppConfig } from '../config/config.js';
import { DirectoryRepository } from '../directory/directory.repository.js';
import { GUID } from '../common/guid.js';

export const DEV_ISSUER = 'urn:exposure-notify:dev-issuer';
export const DEV_ISSUER_ALG = 'ES256';
/** what tokens must name as audience when TENANT_JWT_AUDIENCE is not set */
export const DEFAULT_TENANT_AUDIENCE = 'exposure-notify-inbox';
export const DEV_ISSUER_KEY_FILE = 'dev-issuer-key.pem';

/** The development issuer refuses: disabled, not trusted by the API, or no such contact. */
export class DevIssuerRefusedError extends AppError {
  constructor(message: string) {
    super(message, 403, 'devIssuerRefused');
  }
}

export interface DevIssuerKeys {
  privateKey: CryptoKey;
  publicKey: CryptoKey;
  kid: string;
}

export interface IssuedToken {
  token: string;
  expiresAt: string;
}

/** Whether configuration names an issuer other than the development one. */
export function externalIssuerConfigured(config: AppConfig): boolean {
  return Boolean(config.TENANT_JWKS_URL || config.TENANT_JWT_PUBLIC_KEY);
}

export function tenantAudience(config: AppConfig): string {
  return config.TENANT_JWT_AUDIENCE ?? DEFAULT_TENANT_AUDIENCE;
}

/**
 * Reads the private key from `dir/dev-issuer-key.pem`, generating it first when absent. The file
 * is created atomically (written aside, then hard-linked into place, which fails if another
 * process got there first), so an API and a CLI starting together end up with one key.
 */
export function loadOrCreateDevKeyFile(dir: string): KeyObject {
  const path = join(resolve(dir), DEV_ISSUER_KEY_FILE);
  if (!existsSync(path)) {
    mkdirSync(resolve(dir), { recursive: true, mode: 0o700 });
    const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const tmp = `${path}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
    writeFileSync(tmp, privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600, flag: 'wx' });
    try {
      linkSync(tmp, path);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    } finally {
      unlinkSync(tmp);
    }
  }
  return createPrivateKey(readFileSync(path, 'utf8'));
}

@Injectable()
export class DevIssuer {
  private keys?: Promise<DevIssuerKeys>;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly directory: DirectoryRepository,
  ) {}

  get enabled(): boolean {
    return this.config.DEV_ISSUER_ENABLED;
  }

  /** The API trusts this issuer's tokens only when it is enabled and no external issuer is configured. */
  get trusted(): boolean {
    return this.enabled && !externalIssuerConfigured(this.config);
  }

  /** The key pair, loaded once; only ever called when enabled. */
  loadKeys(): Promise<DevIssuerKeys> {
    if (!this.enabled)
      return Promise.reject(
        new DevIssuerRefusedError('the development issuer is disabled (DEV_ISSUER_ENABLED is not true)'),
      );
    this.keys ??= this.readKeys();
    this.keys.catch(() => (this.keys = undefined));
    return this.keys;
  }

  private async readKeys(): Promise<DevIssuerKeys> {
    const keyObject = this.config.DEV_ISSUER_PRIVATE_KEY
      ? createPrivateKey(this.config.DEV_ISSUER_PRIVATE_KEY)
      : loadOrCreateDevKeyFile(this.config.DEV_ISSUER_KEY_DIR);
    if (keyObject.asymmetricKeyType !== 'ec' || keyObject.asymmetricKeyDetails?.namedCurve !== 'prime256v1') {
      throw new DevIssuerRefusedError('the development issuer key must be an EC P-256 private key');
    }
    const privateKey = await importPKCS8(keyObject.export({ type: 'pkcs8', format: 'pem' }) as string, DEV_ISSUER_ALG);
    const spki = createPublicKey(keyObject).export({ type: 'spki', format: 'pem' }) as string;
    const publicKey = await importSPKI(spki, DEV_ISSUER_ALG, { extractable: true });
    const kid = await calculateJwkThumbprint(await exportJWK(publicKey));
    return { privateKey, publicKey, kid };
  }

  /**
   * A bearer token for the contact `email` of tenant `tenantId`, carrying that contact's roles.
   * Refused with a one-line reason when the issuer is disabled or not trusted by the API, or the
   * address is not a contact of that tenant.
   */
  async issue(tenantId: string, email: string, now: Date = new Date()): Promise<IssuedToken> {
    if (!this.enabled)
      throw new DevIssuerRefusedError('the development issuer is disabled (DEV_ISSUER_ENABLED is not true)');
    if (!this.trusted) {
      throw new DevIssuerRefusedError(
        'the API trusts the configured external issuer (TENANT_JWKS_URL / TENANT_JWT_PUBLIC_KEY), not the development issuer',
      );
    }
    if (!GUID.test(tenantId)) throw new BadInputError(`tenant "${tenantId.slice(0, 60)}" is not a GUID`);
    const address = normalizeEmail(email)?.address;
    if (!address) throw new BadInputError(`"${email.slice(0, 60)}" is not an email address`);
    const tid = tenantId.toLowerCase();
    const contact = await this.directory.findContact(tid, address);
    if (!contact) throw new DevIssuerRefusedError(`${address} is not a contact of tenant ${tid}`);
    if (contact.roles.length === 0) throw new DevIssuerRefusedError(`${address} has no roles in tenant ${tid}`);
    const { privateKey, kid } = await this.loadKeys();
    const iat = Math.floor(now.getTime() / 1000);
    const exp = iat + this.config.DEV_ISSUER_TOKEN_TTL_S;
    const token = await new SignJWT({
      tid,
      email: address,
      preferred_username: address,
      ...(contact.name ? { name: contact.name } : {}),
      roles: contact.roles,
      // the contact's language, so the inbox serves the notice in it
      locale: contact.locale,
    })
      .setProtectedHeader({ alg: DEV_ISSUER_ALG, kid, typ: 'JWT' })
      .setIssuer(DEV_ISSUER)
      .setAudience(tenantAudience(this.config))
      .setSubject(devSubject(tid, address))
      .setIssuedAt(iat)
      .setNotBefore(iat)
      .setExpirationTime(exp)
      .setJti(randomBytes(12).toString('base64url'))
      .sign(privateKey);
    return { token, expiresAt: new Date(exp * 1000).toISOString() };
  }
}

/** A stable, opaque subject per (tenant, contact): the same person gets the same view points. */
export function devSubject(tenantId: string, address: string): string {
  return `dev-${createHash('sha256').update(`${tenantId}\n${address}`).digest('base64url').slice(0, 32)}`;
}
