import { classifyPhone, normalizePhone } from './phone.js';

describe('normalizePhone', () => {
  it.each([
    ['+49 30 5550 1234', undefined, '+493055501234'],
    ['+49 (0)30 5550 1234', undefined, '+493055501234'], // the "(0)" trunk digit is dropped
    ['0049 30 5550 1234', undefined, '+493055501234'],
    ['0049-30-5550-1234', 'US', '+493055501234'],
    ['011 49 30 55501234', 'US', '+493055501234'],
    ['(030) 5550-1234', 'DE', '+493055501234'],
    ['030 5550 1234', 'DE', '+493055501234'],
    ['030 5550 1234', undefined, null], // no country code and no default country
    ['+1 646 555 1618', undefined, '+16465551618'],
    ['+1 (646) 555-1618', undefined, '+16465551618'],
    ['+1.646.555.1618', undefined, '+16465551618'],
    ['646 555 1618', 'US', '+16465551618'],
    ['(646) 555-1618', 'US', '+16465551618'],
    ['+44 20 7946 0958', undefined, '+442079460958'],
    ['+44 20 7946 0958', 'US', '+442079460958'], // a country code wins over the default
    ['＋４９ ３０ ５５５０ １２３４', undefined, '+493055501234'], // full-width digits
    ['+1 646 555 1618 ext. 12', undefined, '+16465551618'],
    ['+1 646 555 1618 x12', undefined, '+16465551618'],
    ['+1 646 555 1618;ext=12', undefined, '+16465551618'],
  ] as const)('%j (default %s) → %s', (raw, country, e164) => {
    expect(normalizePhone(raw, country)).toBe(e164);
  });

  it.each([
    [''],
    ['   '],
    ['hello'],
    ['+1 800 FLOWERS'],
    ['call +1 646 555 1618 now'],
    ['+1 646 555 1618 / mobile'],
    ['++1 646 555 1618'],
    ['+1 646+555 1618'],
    ['+1 555 555 5555'], // not an allocated range
    ['+1 200 555 1234'],
    ['12'],
    ['+49 30 5550 1234 5550 1234 5550'],
    ['9'.repeat(100)],
    ['null'],
  ])('%j → null', (raw) => {
    expect(normalizePhone(raw)).toBeNull();
    expect(normalizePhone(raw, 'US')).toBeNull();
  });

  it('returns null for an unknown default country instead of throwing', () => {
    expect(normalizePhone('030 5550 1234', 'XX' as never)).toBeNull();
  });
});

describe('normalizePhone memo', () => {
  it('keys on the default country too, and on raw text with a NUL in it', () => {
    expect(normalizePhone('030 5550 1234', 'DE')).toBe('+493055501234');
    expect(normalizePhone('030 5550 1234')).toBeNull();
    expect(normalizePhone('030 5550 1234', 'DE')).toBe('+493055501234');
    expect(normalizePhone('DE\u0000030 5550 1234')).toBeNull();
  });
});

describe('classifyPhone', () => {
  it.each([
    ['+1 646 555 1618', { valid: true, number: '+16465551618' }],
    ['+49 (0)30 5550 1234', { valid: true, number: '+493055501234' }],
    // possible for its country, not allocated: still an exposed number, one form however written
    ['+1 123 555 0147', { valid: false, number: '+11235550147' }],
    ['+1 (123) 555-0147', { valid: false, number: '+11235550147' }],
    ['+1-123-555-0147 ext. 9', { valid: false, number: '+11235550147' }],
    ['+1 555 555 5555', { valid: false, number: '+15555555555' }],
    ['001 123 555 0147', { valid: false, number: '+11235550147' }],
    // no country code: digits only
    ['(646) 555-1618', { valid: false, number: '6465551618' }],
    ['030 5550 1234', { valid: false, number: '03055501234' }],
    ['555-0147', { valid: false, number: '5550147' }],
  ] as const)('%j → %j', (raw, want) => {
    expect(classifyPhone(raw)).toEqual(want);
  });

  it.each([
    [''],
    ['n/a'],
    ['unknown'],
    ['+1 800 FLOWERS'],
    ['+1 555'],
    ['555-014'],
    ['1'.repeat(16)],
    ['+999 1234 5678'],
    ['++1 646 555 1618'],
  ])('%j is not a phone number', (raw) => {
    expect(classifyPhone(raw)).toBeNull();
  });

  it('agrees with normalizePhone on what is valid', () => {
    for (const raw of ['+1 646 555 1618', '+1 123 555 0147', '(646) 555-1618', 'n/a']) {
      const c = classifyPhone(raw);
      expect(normalizePhone(raw)).toBe(c?.valid ? c.number : null);
    }
    expect(classifyPhone('(646) 555-1618', 'US')).toEqual({ valid: true, number: '+16465551618' });
  });
});
