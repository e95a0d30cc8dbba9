import { MASK, redactString, redactValue } from './redact.js';

describe('redactString', () => {
  it.each([
    ['mail lena.horvat@contoso.com now', 'mail [email] now'],
    ["o'brien+tag@mail.contoso.co.uk", '[email]'],
    ['call +1 646 555 1618.', 'call [phone].'],
    ['+16465551618', '[phone]'],
    ['tel:+44 (20) 7946-0958', 'tel:[phone]'],
    ['(646) 555-1618', '[phone]'],
    ['ring 646-555-1618 or 020 7946 0958', 'ring [phone] or [phone]'],
    ['06 12 34 56 78', '[phone]'],
  ])('masks %j', (input, expected) => {
    expect(redactString(input)).toBe(expected);
  });

  it.each([
    'date 2024-06-02 ok',
    '2024-06-02T10:00:00.000Z',
    'campaign 00000000-0000-0000-0000-000000000000',
    'tenant 123e4567-e89b-12d3-a456-426614174000',
    'upload larger than 2147483648 bytes',
    'ip 192.168.100.200 port 127.0.0.1:6379',
    'message MC1234567',
    'GET /v1/campaigns/9d5c2a4e-0000-4000-8000-000000000001/status',
    'line 12: 345 records, 2 quarantined',
    'version 1.2.3',
  ])('leaves %j alone', (input) => {
    expect(redactString(input)).toBe(input);
  });
});

describe('redactValue', () => {
  it('masks name fields, and addresses and numbers anywhere, without touching the input', () => {
    const input = {
      name: 'Lena Horvat',
      count: 3,
      nested: { tenantName: 'Contoso Ltd', displayName: ['Ana Diaz'], note: 'wrote to lena.horvat@contoso.com' },
      list: ['+1 646 555 1618', 7],
    };
    expect(redactValue(input)).toEqual({
      name: MASK.name,
      count: 3,
      nested: { tenantName: MASK.name, displayName: [MASK.name], note: `wrote to ${MASK.email}` },
      list: [MASK.phone, 7],
    });
    expect(input.name).toBe('Lena Horvat');
  });

  it('turns an error into type, message and stack, masked', () => {
    const out = redactValue({ err: new TypeError('bad address lena.horvat@contoso.com') }) as {
      err: { type: string; message: string; stack: string };
    };
    expect(out.err.type).toBe('TypeError');
    expect(out.err.message).toBe('bad address [email]');
    expect(out.err.stack).not.toContain('lena.horvat');
  });

  it('stops at a depth limit instead of walking a cycle', () => {
    const a: Record<string, unknown> = {};
    a.self = a;
    expect(JSON.stringify(redactValue(a))).toContain('[depth]');
  });
});
