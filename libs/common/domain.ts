import { domainToASCII, domainToUnicode } from 'node:url';
import { getDomain, getDomainWithoutSuffix, getPublicSuffix, parse } from 'tldts';
import { FREE_MAIL_BRANDS, FREE_MAIL_DOMAINS } from './free-mail-domains.js';
import { memoByString } from './memo.js';

/**
 * Public suffixes: the ICANN section of the Public Suffix List *and* its private section
 * (github.io, azurewebsites.net, blogspot.com, ...), plus Microsoft's tenant namespaces.
 *
 * Why private suffixes too: under a private suffix every subdomain belongs to a different
 * customer of that platform (`contoso.azurewebsites.net` and `fabrikam.azurewebsites.net` are
 * unrelated), exactly like under `co.uk`. Treating them as registrable domains would let one
 * tenant verify the whole platform and would lump unrelated customers together in attribution.
 *
 * Why `onmicrosoft.com`: it is not on the list, but in this cloud every tenant's initial domain is
 * `<name>.onmicrosoft.com`; the parent belongs to the operator and to no tenant.
 */
const TLD_OPTIONS = {
  allowIcannDomains: true,
  allowPrivateDomains: true,
  extractHostname: false, // inputs are host names, never URLs
  mixedInputs: false,
  extraSuffixes: { private: ['onmicrosoft.com', 'mail.onmicrosoft.com'] },
} as const;

/** Invisible or formatting code points: never part of a clean domain name. */
const INVISIBLE = /[\p{Default_Ignorable_Code_Point}\p{Cc}\p{Cf}\p{Z}\s]/u;
/** ASCII characters other than letters, digits, dot and hyphen (non-ASCII goes through IDNA). */
const BAD_ASCII = /[\x00-\x2c\x2f\x3a-\x60\x7b-\x7f]/;
const LDH_LABEL = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;
const MAX_INPUT = 1024;

/**
 * A host name in its canonical ASCII form: trimmed, NFKC, lower-case, one trailing dot removed,
 * IDN labels as punycode (UTS #46 via node:url). Null when it is not a valid domain name:
 * fewer than two labels, a label outside 1-63 letters/digits/hyphens (no leading or trailing
 * hyphen), over 253 characters, an all-numeric top-level label (an IPv4 address), or any
 * invisible character. IDNA would silently drop some invisible characters (`con\u200Btoso.com`
 * becomes `contoso.com`); refusing them keeps a crafted address from colliding with a real domain.
 */
export function toAsciiDomain(raw: string): string | null {
  if (typeof raw !== 'string' || raw.length > MAX_INPUT) return null;
  return asciiDomainOf(raw);
}

const asciiDomainOf = memoByString((raw: string): string | null => {
  let s = raw.trim().normalize('NFKC').toLowerCase();
  if (s.endsWith('.') || s.endsWith('\u3002')) s = s.slice(0, -1);
  if (s === '' || INVISIBLE.test(s) || BAD_ASCII.test(s)) return null;
  // The WHATWG host parser percent-decodes; refusing '%' above keeps `ex%41mple.com` out.
  const ascii = domainToASCII(s);
  if (!ascii || ascii.length > 253) return null;
  const labels = ascii.split('.');
  if (labels.length < 2) return null;
  for (const label of labels) if (!LDH_LABEL.test(label) || !punycodeDecodes(label)) return null;
  if (/^[0-9]+$/.test(labels[labels.length - 1]!)) return null;
  return ascii;
});

/**
 * An `xn--` label must decode to Unicode that encodes back to it. Node 20's host parser refuses a
 * broken one (`xn--zz`) outright; the one in Node 22 and later lets it through unchanged, so the
 * check is made here rather than left to the runtime.
 */
function punycodeDecodes(asciiLabel: string): boolean {
  if (!asciiLabel.startsWith('xn--')) return true;
  const unicode = domainToUnicode(asciiLabel);
  return unicode !== '' && unicode !== asciiLabel && domainToASCII(unicode) === asciiLabel;
}

/** The registrable domain (public suffix + one label): `a.labs.contoso.co.uk` → `contoso.co.uk`. */
export function registrableDomain(asciiDomain: string): string | null {
  if (typeof asciiDomain !== 'string' || asciiDomain === '') return null;
  return getDomain(asciiDomain, TLD_OPTIONS) || null;
}

/**
 * True for `com`, `co.uk`, `github.io`: names on the list under which others register domains.
 * An unlisted name (`internal`, `fabrikam`) is not one, although the list's default rule would
 * treat any unknown top-level label as a suffix when parsing a longer name.
 */
export function isPublicSuffix(asciiDomain: string): boolean {
  if (typeof asciiDomain !== 'string' || asciiDomain === '') return false;
  const d = asciiDomain.endsWith('.') ? asciiDomain.slice(0, -1).toLowerCase() : asciiDomain.toLowerCase();
  if (d === '' || d.startsWith('.')) return false;
  // Parse a child name: a wildcard rule (`*.ck`) makes every `x.ck` a suffix, and `ck` with it.
  const r = parse(`x.${d}`, TLD_OPTIONS);
  const suffix = r.publicSuffix ?? '';
  return (r.isIcann === true || r.isPrivate === true) && (suffix === d || suffix.endsWith(`.${d}`));
}

/**
 * The domain and each parent made by dropping leading labels, longest first, stopping before
 * the public suffix. Label-wise, never string-suffix: `notcontoso.com` never yields `contoso.com`.
 * Empty for a public suffix or something that is not a domain.
 */
export function domainSuffixes(asciiDomain: string): string[] {
  if (typeof asciiDomain !== 'string' || asciiDomain === '') return [];
  const suffix = getPublicSuffix(asciiDomain, TLD_OPTIONS);
  if (!suffix) return [];
  const labels = asciiDomain.split('.');
  if (labels.some((l) => l === '')) return [];
  const suffixLabels = suffix.split('.').length;
  const out: string[] = [];
  for (let i = 0; labels.length - i > suffixLabels; i++) out.push(labels.slice(i).join('.'));
  return out;
}

/** A free-mail provider's domain or one of its subdomains (see free-mail-domains.ts). */
export function isFreeMailDomain(asciiDomain: string): boolean {
  if (typeof asciiDomain !== 'string' || asciiDomain === '') return false;
  const d = asciiDomain.toLowerCase();
  if (domainSuffixes(d).some((s) => FREE_MAIL_DOMAINS.has(s))) return true;
  const brand = getDomainWithoutSuffix(d, TLD_OPTIONS);
  return !!brand && FREE_MAIL_BRANDS.has(brand);
}

// ───────────────────────── mixed-script and confusable labels ─────────────────────────

/** Scripts told apart; anything else counts as one "Other" script. */
const SCRIPTS = [
  'Latin',
  'Cyrillic',
  'Greek',
  'Armenian',
  'Georgian',
  'Cherokee',
  'Han',
  'Hiragana',
  'Katakana',
  'Hangul',
  'Bopomofo',
  'Arabic',
  'Hebrew',
  'Syriac',
  'Thaana',
  'Devanagari',
  'Bengali',
  'Gurmukhi',
  'Gujarati',
  'Oriya',
  'Tamil',
  'Telugu',
  'Kannada',
  'Malayalam',
  'Sinhala',
  'Thai',
  'Lao',
  'Tibetan',
  'Myanmar',
  'Khmer',
  'Ethiopic',
  'Mongolian',
  'Tifinagh',
  'Canadian_Aboriginal',
  'Runic',
  'Ogham',
  'Coptic',
  'Glagolitic',
  'Yi',
  'Vai',
  'Nko',
  'Tagalog',
  'Javanese',
  'Balinese',
  'Sundanese',
].map((name) => ({ name, re: new RegExp(`^\\p{Script=${name}}$`, 'u') }));
const NEUTRAL = /^[\p{Script=Common}\p{Script=Inherited}]$/u;

/** UTS #39 "highly restrictive" combinations: the scripts that are written together. */
const ALLOWED_TOGETHER: ReadonlySet<string>[] = [
  new Set(['Latin', 'Han', 'Hiragana', 'Katakana']),
  new Set(['Latin', 'Han', 'Bopomofo']),
  new Set(['Latin', 'Han', 'Hangul']),
];

/**
 * Lower-case letters of other scripts that pass for Latin letters. A label written only with
 * these (`соntoso` all in Cyrillic) reads as a Latin name although it is not one.
 */
const LATIN_LOOKALIKES: Record<string, ReadonlySet<string>> = {
  Cyrillic: new Set([...'агеіјопрсухъьѕԁһӏԛԝѡѵүҽ']),
  Greek: new Set([...'αεηικνορτυχγωϲϳ']),
  Armenian: new Set([...'ագզհյոռսցքօւ']),
};

/** Latin-script letters that imitate ASCII ones: IPA and phonetic letters, small capitals. */
const LATIN_IMPOSTORS = /[\u0250-\u02af\u1d00-\u1dbf\u0237\u0138\ua730-\ua7ff]/u;

function scriptOf(ch: string): string | null {
  if (NEUTRAL.test(ch)) return null;
  for (const s of SCRIPTS) if (s.re.test(ch)) return s.name;
  return 'Other';
}

function scriptsOf(label: string): Set<string> {
  const out = new Set<string>();
  for (const ch of label) {
    const s = scriptOf(ch);
    if (s) out.add(s);
  }
  return out;
}

/**
 * True when a domain must not be trusted to name who it seems to name: a label that mixes
 * scripts (Latin with Cyrillic or Greek, ...; Japanese, Chinese and Korean combinations with
 * Latin are normal), a label written wholly in Cyrillic, Greek or Armenian using only letters
 * that look Latin (unless the top-level label is in that same script, as in `.рф`, where nobody
 * expects a Latin name), Latin impostor letters (ɡ, ᴀ), invisible characters, or a name that
 * does not decode at all. Accepts ASCII (punycode) or Unicode input.
 */
export function isMixedScriptOrConfusable(domain: string): boolean {
  if (typeof domain !== 'string') return false;
  let s = domain.trim();
  if (s === '') return false;
  if (s.length > MAX_INPUT) return true;
  s = s.normalize('NFKC').toLowerCase();
  if (INVISIBLE.test(s)) return true;
  if (s.endsWith('.') || s.endsWith('\u3002')) s = s.slice(0, -1);
  // Fast path: plain ASCII without punycode labels has one script and no look-alikes.
  if (/^[\x21-\x7e]*$/.test(s) && !/(^|\.)xn--/.test(s)) return false;
  const unicode = domainToUnicode(s);
  if (unicode === '') return true;
  if (s.split('.').some((label) => /^[\x21-\x7e]*$/.test(label) && !punycodeDecodes(label))) return true;
  if (INVISIBLE.test(unicode)) return true;
  const labels = unicode.split('.');
  const tldScripts = scriptsOf(labels[labels.length - 1]!);
  for (const label of labels) {
    if (LATIN_IMPOSTORS.test(label)) return true;
    const scripts = scriptsOf(label);
    if (scripts.size > 1 && !ALLOWED_TOGETHER.some((set) => [...scripts].every((x) => set.has(x)))) return true;
    if (scripts.size === 1) {
      const [script] = scripts as unknown as [string];
      const lookalikes = LATIN_LOOKALIKES[script];
      if (lookalikes && !(tldScripts.size === 1 && tldScripts.has(script))) {
        const letters = [...label].filter((ch) => scriptOf(ch) !== null);
        if (letters.every((ch) => lookalikes.has(ch))) return true;
      }
    }
  }
  return false;
}
