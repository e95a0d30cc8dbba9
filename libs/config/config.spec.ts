import { ConfigError, isLoopbackHost, loadConfig, loadDatabaseSetupConfig } from './config.js';

describe('loadConfig', () => {
  it('has defaults that work on a machine with local PostgreSQL and Redis', () => {
    const c = loadConfig({});
    expect(c.DATABASE_URL).toBe('postgresql://impact_app@127.0.0.1:5432/impact');
    expect(c.REDIS_URL).toBe('redis://127.0.0.1:6379');
    expect(c.OPERATOR_DOMAINS).toEqual([]);
  });

  it('names the bad variable in one line', () => {
    expect(() => loadConfig({ DATABASE_URL: 'mysql://x' })).toThrow(ConfigError);
    expect(() => loadConfig({ PORT: 'eighty' })).toThrow(/^configuration: PORT /);
    expect(() => loadConfig({ OPERATOR_TOKENS: 'alice:short' })).toThrow(/OPERATOR_TOKENS/);
  });

  it('reads OPERATOR_ROLES, unset by default, and refuses a bad role naming it', () => {
    expect(loadConfig({}).OPERATOR_ROLES).toBeUndefined();
    expect(loadConfig({ OPERATOR_ROLES: '' }).OPERATOR_ROLES).toBeUndefined();
    expect(loadConfig({ OPERATOR_ROLES: 'alice:admin,bob:reviewer+approver' }).OPERATOR_ROLES).toEqual(
      new Map([
        ['alice', ['admin']],
        ['bob', ['reviewer', 'approver']],
      ]),
    );
    expect(() => loadConfig({ OPERATOR_ROLES: 'bob:superuser' })).toThrow(
      /^configuration: OPERATOR_ROLES entry "bob:superuser": "superuser" is no role \(roles: viewer, reviewer, approver, sender, admin\)$/,
    );
  });

  describe('db:setup connects as three roles', () => {
    it('defaults to the application role, the owner and the local superuser on one server', () => {
      expect(loadDatabaseSetupConfig({})).toEqual({
        appUrl: 'postgresql://impact_app@127.0.0.1:5432/impact',
        ownerUrl: 'postgresql://impact_owner@127.0.0.1:5432/impact',
        adminUrl: 'postgresql://postgres@127.0.0.1:5432/postgres',
      });
    });

    it("derives the owner's and the administrator's URLs from DATABASE_URL's server, without its password", () => {
      const c = loadDatabaseSetupConfig({
        DATABASE_URL: 'postgresql://svc:s%40cret@db.internal:6432/notify?sslmode=require',
      });
      expect(c.ownerUrl).toBe('postgresql://impact_owner@db.internal:6432/notify?sslmode=require');
      expect(c.adminUrl).toBe('postgresql://postgres@db.internal:6432/postgres?sslmode=require');
      expect(c.appUrl).toBe('postgresql://svc:s%40cret@db.internal:6432/notify?sslmode=require');
    });

    it('takes explicit owner and administrator URLs', () => {
      const c = loadDatabaseSetupConfig({
        DATABASE_URL: 'postgresql://app@h/notify',
        DATABASE_OWNER_URL: 'postgresql://schema_owner:pw@h/notify',
        DATABASE_ADMIN_URL: 'postgresql://dba:pw@h/maintenance',
      });
      expect(c).toEqual({
        appUrl: 'postgresql://app@h/notify',
        ownerUrl: 'postgresql://schema_owner:pw@h/notify',
        adminUrl: 'postgresql://dba:pw@h/maintenance',
      });
    });

    it('refuses an application role that is the owner or the administrator, or an owner on another database', () => {
      expect(() => loadDatabaseSetupConfig({ DATABASE_URL: 'postgresql://impact_owner@h/impact' })).toThrow(
        /^configuration: DATABASE_URL must name the application role, not the owner/,
      );
      expect(() => loadDatabaseSetupConfig({ DATABASE_URL: 'postgresql://postgres@h/impact' })).toThrow(
        /^configuration: DATABASE_URL must name the application role, not the role of DATABASE_ADMIN_URL/,
      );
      expect(() =>
        loadDatabaseSetupConfig({
          DATABASE_URL: 'postgresql://app@h/impact',
          DATABASE_OWNER_URL: 'postgresql://o@h/other',
        }),
      ).toThrow(/^configuration: DATABASE_OWNER_URL must name the database of DATABASE_URL \(impact\)/);
      expect(() => loadDatabaseSetupConfig({ DATABASE_URL: 'postgresql://h/impact' })).toThrow(
        /DATABASE_URL must name a role/,
      );
      expect(() => loadDatabaseSetupConfig({ DATABASE_URL: 'postgresql://app@h/im-pact' })).toThrow(
        /DATABASE_URL must name a database of letters/,
      );
      expect(() => loadDatabaseSetupConfig({ DATABASE_ADMIN_URL: 'mysql://root@h/x' })).toThrow(/DATABASE_ADMIN_URL/);
    });
  });

  it('parses lists and operator tokens', () => {
    const c = loadConfig({
      OPERATOR_DOMAINS: 'Example.com, ops.example.net',
      OPERATOR_TOKENS: 'alice:0123456789abcdef0',
    });
    expect(c.OPERATOR_DOMAINS).toEqual(['example.com', 'ops.example.net']);
    expect(c.OPERATOR_TOKENS).toEqual([{ name: 'alice', token: '0123456789abcdef0' }]);
  });

  describe('the development issuer stays on this machine', () => {
    it('starts on loopback listen addresses and loopback public URLs', () => {
      for (const [HOST, PUBLIC_BASE_URL] of [
        ['127.0.0.1', 'http://127.0.0.1:3000'],
        ['127.8.9.10', 'http://localhost:8080'],
        ['::1', 'http://[::1]:3000'],
        ['localhost', 'https://LOCALHOST/'],
      ] as const) {
        expect(loadConfig({ DEV_ISSUER_ENABLED: 'true', HOST, PUBLIC_BASE_URL }).DEV_ISSUER_ENABLED).toBe(true);
      }
      expect(loadConfig({ DEV_ISSUER_ENABLED: 'true' }).HOST).toBe('127.0.0.1');
    });

    it('refuses a non-loopback HOST in one line naming it', () => {
      for (const HOST of ['0.0.0.0', '::', '10.0.0.5', '128.0.0.1', 'api.example.com', 'localhost.example.com']) {
        expect(() => loadConfig({ DEV_ISSUER_ENABLED: 'true', HOST })).toThrow(
          /^configuration: HOST must be a loopback address .*DEV_ISSUER_ENABLED[^\n]*$/,
        );
      }
    });

    it('refuses a non-loopback PUBLIC_BASE_URL', () => {
      for (const PUBLIC_BASE_URL of [
        'https://notify.example.com',
        'http://0.0.0.0:3000',
        'http://192.168.1.2:3000',
        'http://127.0.0.1.nip.io/',
      ]) {
        expect(() => loadConfig({ DEV_ISSUER_ENABLED: 'true', PUBLIC_BASE_URL })).toThrow(
          /^configuration: PUBLIC_BASE_URL must be a loopback URL/,
        );
      }
    });

    it('leaves any address alone while the development issuer is disabled', () => {
      const c = loadConfig({ HOST: '0.0.0.0', PUBLIC_BASE_URL: 'https://notify.example.com' });
      expect(c.HOST).toBe('0.0.0.0');
    });

    it('knows loopback addresses, IPv4-mapped ones included', () => {
      expect(
        ['127.0.0.1', '127.255.255.254', '::1', '[::1]', '0:0:0:0:0:0:0:1', '::ffff:127.0.0.1', 'Localhost'].filter(
          (h) => !isLoopbackHost(h),
        ),
      ).toEqual([]);
      expect(
        ['0.0.0.0', '::', '', '1.2.3.4', 'example.com', '::ffff:10.0.0.1', '126.255.255.255'].filter(isLoopbackHost),
      ).toEqual([]);
    });
  });
});
