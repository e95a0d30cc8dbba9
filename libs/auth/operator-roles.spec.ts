import { OperatorRoles, parseOperatorRoles, roleFor, sameOperator } from './operator-roles.js';

describe('operator roles', () => {
  it('parses one entry per operator, roles joined by +', () => {
    expect(parseOperatorRoles('alice:admin, bob:reviewer+approver ,carol:sender')).toEqual(
      new Map([
        ['alice', ['admin']],
        ['bob', ['reviewer', 'approver']],
        ['carol', ['sender']],
      ]),
    );
  });

  it('refuses a bad role, an entry without one, a name listed twice, or no entry at all', () => {
    expect(() => parseOperatorRoles('bob:launcher')).toThrow(
      'entry "bob:launcher": "launcher" is no role (roles: viewer, reviewer, approver, sender, admin)',
    );
    expect(() => parseOperatorRoles('bob:reviewer+')).toThrow('"" is no role');
    expect(() => parseOperatorRoles('bob')).toThrow('entry "bob" must be name:role');
    expect(() => parseOperatorRoles(':admin')).toThrow('must be name:role');
    expect(() => parseOperatorRoles('bob:viewer,bob:admin')).toThrow('operator "bob" is listed twice');
    expect(() => parseOperatorRoles(' , ')).toThrow('names no operator');
  });

  it('gives everyone every role when unset; once set, an unlisted operator is a viewer and admin holds every role', () => {
    const unset = new OperatorRoles(null);
    expect(unset.configured).toBe(false);
    expect(unset.has('anyone', 'admin')).toBe(true);
    const roles = new OperatorRoles(parseOperatorRoles('alice:admin,bob:reviewer+approver'));
    expect(['viewer', 'reviewer', 'approver', 'sender', 'admin'].map((r) => roles.has('alice', r as never))).toEqual([
      true,
      true,
      true,
      true,
      true,
    ]);
    expect(roles.has('bob', 'approver')).toBe(true);
    expect(roles.refusal('bob', 'sender')).toBe('operator bob lacks role sender');
    expect(roles.has('zoe', 'viewer')).toBe(true);
    expect(roles.refusal('zoe', 'reviewer')).toBe('operator zoe lacks role reviewer');
    // names are exact: no case folding, no cli: prefix
    expect(roles.has('Alice', 'admin')).toBe(false);
    expect(roles.has('cli:alice', 'admin')).toBe(false);
  });

  it('lists the roles an operator holds, which is what the console offers them', () => {
    const roles = new OperatorRoles(parseOperatorRoles('alice:admin,bob:reviewer+approver'));
    expect(roles.held('alice')).toEqual(['viewer', 'reviewer', 'approver', 'sender', 'admin']);
    expect(roles.held('bob')).toEqual(['viewer', 'reviewer', 'approver']);
    expect(roles.held('zoe')).toEqual(['viewer']);
    expect(new OperatorRoles(null).held('anyone')).toEqual(['viewer', 'reviewer', 'approver', 'sender', 'admin']);
  });

  it('asks for the stronger role only when the query asks for what needs it', () => {
    const rule = { role: 'viewer' as const, elevated: { query: 'format', value: 'raw', role: 'admin' as const } };
    expect(roleFor(rule, {})).toBe('viewer');
    expect(roleFor(rule, { format: 'json' })).toBe('viewer');
    expect(roleFor(rule, { format: 'raw' })).toBe('admin');
    const tenant = { role: 'viewer' as const, elevated: { query: 'tenant', role: 'admin' as const } };
    expect(roleFor(tenant, { tenant: '' })).toBe('admin');
    expect(roleFor(tenant, { tenant: ['a', 'b'] })).toBe('admin');
    expect(roleFor(tenant, undefined)).toBe('viewer');
  });

  it("knows the CLI's cli:name and the API's name for one operator", () => {
    expect(sameOperator('cli:alice', 'alice')).toBe(true);
    expect(sameOperator('cli:alice', 'cli:alice')).toBe(true);
    expect(sameOperator('alice', 'alicia')).toBe(false);
    expect(sameOperator('cli:alice', 'cli:bob')).toBe(false);
  });
});
