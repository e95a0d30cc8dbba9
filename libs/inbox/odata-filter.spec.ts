import fc from 'fast-check';
import { FilterSyntaxError, MAX_FILTER_CLAUSES, MAX_FILTER_DEPTH, parseFilter } from './odata-filter.js';

describe('parseFilter', () => {
  it('reads the boolean, text and lambda clauses joined by and', () => {
    expect(
      parseFilter(
        "isRead eq false and isArchived eq true and category eq 'stayInformed' and tags/any(t:t eq 'Data privacy')",
      ),
    ).toEqual({
      kind: 'and',
      args: [
        { kind: 'bool', field: 'isRead', op: 'eq', value: false },
        { kind: 'bool', field: 'isArchived', op: 'eq', value: true },
        { kind: 'text', field: 'category', op: 'eq', value: 'stayInformed' },
        { kind: 'any', field: 'tags', value: 'Data privacy' },
      ],
    });
  });

  it("takes Graph's property paths for the view point, isMajorChange, id, severity and services", () => {
    expect(parseFilter('viewPoint/isRead eq false')).toEqual({ kind: 'bool', field: 'isRead', op: 'eq', value: false });
    expect(parseFilter('viewPoint/isFavorited ne true')).toEqual({
      kind: 'bool',
      field: 'isFavorited',
      op: 'ne',
      value: true,
    });
    expect(parseFilter('isMajorChange eq true')).toEqual({
      kind: 'bool',
      field: 'isMajorChange',
      op: 'eq',
      value: true,
    });
    expect(parseFilter("id eq 'MC123'")).toEqual({ kind: 'text', field: 'id', op: 'eq', value: 'MC123' });
    expect(parseFilter("severity ne 'normal'")).toEqual({ kind: 'text', field: 'severity', op: 'ne', value: 'normal' });
    expect(parseFilter("services/any(s: s eq 'Microsoft Teams')")).toEqual({
      kind: 'any',
      field: 'services',
      value: 'Microsoft Teams',
    });
  });

  it.each([
    ['lastModifiedDateTime ge 2026-11-01T00:00:00Z', 'lastModifiedDateTime', 'ge', '2026-11-01T00:00:00Z'],
    ['startDateTime lt 2026-11-01T10:30Z', 'startDateTime', 'lt', '2026-11-01T10:30Z'],
    ['startDateTime gt 2026-11-01T10:30:00.1234567Z', 'startDateTime', 'gt', '2026-11-01T10:30:00.1234567Z'],
    ['lastModifiedDateTime le 2026-11-01T10:30:00+02:00', 'lastModifiedDateTime', 'le', '2026-11-01T10:30:00+02:00'],
    [
      'actionRequiredByDateTime eq 2024-02-29T00:00:00-05:30',
      'actionRequiredByDateTime',
      'eq',
      '2024-02-29T00:00:00-05:30',
    ],
    ['lastModifiedDateTime ne 2026-11-01T00:00:00.000Z', 'lastModifiedDateTime', 'ne', '2026-11-01T00:00:00.000Z'],
  ])('reads the date-time comparison %j', (text, field, op, value) => {
    expect(parseFilter(text)).toEqual({ kind: 'time', field, op, value });
  });

  it('binds and tighter than or, and keeps parentheses and not', () => {
    expect(parseFilter("isRead eq true or category eq 'a' and severity eq 'high'")).toEqual({
      kind: 'or',
      args: [
        { kind: 'bool', field: 'isRead', op: 'eq', value: true },
        {
          kind: 'and',
          args: [
            { kind: 'text', field: 'category', op: 'eq', value: 'a' },
            { kind: 'text', field: 'severity', op: 'eq', value: 'high' },
          ],
        },
      ],
    });
    expect(parseFilter("(isRead eq true or category eq 'a') and not (severity eq 'high')")).toEqual({
      kind: 'and',
      args: [
        {
          kind: 'or',
          args: [
            { kind: 'bool', field: 'isRead', op: 'eq', value: true },
            { kind: 'text', field: 'category', op: 'eq', value: 'a' },
          ],
        },
        { kind: 'not', arg: { kind: 'text', field: 'severity', op: 'eq', value: 'high' } },
      ],
    });
  });

  it('takes any lambda variable name, doubled quotes inside strings, and extra spaces', () => {
    expect(parseFilter("  tags/any( x : x eq 'it''s' )  ")).toEqual({ kind: 'any', field: 'tags', value: "it's" });
    expect(parseFilter("category eq ''' or ''1''=''1'")).toEqual({
      kind: 'text',
      field: 'category',
      op: 'eq',
      value: "' or '1'='1",
    });
    expect(parseFilter("category eq ''")).toEqual({ kind: 'text', field: 'category', op: 'eq', value: '' });
  });

  it.each([
    ['', /empty/],
    ['   ', /empty/],
    ['isRead eq maybe', /expected true or false at position 11/],
    ['isRead gt true', /expected 'eq' or 'ne' at position 8/],
    ["title eq 'x'", /unsupported property/],
    ["contains(title,'x')", /unsupported property/],
    ["startswith(title,'x')", /unsupported property/],
    ["tags/all(t:t eq 'x')", /unsupported property/],
    ["tags/any(t:u eq 'x')", /expected the lambda variable/],
    ["tags/any(t:t ne 'x')", /expected 'eq'/],
    ["tags/any(t:t eq 'x'", /expected '\)'/],
    ["category eq 'x", /unterminated string starting at position 13/],
    ['isRead eq true;', /unexpected character at position 15/],
    ['isRead eq true and', /expected a property, a lambda, not or \(/],
    ['isRead eq true or', /expected a property/],
    ['(isRead eq true', /expected '\)'/],
    ['isRead eq true)', /expected 'and', 'or' or the end at position 15/],
    ['()', /expected a property/],
    ["category eq 'a\u0000b'", /control characters/],
    ["category eq 'a\u200bb'", /control characters/],
    ['isRead eq true\nand isArchived eq true', /control characters/],
    ["category eq 'x' --", /unexpected character/],
    ["category eq '' or 1=1 --'", /expected a property|unexpected character/],
    ['IsRead eq true', /unsupported property/],
    ['isRead EQ true', /expected 'eq' or 'ne'/],
    ["lastModifiedDateTime ge '2026-11-01T00:00:00Z'", /expected a date-time/],
    ['lastModifiedDateTime ge 2026-11-01', /is not one/],
    ['lastModifiedDateTime ge 2026-02-30T00:00:00Z', /is not one/],
    ['lastModifiedDateTime ge 2023-02-29T00:00:00Z', /is not one/],
    ['lastModifiedDateTime ge 2026-13-01T00:00:00Z', /is not one/],
    ['lastModifiedDateTime ge 2026-11-01T24:00:00Z', /is not one/],
    ['lastModifiedDateTime ge 2026-11-01T00:00:00+15:00', /is not one/],
    ['lastModifiedDateTime ge 2026-11-01T00:00:00', /is not one/],
    ['lastModifiedDateTime ge 0000-01-01T00:00:00Z', /is not one/],
    ['lastModifiedDateTime ge now()', /expected a date-time/],
    ['lastModifiedDateTime ge 2026-11-01T00:00:00Z;DROP TABLE notices', /unexpected character/],
    ["category eq 'x' or category eq 'y' union select 1", /expected 'and', 'or' or the end/],
  ])('refuses %j with a reason', (text, reason) => {
    expect(() => parseFilter(text)).toThrow(FilterSyntaxError);
    expect(() => parseFilter(text)).toThrow(reason);
  });

  it('never echoes the text it refuses', () => {
    for (const text of ["<script>alert(1)</script> eq 'x'", "category eq 'x' <img src=x>", "evil' eq 'x'"]) {
      try {
        parseFilter(text);
        throw new Error('parsed');
      } catch (err) {
        expect(err).toBeInstanceOf(FilterSyntaxError);
        expect((err as Error).message).not.toMatch(/script|img|evil/);
      }
    }
  });

  it('caps length, comparison count, nesting depth and string length', () => {
    const n = (k: number) => Array(k).fill('isRead eq true').join(' or ');
    expect(() => parseFilter(n(MAX_FILTER_CLAUSES + 1))).toThrow(/more than 32 comparisons/);
    expect(parseFilter(n(MAX_FILTER_CLAUSES))).toMatchObject({ kind: 'or' });
    const nested = (d: number) => `${'('.repeat(d)}isRead eq true${')'.repeat(d)}`;
    expect(parseFilter(nested(MAX_FILTER_DEPTH))).toEqual({ kind: 'bool', field: 'isRead', op: 'eq', value: true });
    expect(() => parseFilter(nested(MAX_FILTER_DEPTH + 1))).toThrow(/nested deeper than 8/);
    expect(() => parseFilter(`${'not '.repeat(MAX_FILTER_DEPTH + 1)}isRead eq true`)).toThrow(/nested deeper/);
    // deep nesting far past the cap fails fast on the cap, never on the stack
    expect(() => parseFilter(nested(900))).toThrow(/nested deeper/);
    expect(() => parseFilter(`category eq '${'x'.repeat(201)}'`)).toThrow(/longer than 200/);
    expect(() => parseFilter(`category eq '${'x'.repeat(2001)}'`)).toThrow(/longer than 2000/);
  });

  it('round-trips any string through a quoted literal, and never throws anything but FilterSyntaxError', () => {
    fc.assert(
      fc.property(
        fc.string({ maxLength: 150 }).filter((s) => !/[\p{Cc}\p{Cf}\u2028\u2029]/u.test(s)),
        (s) => {
          expect(parseFilter(`category eq '${s.replace(/'/g, "''")}'`)).toEqual({
            kind: 'text',
            field: 'category',
            op: 'eq',
            value: s,
          });
        },
      ),
    );
    fc.assert(
      fc.property(fc.string({ maxLength: 300 }), (s) => {
        try {
          parseFilter(s);
        } catch (err) {
          expect(err).toBeInstanceOf(FilterSyntaxError);
        }
      }),
    );
    // built from the grammar's own pieces, so the parser goes deep into it
    const piece = fc.constantFrom(
      '(',
      ')',
      'not',
      'and',
      'or',
      'isRead',
      'eq',
      'ge',
      'true',
      "'x'",
      'tags/any(',
      't',
      ':',
      '2026-01-01T00:00:00Z',
      'lastModifiedDateTime',
      'category',
    );
    fc.assert(
      fc.property(fc.array(piece, { maxLength: 60 }), (parts) => {
        try {
          parseFilter(parts.join(' '));
        } catch (err) {
          expect(err).toBeInstanceOf(FilterSyntaxError);
        }
      }),
    );
  });
});
