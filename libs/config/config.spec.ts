import { ConfigError, loadConfig } from './config.js';

describe('loadConfig', () => {
  it('has defaults that work on a machine with local PostgreSQL and Redis', () => {
    const c = loadConfig({});
    expect(c.DATABASE_URL).toBe('postgresql://postgres@127.0.0.1:5432/impact');
    expect(c.REDIS_URL).toBe('redis://127.0.0.1:6379');
    expect(c.OPERATOR_DOMAINS).toEqual([]);
  });

  it('names the bad variable in one line', () => {
    expect(() => loadConfig({ DATABASE_URL: 'mysql://x' })).toThrow(ConfigError);
    expect(() => loadConfig({ PORT: 'eighty' })).toThrow(/^configuration: PORT /);
    expect(() => loadConfig({ OPERATOR_TOKENS: 'alice:short' })).toThrow(/OPERATOR_TOKENS/);
  });

  it('parses lists and operator tokens', () => {
    const c = loadConfig({ OPERATOR_DOMAINS: 'Example.com, ops.example.net', OPERATOR_TOKENS: 'alice:0123456789abcdef0' });
    expect(c.OPERATOR_DOMAINS).toEqual(['example.com', 'ops.example.net']);
    expect(c.OPERATOR_TOKENS).toEqual([{ name: 'alice', token: '0123456789abcdef0' }]);
  });
});
