import fc from 'fast-check';
import { parseRecordLine } from './record-line.js';

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
    [ok({ people: ['Lena'] }), /wrong type: people\[0\]/],
    [ok({ body: 'x'.repeat(512 * 1024 + 1) }), /size limit: body/],
    [ok({ to: Array(2001).fill('a@b.com') }), /size limit: to/],
    [ok({ subject: 'hi\u0001there' }), /control character in subject/],
    [ok({ people: [{ name: 'A\u0085' }] }), /control character in people\[0\]\.name/],
  ])('quarantines %#', (line, expected) => {
    expect(reason(line)).toMatch(expected);
  });

  it('refuses a line over the byte limit without parsing it', () => {
    expect(parseRecordLine(ok({ body: 'x'.repeat(2000) }), 1024)).toEqual({ ok: false, reason: 'size limit: line longer than 1024 bytes' });
  });

  it('keeps tabs and newlines inside strings', () => {
    expect(reason(ok({ body: 'a\tb\r\nc' }))).toBe('accepted');
  });

  it('never throws, whatever the line', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.json(), fc.jsonValue().map((v) => JSON.stringify(v))), (line) => {
        const r = parseRecordLine(line, 1 << 20);
        expect(typeof r.ok).toBe('boolean');
      }),
      { numRuns: 2000 },
    );
  });
});
