/**
 * The small part of OData `$filter` the inbox accepts (docs/contracts.md §4), parsed into clauses the
 * repository turns into bound parameters. Everything else is refused with a reason; nothing
 * from the text ever reaches SQL as text.
 *
 *   filter  := clause ( "and" clause )*
 *   clause  := "isRead" "eq" bool | "isArchived" "eq" bool | "category" "eq" string
 *            | "viewPoint/isRead" "eq" bool | "viewPoint/isArchived" "eq" bool   (Graph's property path)
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
  | { kind: 'punct'; text: '(' | ')' | ':'; at: number }
  /** a character no token starts with */
  | { kind: 'bad'; text: string; at: number };

const WORD = /[A-Za-z_][A-Za-z0-9_]*(?:\/[A-Za-z_][A-Za-z0-9_]*)?/y;

/** Reads tokens on demand, so the first error reported is the first one in reading order. */
class Lexer {
  private i = 0;
  private peeked: Token | null | undefined;

  constructor(private readonly s: string) {}

  /** the next token without consuming it; null at the end */
  peek(): Token | null {
    if (this.peeked === undefined) this.peeked = this.read();
    return this.peeked;
  }

  next(): Token | null {
    const t = this.peek();
    this.peeked = undefined;
    return t;
  }

  /** 1-based position of the next token (or just past the end) */
  position(): number {
    const t = this.peek();
    return t ? t.at + 1 : this.s.length + 1;
  }

  private read(): Token | null {
    const s = this.s;
    while (this.i < s.length && (s[this.i] === ' ' || s[this.i] === '\t')) this.i++;
    if (this.i >= s.length) return null;
    const at = this.i;
    const ch = s[at]!;
    if (ch === '(' || ch === ')' || ch === ':') {
      this.i++;
      return { kind: 'punct', text: ch, at };
    }
    if (ch === "'") {
      let text = '';
      let i = at + 1;
      for (;;) {
        if (i >= s.length) throw new FilterSyntaxError(`$filter: unterminated string starting at position ${at + 1}`);
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
      if (text.length > MAX_FILTER_STRING)
        throw new FilterSyntaxError(`$filter: a string is longer than ${MAX_FILTER_STRING} characters`);
      this.i = i;
      return { kind: 'string', text, at };
    }
    WORD.lastIndex = at;
    const m = WORD.exec(s);
    if (!m) {
      this.i++;
      return { kind: 'bad', text: ch, at };
    }
    this.i = at + m[0].length;
    return { kind: 'word', text: m[0], at };
  }
}

/** Parses a `$filter` value; throws FilterSyntaxError with a reason (and a position) for anything outside the grammar. */
export function parseFilter(text: string): FilterClause[] {
  if (text.length > MAX_FILTER_LENGTH)
    throw new FilterSyntaxError(`$filter: longer than ${MAX_FILTER_LENGTH} characters`);
  // Control and format characters (and line breaks) have no place in a filter.
  if (/[\p{Cc}\p{Cf}\u2028\u2029]/u.test(text.replace(/\t/g, ' ')))
    throw new FilterSyntaxError('$filter: control characters are not allowed');
  const lx = new Lexer(text);
  if (lx.peek() === null) throw new FilterSyntaxError('$filter: empty');
  const expected = (what: string): never => {
    const t = lx.peek();
    if (t?.kind === 'bad')
      throw new FilterSyntaxError(`$filter: unexpected character at position ${t.at + 1} (expected ${what})`);
    throw new FilterSyntaxError(`$filter: expected ${what} at position ${t ? t.at + 1 : text.length + 1}`);
  };
  const expectWord = (word: string) => {
    const t = lx.peek();
    if (!t || t.kind !== 'word' || t.text !== word) expected(`'${word}'`);
    lx.next();
  };
  const expectPunct = (ch: '(' | ')' | ':') => {
    const t = lx.peek();
    if (!t || t.kind !== 'punct' || t.text !== ch) expected(`'${ch}'`);
    lx.next();
  };
  const stringLiteral = (): string => {
    const t = lx.peek();
    if (!t || t.kind !== 'string') return expected('a quoted string');
    lx.next();
    return t.text;
  };
  const boolean = (): boolean => {
    const t = lx.peek();
    if (t?.kind === 'word' && (t.text === 'true' || t.text === 'false')) {
      lx.next();
      return t.text === 'true';
    }
    return expected('true or false');
  };

  const clauses: FilterClause[] = [];
  for (;;) {
    const t = lx.peek();
    if (!t || t.kind !== 'word') return expected('isRead, isArchived, category or tags/any');
    lx.next();
    switch (t.text) {
      case 'isRead':
      case 'isArchived':
      case 'viewPoint/isRead':
      case 'viewPoint/isArchived':
        expectWord('eq');
        clauses.push({ field: t.text.endsWith('isRead') ? 'isRead' : 'isArchived', value: boolean() });
        break;
      case 'category':
        expectWord('eq');
        clauses.push({ field: 'category', value: stringLiteral() });
        break;
      case 'tags/any': {
        expectPunct('(');
        const v = lx.peek();
        if (!v || v.kind !== 'word' || v.text.includes('/')) return expected('a lambda variable');
        lx.next();
        expectPunct(':');
        expectWord(v.text);
        expectWord('eq');
        const value = stringLiteral();
        expectPunct(')');
        clauses.push({ field: 'tag', value });
        break;
      }
      default:
        throw new FilterSyntaxError(
          `$filter: unsupported property or function at position ${t.at + 1} (supported: isRead, isArchived, category, tags/any)`,
        );
    }
    if (clauses.length > MAX_FILTER_CLAUSES)
      throw new FilterSyntaxError(`$filter: more than ${MAX_FILTER_CLAUSES} clauses`);
    const next = lx.peek();
    if (next === null) return clauses;
    if (next.kind === 'word' && next.text === 'and') {
      lx.next();
      continue;
    }
    if (next.kind === 'bad')
      throw new FilterSyntaxError(
        `$filter: unexpected character at position ${next.at + 1} (only 'and' joins clauses)`,
      );
    throw new FilterSyntaxError(
      `$filter: expected 'and' or the end at position ${next.at + 1} (only 'and' joins clauses)`,
    );
  }
}
