import fc from 'fast-check';
import { parseRecordLine, validateRecord } from './record-line.js';

const ok = (o: object) => JSON.stringify({ recordId: 'R1', kind: 'email', ...o });
const reason = (line: string) => {
  const r = parseRecordLine(line, 1 << 20);
  return r.ok ? 'accepted' : r.reason;
};

describe('parseRecordLine', () => {
  it('accepts a record and keeps unknown fields', () => {
    const r = parseRecordLine(ok({ to: ['a@b.com'], mailbox: 'x', people: [{ name: 'A', extra: 1 }] }), 1 << 20);
    expect(r.ok && r.record.mailbox).toBe('x');
    expect(r.ok && r.record.people?.[0]?.extra).toBe(1);
  });

  it.each([
    ['{not json', /not valid JSON/],
    ['[1,2]', /not a JSON object/],
    ['"text"', /not a JSON object/],
    ['null', /not a JSON object/],
    [JSON.stringify({ kind: 'email' }), /missing recordId/],
    [JSON.stringify({ recordId: 'R1' }), /missing kind/],
    [JSON.stringify({ recordId: 'R1', kind: 'fax' }), /kind must be one of/],
    [JSON.stringify({ recordId: 7, kind: 'email' }), /wrong type: recordId/],
    [JSON.stringify({ recordId: '  ', kind: 'email' }), /recordId must not be empty/],
    [ok({ to: 'a@b.com' }), /wrong type: to must be an array/],
    [ok({ people: 'Lena' }), /wrong type: people must be an array/],
    [ok({ source: 'bluebleed' }), /wrong type: source/],
    [JSON.stringify({ recordId: null, kind: 'email' }), /missing recordId/],
    [JSON.stringify({ recordId: 'R1', kind: null }), /missing kind/],
    [ok({ to: ['a@b.com', null, 'x'.repeat(321)] }), /size limit: to\[2\]/],
    [ok({ body: 'x'.repeat(512 * 1024 + 1) }), /size limit: body/],
    [ok({ to: Array(2001).fill('a@b.com') }), /size limit: to/],
    [ok({ subject: 'hi\u0001there' }), /control character in subject/],
    [ok({ people: [{ name: 'A\u0085' }] }), /control character in people\[0\]\.name/],
  ])('quarantines %#', (line, expected) => {
    expect(reason(line)).toMatch(expected);
  });

  it('takes null as absent at any depth, counting each by its path', () => {
    const line = ok({
      subject: null,
      body: null,
      from: null,
      capturedAt: null,
      fileName: null,
      sha256: null,
      source: { container: null, path: 'p', other: null },
      to: ['a@b.com', null],
      cc: null,
      bcc: [null],
      companies: [null, 'Contoso'],
      tenantIds: null,
      projectIds: [null],
      people: [{ name: 'Lena', email: null, phone: null, role: null }, null],
      attachments: [{ fileName: null, sha256: null }, null],
      mailbox: null,
    });
    const r = parseRecordLine(line, 1 << 20);
    if (!r.ok) throw new Error(r.reason);
    expect(r.verbatim).toBeFalsy();
    expect(r.record).toEqual({
      recordId: 'R1',
      kind: 'email',
      source: { path: 'p', other: null },
      to: ['a@b.com'],
      bcc: [],
      companies: ['Contoso'],
      projectIds: [],
      people: [{ name: 'Lena', role: null }],
      attachments: [{}],
      mailbox: null,
    });
    expect([...r.cleaning!.nullValues].sort()).toEqual(
      [
        'subject',
        'body',
        'from',
        'capturedAt',
        'fileName',
        'sha256',
        'source.container',
        'to[]',
        'cc',
        'bcc[]',
        'companies[]',
        'tenantIds',
        'projectIds[]',
        'people[].email',
        'people[].phone',
        'people[]',
        'attachments[].fileName',
        'attachments[].sha256',
        'attachments[]',
      ].sort(),
    );
    expect(r.cleaning!.warnings).toEqual([]);
  });

  it('drops a value of the wrong type with a warning naming it, and keeps the record', () => {
    const r = parseRecordLine(
      ok({
        from: 7,
        to: ['a@b.com', 42, { x: 1 }, 'c@d.com'],
        people: ['Lena', { name: 'Ana', email: ['a@b.com'], phone: 5 }],
        source: { path: 3 },
      }),
      1 << 20,
    );
    if (!r.ok) throw new Error(r.reason);
    expect(r.record.to).toEqual(['a@b.com', 'c@d.com']);
    expect(r.record.people).toEqual([{ name: 'Ana' }]);
    expect(r.record.from).toBeUndefined();
    expect(r.record.source).toEqual({});
    expect(r.cleaning!.warnings).toEqual([
      { field: 'from', reason: 'not a string (got a number)' },
      { field: 'to[1]', reason: 'not a string (got a number)' },
      { field: 'to[2]', reason: 'not a string (got an object)' },
      { field: 'people[0]', reason: 'not an object (got a string)' },
      { field: 'people[1].email', reason: 'not a string (got an array)' },
      { field: 'people[1].phone', reason: 'not a string (got a number)' },
      { field: 'source.path', reason: 'not a string (got a number)' },
    ]);
    // the original index of each entry kept, for warnings about the entries' values
    expect(r.cleaning!.origin).toEqual({ to: [0, 3], people: [1] });
  });

  it('leaves a line without null or a wrong type to the fast path, with nothing cleaned', () => {
    const r = parseRecordLine(ok({ to: ['a@b.com'], people: [{ name: 'A', email: 'a@b.com' }] }), 1 << 20);
    expect(r.ok && r.verbatim).toBe(true);
    expect(r.ok && r.cleaning).toBeUndefined();
  });

  it('refuses a line over the byte limit without parsing it', () => {
    expect(parseRecordLine(ok({ body: 'x'.repeat(2000) }), 1024)).toEqual({
      ok: false,
      reason: 'size limit: line longer than 1024 bytes',
    });
  });

  it('keeps tabs and newlines inside strings', () => {
    expect(reason(ok({ body: 'a\tb\r\nc' }))).toBe('accepted');
  });

  it('takes the fast path to exactly what the schema decides', () => {
    // a valid record with one value changed to each side of a check the schema makes
    const short = fc.string({ maxLength: 6 });
    const base = fc.record(
      {
        recordId: fc.string({ minLength: 1, maxLength: 8 }).map((x) => `R${x}R`),
        kind: fc.constantFrom('email', 'attachment', 'document', 'contact', 'project'),
        source: fc.record(
          { container: short, path: short, other: fc.jsonValue({ maxDepth: 2 }) },
          { requiredKeys: [] },
        ),
        capturedAt: short,
        subject: short,
        body: fc.string({ maxLength: 40 }),
        from: short,
        to: fc.array(short, { maxLength: 3 }),
        cc: fc.array(short, { maxLength: 2 }),
        bcc: fc.array(short, { maxLength: 2 }),
        fileName: short,
        sha256: short,
        people: fc.array(fc.record({ name: short, email: short, phone: short, role: short }, { requiredKeys: [] }), {
          maxLength: 3,
        }),
        companies: fc.array(short, { maxLength: 2 }),
        tenantIds: fc.array(short, { maxLength: 2 }),
        projectIds: fc.array(short, { maxLength: 2 }),
        attachments: fc.array(fc.record({ fileName: short, sha256: short }, { requiredKeys: [] }), { maxLength: 2 }),
        extra: fc.jsonValue({ maxDepth: 3 }),
      },
      { requiredKeys: ['recordId', 'kind'] },
    );
    const x = (n: number) => 'x'.repeat(n);
    const nest = (d: number) => Array.from({ length: d }).reduce<unknown>((v) => [v], 'x');
    const limits: [string, number][] = [
      ['recordId', 200],
      ['capturedAt', 64],
      ['subject', 2000],
      ['from', 320],
      ['fileName', 1024],
      ['sha256', 128],
      ['source.container', 1024],
      ['source.path', 4096],
      ['to.0', 320],
      ['cc.0', 320],
      ['bcc.0', 320],
      ['companies.0', 320],
      ['tenantIds.0', 320],
      ['projectIds.0', 320],
      ['people.0.name', 320],
      ['people.0.email', 320],
      ['people.0.phone', 320],
      ['attachments.0.fileName', 1024],
      ['attachments.0.sha256', 128],
    ];
    const mutations: [string, unknown][] = [
      ...limits.flatMap(([path, max]): [string, unknown][] => [
        [path, x(max)],
        [path, x(max + 1)],
        [path, 7],
        [path, null],
        [path, 'a\u0001'],
        [path, 'a\u0085'],
        [path, 'a\u007f'],
        [path, '\b'],
        [path, 'é\u2028 \\b'],
      ]),
      ['body', x(512 * 1024)],
      ['body', x(512 * 1024 + 1)],
      ['body', 7],
      ['body', 'a\fb'],
      ['recordId', ''],
      ['recordId', ' R1'],
      ['recordId', 'R1\u00a0'],
      ['recordId', '\ufeffR1'],
      ['recordId', 'R\u2028'],
      ['kind', 'fax'],
      ['kind', 'EMAIL'],
      ['kind', 1],
      ['kind', null],
      ['source', null],
      ['source', []],
      ['source', 'x'],
      ['source.extra', 1],
      ...['to', 'cc', 'bcc', 'companies', 'tenantIds', 'projectIds'].flatMap((k): [string, unknown][] => [
        [k, 'a'],
        [k, {}],
        [k, null],
        [k, Array(2000).fill('a')],
        [k, Array(2001).fill('a')],
      ]),
      ...['people', 'attachments'].flatMap((k): [string, unknown][] => [
        [k, 'a'],
        [k, {}],
        [k, [null]],
        [k, ['a']],
        [k, [[]]],
        [k, Array(2000).fill({})],
        [k, Array(2001).fill({})],
      ]),
      ['people.0.extra', nest(3)],
      ['extra', nest(30)],
      ['extra', nest(31)],
      ['extra', nest(32)],
      ['extra', nest(33)],
      ['extra', { ['k\u0007']: 1 }],
      ['extra', '\u009f'],
      ['__proto__', { kind: 'fax' }],
    ];
    const set = (rec: Record<string, unknown>, path: string, value: unknown) => {
      const keys = path.split('.');
      let o: Record<string, unknown> = rec;
      for (const k of keys.slice(0, -1)) {
        if (typeof o[k] !== 'object' || o[k] === null) o[k] = /^\d+$/.test(keys[keys.indexOf(k) + 1]!) ? [] : {};
        const next = o[k] as Record<string, unknown>;
        if (Array.isArray(next) && next.length === 0) next.push({});
        o = next;
      }
      o[keys[keys.length - 1]!] = value;
    };
    let fast = 0;
    fc.assert(
      fc.property(base, fc.option(fc.constantFrom(...mutations), { freq: 6 }), (rec, m) => {
        const r = structuredClone(rec) as Record<string, unknown>;
        let line: string;
        if (m && m[0] === '__proto__') line = JSON.stringify(r).replace(/^\{/, `{"__proto__":${JSON.stringify(m[1])},`);
        else {
          if (m) set(r, m[0], m[1]);
          line = JSON.stringify(r);
        }
        const got = parseRecordLine(line, 1 << 22);
        const want = validateRecord(JSON.parse(line));
        if (!got.ok || !want.ok) return expect(got).toEqual(want);
        expect(JSON.parse(JSON.stringify(got.record))).toEqual(JSON.parse(JSON.stringify(want.record)));
        // stored as written only when the schema changed nothing
        if (got.verbatim) {
          fast++;
          expect(JSON.parse(line)).toEqual(JSON.parse(JSON.stringify(want.record)));
        }
      }),
      { numRuns: 1500 },
    );
    expect(fast).toBeGreaterThan(300);
  });

  it('never throws, whatever the line', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.string(),
          fc.json(),
          fc.jsonValue().map((v) => JSON.stringify(v)),
        ),
        (line) => {
          const r = parseRecordLine(line, 1 << 20);
          expect(typeof r.ok).toBe('boolean');
        },
      ),
      { numRuns: 2000 },
    );
  });
});
