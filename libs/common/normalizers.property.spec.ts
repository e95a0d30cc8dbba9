import fc from 'fast-check';
import {
  domainSuffixes,
  isFreeMailDomain,
  isMixedScriptOrConfusable,
  isPublicSuffix,
  registrableDomain,
  toAsciiDomain,
} from './domain.js';
import { normalizeEmail } from './email.js';
import { foldName, normalizeCompanyName } from './normalize-text.js';
import { normalizePhone } from './phone.js';

const everything = (s: string) => {
  const d = toAsciiDomain(s);
  if (d !== null) {
    // a normalized domain is a fixed point and all its helpers accept it
    expect(toAsciiDomain(d)).toBe(d);
    registrableDomain(d);
    isPublicSuffix(d);
    isFreeMailDomain(d);
    isMixedScriptOrConfusable(d);
    for (const parent of domainSuffixes(d)) expect(d === parent || d.endsWith(`.${parent}`)).toBe(true);
  }
  registrableDomain(s);
  isPublicSuffix(s);
  isFreeMailDomain(s);
  isMixedScriptOrConfusable(s);
  domainSuffixes(s);
  const e = normalizeEmail(s);
  if (e) expect(normalizeEmail(e.address)).toEqual(e);
  const p = normalizePhone(s);
  if (p) expect(p).toMatch(/^\+[1-9]\d{4,15}$/);
  normalizePhone(s, 'DE');
  foldName(s);
  normalizeCompanyName(s);
};

describe('normalizers never throw', () => {
  it('on arbitrary strings', () => {
    fc.assert(fc.property(fc.string({ maxLength: 300 }), everything), { numRuns: 2000 });
  });

  it('on arbitrary Unicode strings (graphemes and any code point, lone surrogates too)', () => {
    fc.assert(fc.property(fc.string({ unit: 'grapheme', maxLength: 100 }), everything), { numRuns: 1000 });
    fc.assert(fc.property(fc.string({ unit: 'binary', maxLength: 100 }), everything), { numRuns: 1000 });
  });

  it('on domain-shaped and address-shaped strings', () => {
    const label = fc.stringMatching(/^[a-zа-яα-ωü0-9-]{1,12}$/u);
    const domain = fc.array(label, { minLength: 1, maxLength: 4 }).map((ls) => ls.join('.'));
    fc.assert(fc.property(domain, everything), { numRuns: 2000 });
    fc.assert(
      fc.property(fc.tuple(fc.string({ maxLength: 20 }), domain), ([l, d]) => everything(`${l}@${d}`)),
      { numRuns: 1000 },
    );
    fc.assert(fc.property(fc.stringMatching(/^\+?[0-9 ().-]{0,20}$/), everything), { numRuns: 2000 });
  });
});
