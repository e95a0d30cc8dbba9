import fc from 'fast-check';
import { FilterSyntaxError, MAX_FILTER_CLAUSES, parseFilter } from './odata-filter.js';

describe('parseFilter', () => {
  it('reads the four supported clauses joined by and', () => {
    expect(
      parseFilter(
        "isRead eq false and isArchived eq true and category eq 'stayInformed' and tags/any(t:t eq 'Data privacy')",
      ),
    ).toEqual([
      { field: 'isRead', value: false },
      { field: 'isArchived', value: true },
      { field: 'category', value: 'stayInformed' },
      { field: 'tag', value: 'Data privacy' },
    ]);
  });

  it("takes Graph's property path for the view point", () => {
    expect(parseFilter('viewPoint/isRead eq false and viewPoint/isArchived eq true')).toEqual([
      { field: 'isRead', value: false },
      { field: 'isArchived', value: true },
    ]);
    expect(() => parseFilter('viewPoint/isFavorited eq true')).toThrow(/unsupported property/);
  });

  it('takes any lambda variable name, doubled quotes inside strings, and extra spaces', () => {
    expect(parseFilter("  tags/any( x : x eq 'it''s' )  ")).toEqual([{ field: 'tag', value: "it's" }]);
    expect(parseFilter("category eq ''' or ''1''=''1'")).toEqual([{ field: 'category', value: "' or '1'='1" }]);
    expect(parseFilter("category eq ''")).toEqual([{ field: 'category', value: '' }]);
  });

  it.each([
    ['', /empty/],
    ['isRead eq maybe', /expected true or false at position 11/],
    ['isRead ne true', /expected 'eq' at position 8/],
    ['isRead eq true or isArchived eq true', /only 'and' joins clauses/],
    ['not isRead eq true', /unsupported property or function at position 1/],
    ["title eq 'x'", /unsupported property/],
    ["contains(title,'x')", /unsupported property/],
    ["tags/all(t:t eq 'x')", /unsupported property/],
    ["tags/any(t:u eq 'x')", /expected 'u'|expected 't'/],
    ["tags/any(t:t eq 'x'", /expected '\)'/],
    ["category eq 'x", /unterminated string starting at position 13/],
    ['isRead eq true;', /unexpected character at position 15/],
    ['isRead eq true and', /expected isRead, isArchived, category or tags\/any/],
    ["category eq 'a\u0000b'", /control characters/],
    ["category eq 'a\u200bb'", /control characters/],
    ['isRead eq true\nand isArchived eq true', /control characters/],
    ["category eq 'x' --", /unexpected character/],
    ['IsRead eq true', /unsupported property/],
    ['isRead EQ true', /expected 'eq'/],
  ])('refuses %j with a reason', (text, reason) => {
    expect(() => parseFilter(text)).toThrow(FilterSyntaxError);
    expect(() => parseFilter(text)).toThrow(reason);
  });

  it('caps length, clause count and string length', () => {
    expect(() =>
      parseFilter(
        Array(MAX_FILTER_CLAUSES + 1)
          .fill('isRead eq true')
          .join(' and '),
      ),
    ).toThrow(/more than 16 clauses/);
    expect(parseFilter(Array(MAX_FILTER_CLAUSES).fill('isRead eq true').join(' and '))).toHaveLength(
      MAX_FILTER_CLAUSES,
    );
    expect(() => parseFilter(`category eq '${'x'.repeat(201)}'`)).toThrow(/longer than 200/);
    expect(() => parseFilter(`category eq '${'x'.repeat(1001)}'`)).toThrow(/longer than 1000/);
  });

  it('round-trips any string through a quoted literal, and never throws anything but FilterSyntaxError', () => {
    fc.assert(
      fc.property(
        fc.string({ maxLength: 150 }).filter((s) => !/[\p{Cc}\p{Cf}\u2028\u2029]/u.test(s)),
        (s) => {
          expect(parseFilter(`category eq '${s.replace(/'/g, "''")}'`)).toEqual([{ field: 'category', value: s }]);
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
  });
});
