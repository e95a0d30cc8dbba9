import fc from 'fast-check';
import { filterSql, Params } from './inbox.repository.js';
import { parseFilter } from './odata-filter.js';

describe('filterSql', () => {
  it('puts every literal of a filter into a bound parameter, never into the SQL text', () => {
    const literal = fc.string({ minLength: 1, maxLength: 40 }).filter((s) => !/[\p{Cc}\p{Cf}\u2028\u2029]/u.test(s));
    const quote = (s: string) => `'${s.replace(/'/g, "''")}'`;
    fc.assert(
      fc.property(fc.array(literal, { minLength: 1, maxLength: 6 }), fc.boolean(), (values, useOr) => {
        const marked = values.map((v, i) => `zq${i}x${v}`);
        const clauses = marked.map((v, i) =>
          i % 3 === 0
            ? `category eq ${quote(v)}`
            : i % 3 === 1
              ? `tags/any(t:t eq ${quote(v)})`
              : `not (id ne ${quote(v)})`,
        );
        const p = new Params();
        const sql = filterSql(p, parseFilter(clauses.join(useOr ? ' or ' : ' and ')));
        for (const v of marked) {
          expect(sql).not.toContain(`zq${marked.indexOf(v)}x`);
          expect(p.values).toContain(v);
        }
        // only placeholders, column names and keywords: no quote from the input survives
        expect(sql).not.toMatch(/'(?!UTC')/);
      }),
    );
  });

  it('compiles date-times to timestamptz parameters compared at the millisecond shown', () => {
    const p = new Params();
    const sql = filterSql(
      p,
      parseFilter(
        'lastModifiedDateTime ge 2026-11-01T00:00:00Z and actionRequiredByDateTime ne 2026-11-01T00:00:00+01:00',
      ),
    );
    expect(sql).toBe(
      "(COALESCE((date_trunc('milliseconds', n.last_modified_at) AT TIME ZONE 'UTC') >= $1::timestamptz, false) AND ((date_trunc('milliseconds', n.action_required_by) AT TIME ZONE 'UTC') IS NULL OR (date_trunc('milliseconds', n.action_required_by) AT TIME ZONE 'UTC') <> $2::timestamptz))",
    );
    expect(p.values).toEqual(['2026-11-01T00:00:00Z', '2026-11-01T00:00:00+01:00']);
  });
});
