/**
 * The small part of OData `$filter` the inbox accepts (CONTRACTS.md §4), parsed into clauses the
 * repository turns into bound parameters. Everything else is refused with a reason; nothing
 * from the text ever reaches SQL as text.
 *
 *   filter  := clause ( "and" clause )*
 *   clause  := "isRead" "eq" bool | "isArchived" "eq" bool | "category" "eq" string
 *            | "tags/any(" var ":" var "eq" string ")"
 *   bool    := "true" | "false"
 *   string  := "'" ( any character but "'" | "''" )* "'"
 */
export type FilterClause =
  | { field: 'isRead' | 'isArchived'; value: boolean }
  | { field: 'category'; value: string }
  | { field: 'tag'; value: string };

export class FilterSyntaxError extends Error {}

export const MAX_FILTER_LENGTH = 1000;
export const MAX_FILTER_CLAUSES = 16;
export const MAX_FILTER_STRING = 200;

type Token =
  | { kind: 'word'; text: string; at: number }
  | { kind: 'string'; text: string; at: number }
  | { kind: 'punct'; text: '(' | ')' | ':'; at: number };

const WORD = /[A-Za-z_][A-Za-z0-9_]*(?:\/[A-Za-z_][A-Za-z0-9_]*)?/y;

function tokenize(s: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  while (i < s.length) {
    const ch = s[i]!;
    if (ch === ' ' || ch === '\t') {
      i++;
      continue;
    }
    if (ch === '(' || ch === ')' || ch === ':') {
      out.push({ kind: 'punct', text: ch, at: i });
      i++;
      continue;
    }
    if (ch === "'") {
      const start = i;
      let text = '';
      i++;
      for (;;) {
        if (i >= s.length) throw new FilterSyntaxError(`$filter: unterminated string starting at position ${start + 1}`);
        if (s[i] === "'") {
          if (s[i + 1] === "'") {
            text += "'";
            i += 2;
            continue;
          }
          i++;
          break;
        }
        text += s[i];
        i++;
      }
      if (text.length > MAX_FILTER_STRING) throw new FilterSyntaxError(`$filter: a string is longer than ${MAX_FILTER_STRING} characters`);
      out.push({ kind: 'string', text, at: start });
      continue;
    }
    WORD.lastIndex = i;
    const m = WORD.exec(s);
    if (!m) throw new FilterSyntaxError(`$filter: unexpected character at position ${i + 1}`);
    out.push({ kind: 'word', text: m[0], at: i });
    i += m[0].length;
  }
  return out;
}

/** Parses a `$filter` value; throws FilterSyntaxError with a reason (and a position) for anything outside the grammar. */
export function parseFilter(text: string): FilterClause[] {
  if (text.length > MAX_FILTER_LENGTH) throw new FilterSyntaxError(`$filter: longer than ${MAX_FILTER_LENGTH} characters`);
  // Control and format characters (and line breaks) have no place in a filter.
  if (/[\p{Cc}\p{Cf}\u2028\u2029]/u.test(text.replace(/\t/g, ' '))) throw new FilterSyntaxError('$filter: control characters are not allowed');
  const tokens = tokenize(text);
  if (tokens.length === 0) throw new FilterSyntaxError('$filter: empty');
  let p = 0;
  const at = () => (tokens[p] ? tokens[p]!.at + 1 : text.length + 1);
  const expectWord = (word: string) => {
    const t = tokens[p];
    if (!t || t.kind !== 'word' || t.text !== word) throw new FilterSyntaxError(`$filter: expected '${word}' at position ${at()}`);
    p++;
  };
  const expectPunct = (ch: '(' | ')' | ':') => {
    const t = tokens[p];
    if (!t || t.kind !== 'punct' || t.text !== ch) throw new FilterSyntaxError(`$filter: expected '${ch}' at position ${at()}`);
    p++;
  };
  const stringLiteral = (): string => {
    const t = tokens[p];
    if (!t || t.kind !== 'string') throw new FilterSyntaxError(`$filter: expected a quoted string at position ${at()}`);
    p++;
    return t.text;
  };
  const boolean = (): boolean => {
    const t = tokens[p];
    if (t?.kind === 'word' && (t.text === 'true' || t.text === 'false')) {
      p++;
      return t.text === 'true';
    }
    throw new FilterSyntaxError(`$filter: expected true or false at position ${at()}`);
  };

  const clauses: FilterClause[] = [];
  for (;;) {
    const t = tokens[p];
    if (!t || t.kind !== 'word') throw new FilterSyntaxError(`$filter: expected isRead, isArchived, category or tags/any at position ${at()}`);
    p++;
    switch (t.text) {
      case 'isRead':
      case 'isArchived':
        expectWord('eq');
        clauses.push({ field: t.text, value: boolean() });
        break;
      case 'category':
        expectWord('eq');
        clauses.push({ field: 'category', value: stringLiteral() });
        break;
      case 'tags/any': {
        expectPunct('(');
        const v = tokens[p];
        if (!v || v.kind !== 'word' || v.text.includes('/')) throw new FilterSyntaxError(`$filter: expected a lambda variable at position ${at()}`);
        p++;
        expectPunct(':');
        expectWord(v.text);
        expectWord('eq');
        const value = stringLiteral();
        expectPunct(')');
        clauses.push({ field: 'tag', value });
        break;
      }
      default:
        throw new FilterSyntaxError(`$filter: unsupported property or function at position ${t.at + 1} (supported: isRead, isArchived, category, tags/any)`);
    }
    if (clauses.length > MAX_FILTER_CLAUSES) throw new FilterSyntaxError(`$filter: more than ${MAX_FILTER_CLAUSES} clauses`);
    if (p === tokens.length) return clauses;
    const next = tokens[p]!;
    if (next.kind === 'word' && next.text === 'and') {
      p++;
      continue;
    }
    throw new FilterSyntaxError(`$filter: expected 'and' or the end at position ${at()} (only 'and' joins clauses)`);
  }
}
