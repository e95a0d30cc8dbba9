import Negotiator from 'negotiator';

/** More than any browser sends: the rest of a long header is not read. */
const MAX_LANGUAGES = 10;

/**
 * The language tags of an `Accept-Language` header, most preferred first (q-values honoured,
 * `q=0` and `*` dropped). Only a preference: each tag is matched against the template folders,
 * never used as a name of anything.
 */
export function acceptedLanguages(header: string | string[] | undefined): string[] {
  const value = Array.isArray(header) ? header.join(',') : header;
  if (!value) return [];
  return new Negotiator({ headers: { 'accept-language': value } })
    .languages()
    .filter((tag) => tag !== '*')
    .slice(0, MAX_LANGUAGES);
}
