/**
 * The part of OData `$filter` the inbox accepts (docs/contracts.md §5), parsed by recursive descent
 * into a tree (libs/notices/notice-query.ts) the notices repository turns into SQL with bound parameters. Everything else is refused with a
 * reason that names a position, never the text; nothing from the text ever reaches SQL as text.
 *
 *   expr       := and ( "or" and )*
 *   and        := unary ( "and" unary )*
 *   unary      := "not" unary | "(" expr ")" | comparison | lambda
 *   comparison := boolProp ("eq"|"ne") bool
 *               | textProp ("eq"|"ne") string
 *               | timeProp ("eq"|"ne"|"gt"|"ge"|"lt"|"le") dateTime
 *   boolProp   := "isRead" | "isArchived" | "isMajorChange" | "viewPoint/" ("isRead"|"isArchived"|"isFavorited")
 *   textProp   := "id" | "category" | "severity"
 *   timeProp   := "lastModifiedDateTime" | "startDateTime" | "actionRequiredByDateTime"
 *   lambda     := ("tags"|"services") "/any(" var ":" var "eq" string ")"
 *   bool       := "true" | "false"
 *   string     := "'" ( any character but "'" | "''" )* "'"
 *   dateTime   := YYYY-MM-DDThh:mm[:ss[.fraction]](Z|±hh:mm), unquoted as OData writes it
 *
 * Bounded: MAX_FILTER_LENGTH characters, MAX_FILTER_CLAUSES comparisons, MAX_FILTER_DEPTH nested
 * parentheses or `not`s, so hostile input costs a bounded parse and a bounded statement.
 *
 * Written here rather than taken from npm: the OData parsers there (odata-v4-parser 0.1, @odata/parser
 * 0.2) parse the whole OData grammar into a generic tree, which would still need a walk as long as
 * this parser to refuse all but this subset, with positions instead of reasons.
 */
import type { BoolField, FilterNode, TextField, TimeField, TimeOp } from '../notices/notice-query.js';

export type { BoolField, FilterNode, TextField, TimeField, TimeOp };

export class FilterSyntaxError extends Error {}

export const MAX_FILTER_LENGTH = 2000;
export const MAX_FILTER_CLAUSES = 32;
export const MAX_FILTER_DEPTH = 8;
export const MAX_FILTER_STRING = 200;

const BOOL_FIELDS: Record<string, BoolField> = {
  isRead: 'isRead',
  isArchived: 'isArchived',
  isMajorChange: 'isMajorChange',
  'viewPoint/isRead': 'isRead',
  'viewPoint/isArchived': 'isArchived',
  'viewPoint/isFavorited': 'isFavorited',
};
const TEXT_FIELDS: Record<string, TextField> = { id: 'id', category: 'category', severity: 'severity' };
const TIME_FIELDS: Record<string, TimeField> = {
  lastModifiedDateTime: 'lastModifiedDateTime',
  startDateTime: 'startDateTime',
  actionRequiredByDateTime: 'actionRequiredByDateTime',
};
const LAMBDAS: Record<string, 'tags' | 'services'> = { 'tags/any': 'tags', 'services/any': 'services' };
const TIME_OPS = new Set<string>(['eq', 'ne', 'gt', 'ge', 'lt', 'le']);
const SUPPORTED =
  'supported: isRead, isArchived, isMajorChange, viewPoint/isFavorited, id, category, severity, lastModifiedDateTime, startDateTime, actionRequiredByDateTime, tags/any, services/any';

type Token =
  | { kind: 'word'; text: string; at: number }
  | { kind: 'string'; text: string; at: number }
  | { kind: 'dateTime'; text: string; at: number }
  | { kind: 'punct'; text: '(' | ')' | ':'; at: number }
  /** a character no token starts with */
  | { kind: 'bad'; at: number };

const WORD = /[A-Za-z_][A-Za-z0-9_]*(?:\/[A-Za-z_][A-Za-z0-9_]*)?/y;
/** an OData DateTimeOffset literal; its parts are checked by dateTimeValue */
const DATE_TIME = /(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(\.\d{1,7})?)?(Z|[+-]\d{2}:\d{2})/y;

/** what only a date-time starts with: from there on, anything else is a broken date-time */
const DATE_START = /\d{4}-/y;

/** Whether the literal names a real instant (no 30 February, no hour 24): PostgreSQL must never be the one to refuse it. */
function isRealDateTime(m: RegExpExecArray): boolean {
  const [, y, mo, d, h, mi, s = '00', , zone] = m;
  const year = Number(y);
  const month = Number(mo);
  const day = Number(d);
  if (year < 1 || month < 1 || month > 12 || day < 1 || Number(h) > 23 || Number(mi) > 59 || Number(s) > 59)
    return false;
  const days = new Date(Date.UTC(2000, month, 0)).getUTCDate();
  const leap = month === 2 && day === 29 && !(year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0));
  if (day > days || leap) return false;
  if (zone !== 'Z') {
    const [zh, zm] = zone!.slice(1).split(':').map(Number);
    if (zh! > 14 || zm! > 59) return false;
  }
  return true;
}

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
    if (ch === "'") return this.string(at);
    DATE_START.lastIndex = at;
    if (DATE_START.test(s)) {
      DATE_TIME.lastIndex = at;
      const m = DATE_TIME.exec(s);
      if (!m || !isRealDateTime(m))
        throw new FilterSyntaxError(
          `$filter: a date-time at position ${at + 1} is not one (expected YYYY-MM-DDThh:mm:ssZ or with an offset)`,
        );
      this.i = at + m[0].length;
      return { kind: 'dateTime', text: m[0], at };
    }
    WORD.lastIndex = at;
    const m = WORD.exec(s);
    if (!m) {
      this.i++;
      return { kind: 'bad', at };
    }
    this.i = at + m[0].length;
    return { kind: 'word', text: m[0], at };
  }

  private string(at: number): Token {
    const s = this.s;
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
}

class Parser {
  private readonly lx: Lexer;
  private clauses = 0;

  constructor(private readonly text: string) {
    this.lx = new Lexer(text);
  }

  parse(): FilterNode {
    if (this.lx.peek() === null) throw new FilterSyntaxError('$filter: empty');
    const node = this.or(0);
    const rest = this.lx.peek();
    if (rest !== null) {
      if (rest.kind === 'bad') this.expected("'and', 'or' or the end");
      throw new FilterSyntaxError(`$filter: expected 'and', 'or' or the end at position ${rest.at + 1}`);
    }
    return node;
  }

  private or(depth: number): FilterNode {
    const args = [this.and(depth)];
    while (this.isWord('or')) {
      this.lx.next();
      args.push(this.and(depth));
    }
    return args.length === 1 ? args[0]! : { kind: 'or', args };
  }

  private and(depth: number): FilterNode {
    const args = [this.unary(depth)];
    while (this.isWord('and')) {
      this.lx.next();
      args.push(this.unary(depth));
    }
    return args.length === 1 ? args[0]! : { kind: 'and', args };
  }

  private unary(depth: number): FilterNode {
    if (depth > MAX_FILTER_DEPTH) throw new FilterSyntaxError(`$filter: nested deeper than ${MAX_FILTER_DEPTH} levels`);
    const t = this.lx.peek();
    if (t?.kind === 'punct' && t.text === '(') {
      this.lx.next();
      const inner = this.or(depth + 1);
      this.punct(')');
      return inner;
    }
    if (t?.kind === 'word' && t.text === 'not') {
      this.lx.next();
      return { kind: 'not', arg: this.unary(depth + 1) };
    }
    return this.comparison();
  }

  private comparison(): FilterNode {
    const t = this.lx.peek();
    if (!t || t.kind !== 'word') return this.expected('a property, a lambda, not or (');
    this.lx.next();
    if (++this.clauses > MAX_FILTER_CLAUSES)
      throw new FilterSyntaxError(`$filter: more than ${MAX_FILTER_CLAUSES} comparisons`);
    const name = t.text;
    if (name in BOOL_FIELDS) {
      const op = this.operator(['eq', 'ne']) as 'eq' | 'ne';
      return { kind: 'bool', field: BOOL_FIELDS[name]!, op, value: this.boolean() };
    }
    if (name in TEXT_FIELDS) {
      const op = this.operator(['eq', 'ne']) as 'eq' | 'ne';
      return { kind: 'text', field: TEXT_FIELDS[name]!, op, value: this.stringLiteral() };
    }
    if (name in TIME_FIELDS) {
      const op = this.operator([...TIME_OPS]) as TimeOp;
      return { kind: 'time', field: TIME_FIELDS[name]!, op, value: this.dateTime() };
    }
    if (name in LAMBDAS) return this.lambda(LAMBDAS[name]!);
    throw new FilterSyntaxError(`$filter: unsupported property or function at position ${t.at + 1} (${SUPPORTED})`);
  }

  private lambda(field: 'tags' | 'services'): FilterNode {
    this.punct('(');
    const v = this.lx.peek();
    if (!v || v.kind !== 'word' || v.text.includes('/')) return this.expected('a lambda variable');
    this.lx.next();
    this.punct(':');
    const use = this.lx.peek();
    if (!use || use.kind !== 'word' || use.text !== v.text) this.expected('the lambda variable');
    this.lx.next();
    this.operator(['eq']);
    const value = this.stringLiteral();
    this.punct(')');
    return { kind: 'any', field, value };
  }

  private operator(allowed: string[]): string {
    const t = this.lx.peek();
    if (t?.kind === 'word' && allowed.includes(t.text)) {
      this.lx.next();
      return t.text;
    }
    return this.expected(allowed.map((o) => `'${o}'`).join(' or '));
  }

  private boolean(): boolean {
    const t = this.lx.peek();
    if (t?.kind === 'word' && (t.text === 'true' || t.text === 'false')) {
      this.lx.next();
      return t.text === 'true';
    }
    return this.expected('true or false');
  }

  private stringLiteral(): string {
    const t = this.lx.peek();
    if (!t || t.kind !== 'string') return this.expected('a quoted string');
    this.lx.next();
    return t.text;
  }

  private dateTime(): string {
    const t = this.lx.peek();
    if (!t || t.kind !== 'dateTime') return this.expected('a date-time such as 2026-01-31T00:00:00Z');
    this.lx.next();
    return t.text;
  }

  private punct(ch: '(' | ')' | ':'): void {
    const t = this.lx.peek();
    if (!t || t.kind !== 'punct' || t.text !== ch) this.expected(`'${ch}'`);
    this.lx.next();
  }

  private isWord(w: string): boolean {
    const t = this.lx.peek();
    return t?.kind === 'word' && t.text === w;
  }

  private expected(what: string): never {
    const t = this.lx.peek();
    if (t?.kind === 'bad')
      throw new FilterSyntaxError(`$filter: unexpected character at position ${t.at + 1} (expected ${what})`);
    throw new FilterSyntaxError(`$filter: expected ${what} at position ${t ? t.at + 1 : this.text.length + 1}`);
  }
}

/** Parses a `$filter` value; throws FilterSyntaxError with a reason (and a position) for anything outside the grammar. */
export function parseFilter(text: string): FilterNode {
  if (text.length > MAX_FILTER_LENGTH)
    throw new FilterSyntaxError(`$filter: longer than ${MAX_FILTER_LENGTH} characters`);
  // Control and format characters (and line breaks) have no place in a filter.
  if (/[\p{Cc}\p{Cf}\u2028\u2029]/u.test(text.replace(/\t/g, ' ')))
    throw new FilterSyntaxError('$filter: control characters are not allowed');
  return new Parser(text).parse();
}
