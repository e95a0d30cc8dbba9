/**
 * A person's or organization's name in comparison form: NFKC, trimmed, inner whitespace
 * collapsed to one space, lower-cased (locale-independent).
 */
export function foldName(raw: string): string {
  if (typeof raw !== 'string') return '';
  return raw
    .normalize('NFKC')
    .replace(/[\s\p{Cc}\p{Cf}]+/gu, ' ')
    .trim()
    .toLowerCase();
}

/**
 * Legal-form suffixes, as token sequences after normalization (dots and slashes gone, runs of
 * single letters joined: `S.A.` → `sa`, `A/S` → `as`, `sp. z o.o.` → `sp zoo`).
 */
const LEGAL_SUFFIXES: readonly (readonly string[])[] = [
  'ltd',
  'limited',
  'inc',
  'incorporated',
  'corp',
  'corporation',
  'co',
  'company',
  'cos',
  'llc',
  'llp',
  'lp',
  'lllp',
  'pllc',
  'plc',
  'pty',
  'pte',
  'pvt',
  'private',
  'gmbh',
  'mbh',
  'ag',
  'kg',
  'kgaa',
  'ohg',
  'ug',
  'ev',
  'se',
  'sa',
  'sas',
  'sasu',
  'sarl',
  'eurl',
  'sca',
  'scs',
  'snc',
  'sl',
  'slu',
  'srl',
  'spa',
  'sapa',
  'ltda',
  'sc',
  'bv',
  'nv',
  'bvba',
  'vof',
  'cv',
  'oy',
  'oyj',
  'ab',
  'publ',
  'as',
  'asa',
  'aps',
  'hf',
  'ehf',
  'sro',
  'kft',
  'zrt',
  'nyrt',
  'bt',
  'doo',
  'dd',
  'ad',
  'ood',
  'eood',
  'ooo',
  'zao',
  'oao',
  'pao',
  'kk',
  'gk',
  'yk',
  'bhd',
  'sdn',
  'tbk',
  'jsc',
  'pjsc',
]
  .map((s): readonly string[] => [s])
  .concat([
    ['sp', 'zoo'],
    ['sa', 'de', 'cv'],
    ['s', 'de', 'rl'],
    ['sp', 'j'],
    ['sp', 'k'],
  ])
  // longest first, so `sa de cv` wins over `cv`
  .sort((a, b) => b.length - a.length);

/** Letters that carry no separable diacritic in Unicode but are folded like the others. */
const UNDECOMPOSED: Record<string, string> = {
  ß: 'ss',
  ø: 'o',
  æ: 'ae',
  œ: 'oe',
  ł: 'l',
  đ: 'd',
  ð: 'd',
  þ: 'th',
  ı: 'i',
};

/** Words that join a legal form to the name: `Fabrikam & Co.`, `Müller und Co. KG`. */
const CONNECTORS = new Set(['and', 'und', 'et', 'y', 'e', 'en', 'og', 'och']);

/**
 * A company name for weak matching: NFKC, diacritics removed, lower case, punctuation gone,
 * legal-form suffixes removed from the end (repeatedly: `GmbH & Co. KG`). A name that is only
 * a legal form keeps it. `Fabrikam Capital Corp.` and `FABRIKAM CAPITAL` both give
 * `fabrikam capital`.
 */
export function normalizeCompanyName(raw: string): string {
  if (typeof raw !== 'string') return '';
  const folded = raw
    .normalize('NFKC')
    .toLowerCase()
    .normalize('NFKD')
    .replace(/\p{M}/gu, '')
    .replace(/[ßøæœłđðþı]/g, (ch) => UNDECOMPOSED[ch]!)
    .replace(/[^\p{L}\p{N}]+/gu, ' ')
    .trim();
  if (folded === '') return '';
  const tokens = joinSingleLetters(folded.split(' '));
  for (;;) {
    const suffix = LEGAL_SUFFIXES.find((sfx) => sfx.length < tokens.length && endsWith(tokens, sfx));
    if (!suffix) break;
    tokens.splice(tokens.length - suffix.length, suffix.length);
    // `& Co`: the connector went with the legal form, unless it would leave nothing.
    if (tokens.length > 1 && CONNECTORS.has(tokens[tokens.length - 1]!)) tokens.pop();
  }
  return tokens.join(' ');
}

/** `s a` → `sa`, `s r l` → `srl`: abbreviations written with dots or slashes. */
function joinSingleLetters(tokens: string[]): string[] {
  const out: string[] = [];
  let run = '';
  for (const t of tokens) {
    if ([...t].length === 1 && /\p{L}/u.test(t)) {
      run += t;
      continue;
    }
    if (run) out.push(run);
    run = '';
    out.push(t);
  }
  if (run) out.push(run);
  return out;
}

function endsWith(tokens: readonly string[], suffix: readonly string[]): boolean {
  const off = tokens.length - suffix.length;
  return suffix.every((s, i) => tokens[off + i] === s);
}
