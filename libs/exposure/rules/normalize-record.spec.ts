import type { ExposureRecordInput } from '../exposure.types.js';
import { parseRecordLine } from './record-line.js';
import { fingerprintRecord, normalizeRecord } from './normalize-record.js';

const rec = (o: Partial<ExposureRecordInput>): ExposureRecordInput => ({ recordId: 'R1', kind: 'email', ...o });

function normalizeWithWarnings(r: ExposureRecordInput, origin?: Record<string, number[]>) {
  const warnings: { field: string; reason: string }[] = [];
  const n = normalizeRecord(r, {
    warn: (field, reason) => warnings.push({ field, reason }),
    ...(origin ? { origin } : {}),
  });
  return { n, warnings };
}

describe('normalizeRecord: malformed values', () => {
  it('drops an address that is not one and a phone that is not a phone number, naming each, and keeps the rest', () => {
    const { n, warnings } = normalizeWithWarnings(
      rec({
        from: 'not an address',
        to: ['lena@contoso.com', 'lena at contoso', ''],
        cc: ['  '],
        people: [
          { name: 'Lena', email: 'lena@contoso', phone: 'n/a' },
          { name: 'Ana', phone: '+1 646 555 1618' },
        ],
      }),
    );
    expect(warnings).toEqual([
      { field: 'from', reason: 'not an email address' },
      { field: 'to[1]', reason: 'not an email address' },
      { field: 'people[0].email', reason: 'not an email address' },
      { field: 'people[0].phone', reason: 'not a phone number' },
    ]);
    expect(n.addresses.map((a) => a.address)).toEqual(['lena@contoso.com']);
    expect(n.people.map((p) => p.key)).toEqual(['name:lena', 'name:ana|+16465551618']);
  });

  it('names an entry by its index on the line when cleaning took entries out before it', () => {
    const line = JSON.stringify(rec({ to: [null, 42, 'nobody'] as never, people: [null, { email: 'x@' }] as never }));
    const r = parseRecordLine(line, 1 << 20);
    if (!r.ok) throw new Error(r.reason);
    const { warnings } = normalizeWithWarnings(r.record, r.cleaning?.origin);
    expect(warnings).toEqual([
      { field: 'to[2]', reason: 'not an email address' },
      { field: 'people[1].email', reason: 'not an email address' },
    ]);
  });

  it('reports nothing for a clean record', () => {
    const { warnings } = normalizeWithWarnings(
      rec({ from: 'a@b.com', to: ['c@d.com'], people: [{ name: 'A', email: 'a@b.com', phone: '+49 30 5550 1234' }] }),
    );
    expect(warnings).toEqual([]);
  });
});

describe('normalizeRecord: phone numbers that are not valid', () => {
  it('keeps them apart from the valid ones, normalized, in the person and its key', () => {
    const n = normalizeRecord(
      rec({
        people: [
          { name: 'Lena Horvat', phone: '+1 (123) 555-0147' },
          { name: 'Ana', phone: '+1 646 555 1618' },
          { phone: '+1 123 555 0147' },
          { name: 'Bo', phone: '(646) 555-1618' },
        ],
      }),
    );
    expect(n.phones).toEqual(['+16465551618']);
    expect(n.otherPhones).toEqual(['+11235550147', '6465551618']);
    expect(n.people).toEqual([
      { key: 'name:lena horvat|+11235550147', name: 'Lena Horvat', otherPhone: '+11235550147' },
      { key: 'name:ana|+16465551618', name: 'Ana', phone: '+16465551618' },
      { key: 'phone:+11235550147', otherPhone: '+11235550147' },
      { key: 'name:bo|6465551618', name: 'Bo', otherPhone: '6465551618' },
    ]);
  });

  it('makes two records that differ only in a not-valid phone two items', () => {
    const a = rec({ people: [{ name: 'Lena', email: 'lena@contoso.com', phone: '+1 123 555 0147' }] });
    const b = rec({ people: [{ name: 'Lena', email: 'lena@contoso.com', phone: '+1 123 555 0148' }] });
    const c = rec({ people: [{ name: 'Lena', email: 'lena@contoso.com', phone: '+1 (123) 555-0147' }] });
    const fp = (r: ExposureRecordInput) => fingerprintRecord(r, normalizeRecord(r)).fingerprint;
    expect(fp(a)).not.toBe(fp(b));
    expect(fp(a)).toBe(fp(c));
  });
});
