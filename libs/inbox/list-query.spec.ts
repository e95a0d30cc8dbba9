import { BadInputError } from '../common/errors.js';
import {
  contextFragment,
  nextPageQuery,
  parseItemQuery,
  parseListQuery,
  refuseQueryOptions,
  selectProperties,
} from './list-query.js';

describe('parseListQuery', () => {
  it('defaults to the first 100 in the inbox order, every property, no count', () => {
    expect(parseListQuery({})).toEqual({
      top: 100,
      skip: 0,
      filter: null,
      filterText: null,
      orderBy: [],
      select: null,
      count: false,
    });
  });

  it('caps $top at 1000 and reads $skip, $filter, $orderby, $select and $count', () => {
    expect(
      parseListQuery({
        $top: '5000',
        $skip: '20',
        $filter: 'isRead eq true',
        $orderby: 'lastModifiedDateTime desc,title',
        $select: 'title, lastModifiedDateTime',
        $count: 'true',
      }),
    ).toEqual({
      top: 1000,
      skip: 20,
      filter: { kind: 'bool', field: 'isRead', op: 'eq', value: true },
      filterText: 'isRead eq true',
      orderBy: [
        { field: 'lastModifiedDateTime', desc: true },
        { field: 'title', desc: false },
      ],
      select: ['id', 'title', 'lastModifiedDateTime'],
      count: true,
    });
  });

  it('reads option names case-insensitively, as Graph does', () => {
    const q = parseListQuery({ $orderBy: 'startDateTime asc', $TOP: '2', $Count: 'false' });
    expect(q.orderBy).toEqual([{ field: 'startDateTime', desc: false }]);
    expect(q.top).toBe(2);
    expect(q.count).toBe(false);
  });

  it.each([
    [{ $top: '0' }, /\$top/],
    [{ $top: '-1' }, /\$top/],
    [{ $top: '10 or 1=1' }, /\$top/],
    [{ $top: ['1', '2'] }, /given once/],
    [{ $top: '1', $TOP: '2' }, /given once/],
    [{ $skip: '1.5' }, /\$skip/],
    [{ $skip: '2000000' }, /\$skip/],
    [{ $orderby: 'body' }, /\$orderby: item 1 is not a sortable property/],
    [{ $orderby: 'title sideways' }, /\$orderby: item 1 is not/],
    [{ $orderby: 'title desc,title asc' }, /\$orderby: item 2 repeats/],
    [{ $orderby: 'title; DROP TABLE notices' }, /\$orderby: item 1/],
    [{ $orderby: '' }, /\$orderby: item 1/],
    [{ $orderby: 'x,'.repeat(300) }, /\$orderby: longer than 500/],
    [{ $select: 'title,secret' }, /\$select: item 2 is not a property/],
    [{ $select: '*' }, /\$select: item 1/],
    [{ $select: '' }, /\$select: item 1/],
    [{ $count: 'yes' }, /\$count must be true or false/],
    [{ $expand: 'attachments' }, /unsupported query option/],
    [{ $search: '"x"' }, /unsupported query option/],
    [{ top: '1' }, /unsupported query option/],
    [{ $filter: 'isRead eq 1' }, /expected true or false/],
  ])('refuses %j', (q, reason) => {
    expect(() => parseListQuery(q as Record<string, unknown>)).toThrow(BadInputError);
    expect(() => parseListQuery(q as Record<string, unknown>)).toThrow(reason);
  });

  it('does not echo an unknown option or value back', () => {
    expect(() => parseListQuery({ '<script>': 'x' })).toThrow(
      /^unsupported query option \(supported: \$top, \$skip, \$filter, \$orderby, \$select, \$count\)$/,
    );
    for (const q of [{ $select: '<script>' }, { $orderby: '<script> desc' }, { $count: '<script>' }]) {
      expect(() => parseListQuery(q)).toThrow(/^(?!.*script)/);
    }
  });

  it('builds the next page query, carrying every option encoded', () => {
    const q = parseListQuery({
      $top: '10',
      $skip: '5',
      $filter: "category eq 'a&b'",
      $orderby: 'title desc',
      $select: 'title',
      $count: 'true',
    });
    expect(nextPageQuery(q, false)).toBeNull();
    expect(nextPageQuery(q, true)).toBe(
      `$top=10&$skip=15&$filter=${encodeURIComponent("category eq 'a&b'")}&$orderby=${encodeURIComponent('title desc')}&$select=${encodeURIComponent('id,title')}&$count=true`,
    );
  });
});

describe('one message and attachments', () => {
  it('GET one takes $select only', () => {
    expect(parseItemQuery({ $select: 'title' })).toEqual({ select: ['id', 'title'] });
    expect(parseItemQuery({})).toEqual({ select: null });
    expect(() => parseItemQuery({ $orderby: 'title' })).toThrow(/unsupported query option \(supported: \$select\)/);
    expect(() => refuseQueryOptions({ $select: 'x' })).toThrow(/takes none/);
    expect(() => refuseQueryOptions({})).not.toThrow();
  });

  it('selects properties and names them in the context', () => {
    const m = { id: 'MC1', title: 't', body: { contentType: 'html', content: 'x' } } as unknown as Parameters<
      typeof selectProperties
    >[0];
    expect(selectProperties(m, ['id', 'title'])).toEqual({ id: 'MC1', title: 't' });
    expect(selectProperties(m, null)).toBe(m);
    expect(contextFragment(['id', 'title'], false)).toBe('admin/serviceAnnouncement/messages(id,title)');
    expect(contextFragment(null, true)).toBe('admin/serviceAnnouncement/messages/$entity');
  });
});
