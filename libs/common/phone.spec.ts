import { normalizePhone } from './phone.js';

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
