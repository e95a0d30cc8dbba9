import { createHmac, generateKeyPairSync, randomUUID, type KeyObject } from 'node:crypto';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { exportJWK, importPKCS8, SignJWT, type CryptoKey, type JWK } from 'jose';
import { loadConfig, type AppConfig } from '../config/config.js';
import {
  DEFAULT_TENANT_AUDIENCE,
  DEV_ISSUER,
  DEV_ISSUER_KEY_FILE,
  DevIssuer,
  DevIssuerRefusedError,
  devSubject,
  loadOrCreateDevKeyFile,
} from './dev-issuer.js';
import type { DirectoryContact, DirectoryRepository } from '../directory/directory.repository.js';
import { importConfiguredPublicKey, InvalidTokenError, TenantTokenVerifier } from './tenant-token.verifier.js';

const TENANT = randomUUID();
const ISS = 'https://login.example.com/tenant-idp/v2.0';
const AUD = 'api://exposure-notify';

/** A directory with one tenant and its contacts; counts look-ups. */
class FakeDirectory {
  lookups = 0;
  contactLookups = 0;
  constructor(readonly contacts: DirectoryContact[] = []) {}
  async tenantExists(id: string) {
    this.lookups++;
    return id === TENANT;
  }
  async findContact(tenantId: string, email: string) {
    this.contactLookups++;
    return this.contacts.find((c) => c.tenantId === tenantId && c.email === email) ?? null;
  }
}

const pair = (kind: 'rsa' | 'ec' | 'ed25519') =>
  kind === 'rsa'
    ? generateKeyPairSync('rsa', { modulusLength: 2048 })
    : kind === 'ec'
      ? generateKeyPairSync('ec', { namedCurve: 'P-256' })
      : generateKeyPairSync('ed25519');
const pemOf = (k: KeyObject, type: 'spki' | 'pkcs8') => k.export({ type, format: 'pem' }) as string;

const claims = (over: Record<string, unknown> = {}) => ({
  sub: 'user-1',
  tid: TENANT,
  email: 'Admin@Contoso.example',
  roles: ['GlobalAdmin'],
  ...over,
});

async function sign(
  key: CryptoKey,
  alg: string,
  c: Record<string, unknown> = claims(),
  o: { iss?: string; aud?: string; exp?: number; nbf?: number; kid?: string } = {},
) {
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT(c)
    .setProtectedHeader({ alg, ...(o.kid ? { kid: o.kid } : {}) })
    .setIssuer(o.iss ?? ISS)
    .setAudience(o.aud ?? AUD)
    .setIssuedAt(now)
    .setNotBefore(o.nbf ?? now)
    .setExpirationTime(o.exp ?? now + 300)
    .sign(key);
}

function verifier(env: Record<string, string>, directory = new FakeDirectory()) {
  const config: AppConfig = loadConfig(env);
  const dir = directory as unknown as DirectoryRepository;
  return { v: new TenantTokenVerifier(config, new DevIssuer(config, dir), dir), directory, config };
}

const reason = async (p: Promise<unknown>) => {
  try {
    await p;
  } catch (err) {
    expect(err).toBeInstanceOf(InvalidTokenError);
    return (err as InvalidTokenError).reason;
  }
  throw new Error('expected the token to be refused');
};

describe('TenantTokenVerifier with a configured RSA public key (PEM)', () => {
  const { privateKey, publicKey } = pair('rsa');
  const spki = pemOf(publicKey, 'spki');
  const env = { TENANT_JWT_PUBLIC_KEY: spki, TENANT_JWT_ISSUER: ISS, TENANT_JWT_AUDIENCE: AUD };
  let key: CryptoKey;
  beforeAll(async () => {
    key = await importPKCS8(pemOf(privateKey, 'pkcs8'), 'RS256');
  });

  it('accepts a good token and normalizes what it carries', async () => {
    const { v } = verifier(env);
    expect(
      await v.verify(
        await sign(key, 'RS256', claims({ tid: TENANT.toUpperCase(), roles: ['GlobalAdmin', 'GlobalAdmin'] })),
      ),
    ).toEqual({
      tenantId: TENANT,
      userId: 'user-1',
      email: 'admin@contoso.example',
      roles: ['GlobalAdmin'],
      issuer: ISS,
    });
    // preferred_username when there is no email claim
    expect(
      (
        await v.verify(
          await sign(key, 'RS256', claims({ email: undefined, preferred_username: 'Lena@Contoso.example' })),
        )
      ).email,
    ).toBe('lena@contoso.example');
  });

  it('carries a locale claim that is a language tag, and ignores one that is not without refusing the token', async () => {
    const { v } = verifier(env);
    expect((await v.verify(await sign(key, 'RS256', claims({ locale: 'FR-ca' })))).locale).toBe('fr-CA');
    for (const locale of ['../../etc/passwd', 'not a tag', 42, ['fr'], 'x'.repeat(400)]) {
      const p = await v.verify(await sign(key, 'RS256', claims({ locale })));
      expect(p.tenantId).toBe(TENANT);
      expect(p).not.toHaveProperty('locale');
    }
  });

  it('pins the algorithm: HS256 keyed with the public key, alg none, and another algorithm are refused', async () => {
    const { v } = verifier(env);
    const now = Math.floor(Date.now() / 1000);
    const body = `${Buffer.from(JSON.stringify({ alg: 'HS256', typ: 'JWT' })).toString('base64url')}.${Buffer.from(JSON.stringify({ ...claims(), iss: ISS, aud: AUD, exp: now + 300 })).toString('base64url')}`;
    const hs = `${body}.${createHmac('sha256', spki).update(body).digest('base64url')}`;
    expect(await reason(v.verify(hs))).toMatch(/JOSEAlgNotAllowed/);
    const none = `${Buffer.from(JSON.stringify({ alg: 'none' })).toString('base64url')}.${body.split('.')[1]}.`;
    expect(await reason(v.verify(none))).toMatch(/JOSEAlgNotAllowed|JWSInvalid/);
    const ps = await importPKCS8(pemOf(privateKey, 'pkcs8'), 'PS256');
    expect(await reason(v.verify(await sign(ps, 'PS256')))).toMatch(/JOSEAlgNotAllowed/);
  });

  it.each([
    ['wrong issuer', { iss: 'https://evil.example/' }, /JWTClaimValidationFailed.*iss/],
    ['wrong audience', { aud: 'api://other' }, /JWTClaimValidationFailed.*aud/],
    ['expired beyond the tolerance', { exp: Math.floor(Date.now() / 1000) - 60 }, /JWTExpired/],
    [
      'not yet valid beyond the tolerance',
      { nbf: Math.floor(Date.now() / 1000) + 60 },
      /JWTClaimValidationFailed.*nbf/,
    ],
  ])('refuses a token with %s', async (_, o, r) => {
    const { v } = verifier(env);
    expect(await reason(v.verify(await sign(key, 'RS256', claims(), o)))).toMatch(r);
  });

  it('allows a small clock skew (TENANT_JWT_CLOCK_TOLERANCE_S)', async () => {
    const { v } = verifier({ ...env, TENANT_JWT_CLOCK_TOLERANCE_S: '30' });
    const now = Math.floor(Date.now() / 1000);
    await expect(v.verify(await sign(key, 'RS256', claims(), { exp: now - 10 }))).resolves.toBeDefined();
    await expect(v.verify(await sign(key, 'RS256', claims(), { nbf: now + 10 }))).resolves.toBeDefined();
  });

  it.each([
    ['an unknown tenant', { tid: randomUUID() }, /not a tenant/],
    ['a tid that is not a GUID', { tid: "' or 1=1 --" }, /claims: tid/],
    ['no roles', { roles: undefined }, /missing required "roles"|claims: roles/],
    ['empty roles', { roles: [] }, /claims: roles/],
    ['roles as a string', { roles: 'GlobalAdmin' }, /claims: roles/],
    ['a strange role name', { roles: ['Global Admin<script>'] }, /claims: roles/],
    [
      'no address (a user token without one, which reads as app-only: off by default)',
      { email: undefined },
      /app-only/,
    ],
    ['scopes but no address', { email: undefined, scp: 'ServiceMessage.Read.All' }, /no email/],
    ['an address that is not one', { email: 'not an address' }, /no email/],
    ['no subject', { sub: undefined }, /missing required "sub"/],
  ])('refuses a signed token with %s', async (_, over, r) => {
    const { v } = verifier(env);
    expect(await reason(v.verify(await sign(key, 'RS256', claims(over))))).toMatch(r);
  });

  it('refuses another key, garbage, and an oversized token', async () => {
    const { v } = verifier(env);
    const other = await importPKCS8(pemOf(pair('rsa').privateKey, 'pkcs8'), 'RS256');
    expect(await reason(v.verify(await sign(other, 'RS256')))).toMatch(/JWSSignatureVerificationFailed/);
    expect(await reason(v.verify('a.b.c'))).toMatch(/JWSInvalid|JWTInvalid/);
    expect(await reason(v.verify('x'.repeat(9000)))).toBe('length');
  });

  describe('app-only tokens (client credentials)', () => {
    const app = (over: Record<string, unknown> = {}) =>
      claims({
        email: undefined,
        sub: 'sp-object-id',
        oid: 'sp-object-id',
        azp: '11111111-2222-3333-4444-555555555555',
        idtyp: 'app',
        roles: ['ServiceMessage.Read.All'],
        ...over,
      });
    const appEnv = { ...env, TENANT_APP_PERMISSIONS: 'ServiceMessage.Read.All' };

    it('are refused while no application permission is configured (the default)', async () => {
      const { v } = verifier(env);
      expect(await reason(v.verify(await sign(key, 'RS256', app())))).toMatch(/app-only: no application permission/);
    });

    it('are admitted with a configured permission, as the application, without asking the directory for roles', async () => {
      const { v, directory } = verifier(appEnv);
      expect(
        await v.verify(await sign(key, 'RS256', app({ roles: ['ServiceMessage.Read.All', 'Other.Read'] }))),
      ).toEqual({
        tenantId: TENANT,
        userId: 'sp-object-id',
        appId: '11111111-2222-3333-4444-555555555555',
        roles: ['ServiceMessage.Read.All'],
        issuer: ISS,
      });
      expect(directory.contactLookups).toBe(0);
      // a v1 token names the client in appid
      expect((await v.verify(await sign(key, 'RS256', app({ azp: undefined, appid: 'client-v1' })))).appId).toBe(
        'client-v1',
      );
    });

    it.each([
      ['another permission only', { roles: ['Mail.Read'] }, /no application permission/],
      ['a user role', { roles: ['GlobalAdmin'] }, /no application permission/],
      ['idtyp user', { idtyp: 'user' }, /idtyp/],
      ['an unknown tenant', { tid: randomUUID() }, /tid is not a tenant/],
    ])('refuses one with %s', async (_, over, r) => {
      const { v } = verifier(appEnv);
      expect(await reason(v.verify(await sign(key, 'RS256', app(over))))).toMatch(r);
    });

    it('a user token stays a user token when app permissions are on', async () => {
      const { v } = verifier(appEnv);
      const p = await v.verify(await sign(key, 'RS256', claims({ roles: ['GlobalAdmin', 'ServiceMessage.Read.All'] })));
      expect(p.appId).toBeUndefined();
      expect(p.email).toBe('admin@contoso.example');
    });
  });

  it('asks the directory once per tenant while it is remembered', async () => {
    const { v, directory } = verifier(env);
    const t = await sign(key, 'RS256');
    for (let i = 0; i < 5; i++) await v.verify(t);
    expect(directory.lookups).toBe(1);
  });

  it('does not trust the development issuer beside an external one', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'devkey-'));
    try {
      const directory = new FakeDirectory([
        { tenantId: TENANT, email: 'admin@contoso.example', name: null, roles: ['GlobalAdmin'], locale: 'en-US' },
      ]);
      const { v, config } = verifier({ ...env, DEV_ISSUER_ENABLED: 'true', DEV_ISSUER_KEY_DIR: dir }, directory);
      const dev = new DevIssuer(config, directory as unknown as DirectoryRepository);
      await expect(dev.issue(TENANT, 'admin@contoso.example')).rejects.toThrow(/external issuer/);
      const devKey = (await dev.loadKeys()).privateKey;
      expect(await reason(v.verify(await sign(devKey, 'ES256', claims(), { iss: DEV_ISSUER })))).toMatch(
        /JOSEAlgNotAllowed|iss/,
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('TenantTokenVerifier with other key sources', () => {
  it('takes an Ed25519 public JWK, and refuses a private or symmetric one', async () => {
    const { privateKey, publicKey } = pair('ed25519');
    const jwk = await exportJWK(publicKey);
    const { v } = verifier({
      TENANT_JWT_PUBLIC_KEY: JSON.stringify(jwk),
      TENANT_JWT_ISSUER: ISS,
      TENANT_JWT_AUDIENCE: AUD,
    });
    const key = await importPKCS8(pemOf(privateKey, 'pkcs8'), 'EdDSA');
    expect((await v.verify(await sign(key, 'EdDSA'))).tenantId).toBe(TENANT);
    await expect(importConfiguredPublicKey(JSON.stringify(await exportJWK(privateKey)))).rejects.toThrow(
      /public asymmetric/,
    );
    await expect(
      importConfiguredPublicKey(JSON.stringify({ kty: 'oct', k: 'c2VjcmV0c2VjcmV0c2VjcmV0c2VjcmV0' })),
    ).rejects.toThrow(/public asymmetric/);
    await expect(importConfiguredPublicKey(JSON.stringify({ ...jwk, alg: 'RS256' }))).rejects.toThrow(/serves EdDSA/);
  });

  describe('a JWKS URL', () => {
    let server: Server;
    let url: string;
    const ec = pair('ec');
    let jwks: { keys: JWK[] };
    beforeAll(async () => {
      jwks = { keys: [{ ...(await exportJWK(ec.publicKey)), kid: 'k1', alg: 'ES256', use: 'sig' }] };
      server = createServer((req, res) => {
        res.setHeader('Content-Type', 'application/json');
        res.end(JSON.stringify(jwks));
      });
      await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
      url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/keys`;
    });
    afterAll(() => new Promise<void>((r) => server.close(() => r())));

    it("verifies against the key with the token's kid, and refuses an unknown kid or issuer", async () => {
      const { v } = verifier({ TENANT_JWKS_URL: url, TENANT_JWT_ISSUER: ISS, TENANT_JWT_AUDIENCE: AUD });
      const key = await importPKCS8(pemOf(ec.privateKey, 'pkcs8'), 'ES256');
      expect((await v.verify(await sign(key, 'ES256', claims(), { kid: 'k1' }))).userId).toBe('user-1');
      expect(await reason(v.verify(await sign(key, 'ES256', claims(), { kid: 'nope' })))).toMatch(/JWKSNoMatchingKey/);
      expect(await reason(v.verify(await sign(key, 'ES256', claims(), { kid: 'k1', iss: 'https://other/' })))).toMatch(
        /iss/,
      );
    });
  });

  it('with nothing configured and no development issuer, trusts nothing', async () => {
    const { v } = verifier({});
    const key = await importPKCS8(pemOf(pair('ec').privateKey, 'pkcs8'), 'ES256');
    expect(await reason(v.verify(await sign(key, 'ES256')))).toBe('no issuer is configured');
  });

  it('configuration demands issuer and audience with an external key, and one key source only', () => {
    expect(() => loadConfig({ TENANT_JWKS_URL: 'https://login.example.com/keys' })).toThrow(/TENANT_JWT_ISSUER/);
    expect(() => loadConfig({ TENANT_JWKS_URL: 'https://login.example.com/keys', TENANT_JWT_ISSUER: ISS })).toThrow(
      /TENANT_JWT_AUDIENCE/,
    );
    expect(() =>
      loadConfig({
        TENANT_JWKS_URL: 'https://x/keys',
        TENANT_JWT_PUBLIC_KEY: 'x'.repeat(50),
        TENANT_JWT_ISSUER: ISS,
        TENANT_JWT_AUDIENCE: AUD,
      }),
    ).toThrow(/not both/);
    expect(loadConfig({}).DEV_ISSUER_ENABLED).toBe(false);
  });
});

describe('DevIssuer', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'devkey-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const contact: DirectoryContact = {
    tenantId: TENANT,
    email: 'admin@contoso.example',
    name: 'Ada',
    roles: ['GlobalAdmin', 'PrivacyReader'],
    locale: 'fr-CA',
  };
  const issuer = (env: Record<string, string>) => {
    const config = loadConfig({ DEV_ISSUER_KEY_DIR: dir, ...env });
    const directory = new FakeDirectory([
      contact,
      { tenantId: TENANT, email: 'noroles@contoso.example', name: null, roles: [], locale: 'en-US' },
    ]) as unknown as DirectoryRepository;
    return {
      dev: new DevIssuer(config, directory),
      v: new TenantTokenVerifier(config, new DevIssuer(config, directory), directory),
    };
  };

  it('is refused unless enabled by configuration', async () => {
    const { dev } = issuer({});
    await expect(dev.issue(TENANT, contact.email)).rejects.toThrow(
      new DevIssuerRefusedError('the development issuer is disabled (DEV_ISSUER_ENABLED is not true)'),
    );
    await expect(dev.loadKeys()).rejects.toThrow(/disabled/);
  });

  it('an app-only token under its key is refused, even with application permissions configured: it signs for users only', async () => {
    const { dev, v } = issuer({ DEV_ISSUER_ENABLED: 'true', TENANT_APP_PERMISSIONS: 'ServiceMessage.Read.All' });
    const devKey = (await dev.loadKeys()).privateKey;
    const app = { sub: 'sp', tid: TENANT, roles: ['ServiceMessage.Read.All'], azp: 'client' };
    expect(
      await reason(v.verify(await sign(devKey, 'ES256', app, { iss: DEV_ISSUER, aud: DEFAULT_TENANT_AUDIENCE }))),
    ).toMatch(/development issuer signs for users only/);
  });

  it("signs for a listed contact with that contact's roles, and the API trusts it", async () => {
    const { dev, v } = issuer({ DEV_ISSUER_ENABLED: 'true' });
    const t = await dev.issue(TENANT.toUpperCase(), '  ADMIN@Contoso.Example ');
    expect(new Date(t.expiresAt).getTime()).toBeGreaterThan(Date.now() + 3500_000);
    expect(await v.verify(t.token)).toEqual({
      tenantId: TENANT,
      userId: devSubject(TENANT, contact.email),
      email: contact.email,
      roles: contact.roles,
      issuer: DEV_ISSUER,
      locale: 'fr-CA',
    });
    expect(statSync(join(dir, DEV_ISSUER_KEY_FILE)).mode & 0o777).toBe(0o600);
  });

  it('refuses a contact of no such tenant, one without roles, and input that is not an id or an address', async () => {
    const { dev } = issuer({ DEV_ISSUER_ENABLED: 'true' });
    await expect(dev.issue(randomUUID(), contact.email)).rejects.toThrow(/is not a contact of tenant/);
    await expect(dev.issue(TENANT, 'someone@contoso.example')).rejects.toThrow(
      /someone@contoso.example is not a contact of tenant/,
    );
    await expect(dev.issue(TENANT, 'noroles@contoso.example')).rejects.toThrow(/has no roles/);
    await expect(dev.issue('not-a-guid', contact.email)).rejects.toThrow(/is not a GUID/);
    await expect(dev.issue(TENANT, 'nope')).rejects.toThrow(/is not an email address/);
  });

  it('creates its key file once and reads the same key back afterwards', () => {
    const a = loadOrCreateDevKeyFile(dir);
    const b = loadOrCreateDevKeyFile(dir);
    expect(a.export({ type: 'pkcs8', format: 'pem' })).toEqual(b.export({ type: 'pkcs8', format: 'pem' }));
  });

  it('takes its key from DEV_ISSUER_PRIVATE_KEY instead, and refuses a key of the wrong kind', async () => {
    const ec = pemOf(pair('ec').privateKey, 'pkcs8');
    const { dev, v } = issuer({ DEV_ISSUER_ENABLED: 'true', DEV_ISSUER_PRIVATE_KEY: ec });
    await v.verify((await dev.issue(TENANT, contact.email)).token);
    expect(() => statSync(join(dir, DEV_ISSUER_KEY_FILE))).toThrow();
    const rsa = issuer({ DEV_ISSUER_ENABLED: 'true', DEV_ISSUER_PRIVATE_KEY: pemOf(pair('rsa').privateKey, 'pkcs8') });
    await expect(rsa.dev.issue(TENANT, contact.email)).rejects.toThrow(/EC P-256/);
  });
});

describe("a reader's roles follow the tenant directory", () => {
  const { privateKey, publicKey } = pair('ec');
  const env = { TENANT_JWT_PUBLIC_KEY: pemOf(publicKey, 'spki'), TENANT_JWT_ISSUER: ISS, TENANT_JWT_AUDIENCE: AUD };
  const listed = (roles: string[]): DirectoryContact => ({
    tenantId: TENANT,
    email: 'admin@contoso.example',
    name: null,
    roles,
    locale: 'en-US',
  });
  let key: CryptoKey;
  beforeAll(async () => {
    key = await importPKCS8(pemOf(privateKey, 'pkcs8'), 'ES256');
  });

  it("a listed contact gets the directory's roles: a token claiming more never widens them", async () => {
    const { v } = verifier(env, new FakeDirectory([listed(['MessageCenterReader'])]));
    expect(
      (await v.verify(await sign(key, 'ES256', claims({ roles: ['GlobalAdmin', 'PrivacyReader'] })))).roles,
    ).toEqual(['MessageCenterReader']);
  });

  it("a user the directory does not list keeps the token's roles (the tenant's identity provider vouches for them)", async () => {
    const { v } = verifier(env, new FakeDirectory([]));
    expect((await v.verify(await sign(key, 'ES256', claims({ roles: ['PrivacyReader'] })))).roles).toEqual([
      'PrivacyReader',
    ]);
  });

  it('a listed contact to whom the directory grants no role is refused', async () => {
    const { v } = verifier(env, new FakeDirectory([listed([])]));
    expect(await reason(v.verify(await sign(key, 'ES256')))).toMatch(/^roles: /);
  });

  it('a downgrade in the directory applies once the roles window (TENANT_ROLES_CACHE_MS) has passed, and not a look-up per request before', async () => {
    const directory = new FakeDirectory([listed(['GlobalAdmin'])]);
    const { v } = verifier({ ...env, TENANT_ROLES_CACHE_MS: '60000' }, directory);
    const t = await sign(key, 'ES256');
    const start = Date.now();
    expect((await v.verify(t, new Date(start))).roles).toEqual(['GlobalAdmin']);
    directory.contacts[0] = listed(['MessageCenterReader']);
    expect((await v.verify(t, new Date(start + 59_000))).roles).toEqual(['GlobalAdmin']);
    expect(directory.contactLookups).toBe(1);
    expect((await v.verify(t, new Date(start + 60_001))).roles).toEqual(['MessageCenterReader']);
    expect(directory.contactLookups).toBe(2);
  });

  it('with TENANT_ROLES_CACHE_MS=0 reads the directory on every request', async () => {
    const directory = new FakeDirectory([listed(['GlobalAdmin'])]);
    const { v } = verifier({ ...env, TENANT_ROLES_CACHE_MS: '0' }, directory);
    const t = await sign(key, 'ES256');
    expect((await v.verify(t)).roles).toEqual(['GlobalAdmin']);
    directory.contacts[0] = listed(['PrivacyReader']);
    expect((await v.verify(t)).roles).toEqual(['PrivacyReader']);
  });

  it('refuses a development token for an address the directory no longer lists', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'devkey-'));
    try {
      const directory = new FakeDirectory([listed(['GlobalAdmin'])]);
      const { v, config } = verifier(
        { DEV_ISSUER_ENABLED: 'true', DEV_ISSUER_KEY_DIR: dir, TENANT_ROLES_CACHE_MS: '0' },
        directory,
      );
      const { token } = await new DevIssuer(config, directory as unknown as DirectoryRepository).issue(
        TENANT,
        'admin@contoso.example',
      );
      expect((await v.verify(token)).roles).toEqual(['GlobalAdmin']);
      directory.contacts.length = 0;
      expect(await reason(v.verify(token))).toMatch(/^roles: /);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
