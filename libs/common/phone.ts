// The `max` metadata carries each country's full number patterns, so isValid() rejects numbers
// in unallocated ranges (`+1 200 ...`, `+1 555 555 5555`), not only wrong lengths as with `min`.
// Its extra ~100 kB does not matter on a server, and phone numbers are attribution evidence:
// a wrong "valid" number would merge people who have nothing in common.
// Through the `core` entry with the metadata's ES-module form: the `max` entry imports the raw
// JSON file, which jest's ESM loader warns about on every test run.
import { parsePhoneNumberFromString, type CountryCode } from 'libphonenumber-js/core';
import metadataJson from 'libphonenumber-js/max/metadata';
import { memoByString } from './memo.js';

const metadata = metadataJson;

export type { CountryCode };

const MAX_INPUT = 64;
/** An extension at the end: `ext. 12`, `x12`, `#12`, `;ext=12`, `extension 12`. */
const EXTENSION = /\s*(?:;\s*ext\s*=|,|(?:ext(?:ension)?\.?|x|#))\s*\d{1,7}$/i;
/** What a written phone number may contain besides digits. */
const NUMBER_ONLY = /^\+?[\d\s().\-/\u00a0]+$/;

/**
 * The number in E.164 (`+493055501234`), or null when it is not a valid phone number.
 * Accepts `+49 30 5550 1234`, `0049 30 ...` (00 as the international prefix), national
 * numbers when a default country is given, and spaces, dots, dashes, slashes and parentheses.
 * An extension is dropped: E.164 has none, and the main number is what identifies the line.
 * Letters (vanity numbers, words around the number) make it null. Never throws.
 */
export function normalizePhone(raw: string, defaultCountry?: CountryCode): string | null {
  if (typeof raw !== 'string' || raw.length > MAX_INPUT) return null;
  return cached(`${typeof defaultCountry === 'string' ? defaultCountry : ''}\u0000${raw}`);
}

// key: `<country>\0<raw>`; a country code never holds a NUL, so the first one separates them
const cached = memoByString((key: string) => {
  const sep = key.indexOf('\u0000');
  const country = key.slice(0, sep);
  return parse(key.slice(sep + 1), country === '' ? undefined : (country as CountryCode));
});

function parse(raw: string, defaultCountry?: CountryCode): string | null {
  const r = classify(raw, defaultCountry);
  return r?.valid ? r.number : null;
}

/**
 * A phone number as exposed data: `valid` with its E.164 form, or not valid but still a phone
 * number (possible for its country, e.g. an unallocated area code; or without a country code:
 * 7–15 digits with the usual separators) normalized to digits, with `+` and the country code
 * when given (`+1 (123) 555-0147` → `+11235550147`, `555-0147 12` → `555014712`). Null when the
 * value is not a phone number at all. Only a valid number may ever be attribution evidence.
 */
export type ExposedPhone = { valid: true; number: string } | { valid: false; number: string };

export function classifyPhone(raw: string, defaultCountry?: CountryCode): ExposedPhone | null {
  if (typeof raw !== 'string' || raw.length > MAX_INPUT) return null;
  return classified(`${typeof defaultCountry === 'string' ? defaultCountry : ''}\u0000${raw}`);
}

const classified = memoByString((key: string) => {
  const sep = key.indexOf('\u0000');
  const country = key.slice(0, sep);
  return classify(key.slice(sep + 1), country === '' ? undefined : (country as CountryCode));
});

/** Digits a number without a country code must have to count as a phone number. */
const NATIONAL_DIGITS = { min: 7, max: 15 };

function classify(raw: string, defaultCountry?: CountryCode): ExposedPhone | null {
  try {
    let s = raw.normalize('NFKC').trim();
    s = s.replace(EXTENSION, '').trim();
    if (!NUMBER_ONLY.test(s)) return null;
    if ((s.match(/\+/g) ?? []).length > 1) return null;
    const digits = s.replace(/\D/g, '');
    if (digits.length < 5 || digits.length > 17) return null;
    if (!s.startsWith('+') && digits.startsWith('00')) s = `+${digits.slice(2)}`;
    const international = s.startsWith('+');
    const parsed = international
      ? parsePhoneNumberFromString(s, metadata)
      : defaultCountry
        ? parsePhoneNumberFromString(s, defaultCountry, metadata)
        : undefined;
    if (parsed?.isValid()) return { valid: true, number: parsed.number };
    if (international) return parsed?.isPossible() ? { valid: false, number: parsed.number } : null;
    if (parsed?.isPossible()) return { valid: false, number: parsed.number };
    return digits.length >= NATIONAL_DIGITS.min && digits.length <= NATIONAL_DIGITS.max
      ? { valid: false, number: digits }
      : null;
  } catch {
    return null;
  }
}
