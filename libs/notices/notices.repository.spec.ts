import fc from 'fast-check';
import { DummyDriver, Kysely, PostgresAdapter, PostgresIntrospector, PostgresQueryCompiler } from 'kysely';
import type { DB } from '../db/transaction.js';
import { parseFilter } from '../inbox/odata-filter.js';
import { filterSql } from './notices.repository.js';

/** Compiles statements as PostgreSQL's, without a connection. */
const db = new Kysely<DB>({
  dialect: {
    createAdapter: () => new PostgresAdapter(),
    createDriver: () => new DummyDriver(),
    createIntrospector: (k) => new PostgresIntrospector(k),
    createQueryCompiler: () => new PostgresQueryCompiler(),
  },
});

const compile = (filter: string) => filterSql(parseFilter(filter)).compile(db);

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
        const { sql, parameters } = compile(clauses.join(useOr ? ' or ' : ' and '));
        for (const v of marked) {
          expect(sql).not.toContain(`zq${marked.indexOf(v)}x`);
          expect(parameters).toContain(v);
        }
        // only placeholders, column names and keywords: no quote from the input survives
        expect(sql).not.toMatch(/'(?!UTC')/);
      }),
    );
  });

  it('compiles date-times to timestamptz parameters compared at the millisecond shown', () => {
    const { sql, parameters } = compile(
      'lastModifiedDateTime ge 2026-11-01T00:00:00Z and actionRequiredByDateTime ne 2026-11-01T00:00:00+01:00',
    );
    expect(sql).toBe(
      "(COALESCE((date_trunc('milliseconds', n.last_modified_at) AT TIME ZONE 'UTC') >= $1::timestamptz, false) AND ((date_trunc('milliseconds', n.action_required_by) AT TIME ZONE 'UTC') IS NULL OR (date_trunc('milliseconds', n.action_required_by) AT TIME ZONE 'UTC') <> $2::timestamptz))",
    );
    expect(parameters).toEqual(['2026-11-01T00:00:00Z', '2026-11-01T00:00:00+01:00']);
  });
});
