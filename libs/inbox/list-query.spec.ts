import { BadInputError } from '../common/errors.js';
import { nextPageQuery, parseListQuery } from './list-query.js';

describe('parseListQuery', () => {
  it('defaults to the first 100', () => {
    expect(parseListQuery({})).toEqual({ top: 100, skip: 0, filter: [], filterText: null });
  });

  it('caps $top at 1000 and reads $skip and $filter', () => {
    expect(parseListQuery({ $top: '5000', $skip: '20', $filter: 'isRead eq true' })).toEqual({
      top: 1000,
      skip: 20,
      filter: [{ field: 'isRead', value: true }],
      filterText: 'isRead eq true',
    });
  });

  it.each([
    [{ $top: '0' }, /\$top/],
    [{ $top: '-1' }, /\$top/],
    [{ $top: '10 or 1=1' }, /\$top/],
    [{ $top: ['1', '2'] }, /given once/],
    [{ $skip: '1.5' }, /\$skip/],
    [{ $skip: '2000000' }, /\$skip/],
    [{ $orderby: 'title' }, /unsupported query option/],
    [{ top: '1' }, /unsupported query option/],
    [{ $filter: 'isRead eq 1' }, /expected true or false/],
  ])('refuses %j', (q, reason) => {
    expect(() => parseListQuery(q as Record<string, unknown>)).toThrow(BadInputError);
    expect(() => parseListQuery(q as Record<string, unknown>)).toThrow(reason);
  });

  it('does not echo an unknown option back', () => {
    expect(() => parseListQuery({ '<script>': 'x' })).toThrow(
      /^unsupported query option \(supported: \$top, \$skip, \$filter\)$/,
    );
  });

  it('builds the next page query, carrying the filter encoded', () => {
    const q = parseListQuery({ $top: '10', $skip: '5', $filter: "category eq 'a&b'" });
    expect(nextPageQuery(q, false)).toBeNull();
    expect(nextPageQuery(q, true)).toBe(`$top=10&$skip=15&$filter=${encodeURIComponent("category eq 'a&b'")}`);
  });
});
