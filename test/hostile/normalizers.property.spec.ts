/**
 * Hostile input: every normalizer of libs/common and libs/exposure/rules, and the
 * directory line parser, never throws on arbitrary input and answers in its own shape. The
 * record normalizers get every record the validator accepts from arbitrary JSON.
 */
import { Readable } from 'node:stream';
import fc from 'fast-check';
import {
  domainSuffixes,
  isFreeMailDomain,
  isMixedScriptOrConfusable,
  isPublicSuffix,
  registrableDomain,
  toAsciiDomain,
} from '../../libs/common/domain.js';
import { normalizeEmail } from '../../libs/common/email.js';
import { foldName, normalizeCompanyName } from '../../libs/common/normalize-text.js';
import { normalizePhone } from '../../libs/common/phone.js';
import { readLines } from '../../libs/common/read-lines.js';
import { foldText, normalizeNewlines, splitMessage, wordCount } from '../../libs/exposure/rules/message-text.js';
import { jaccard, minhashBands, shingles } from '../../libs/exposure/rules/similarity.js';
import { fingerprintRecord, normalizeRecord } from '../../libs/exposure/rules/normalize-record.js';
import { parseRecordLine, validateRecord } from '../../libs/exposure/rules/record-line.js';
import { buildClusters } from '../../libs/exposure/rules/clusters.js';
import { parseTenantLine } from '../../libs/directory/tenant-line.js';
import { RECORD_KINDS } from '../../libs/exposure/exposure.types.js';

const anyText = fc.oneof(
  fc.string({ maxLength: 200 }),
  fc.string({ unit: 'binary', maxLength: 120 }),
  fc.string({ unit: 'grapheme', maxLength: 60 }),
  fc.constantFrom(
    '',
    ' ',
    '\u0000',
    '\ufeff',
    '\u202e',
    '\u2028',
    '\ud800',
    'ＡＢＣ＠ｅｘａｍｐｌｅ．ｃｏｍ',
    'xn--',
    'xn--80ak6aa92e.com',
    '@',
    '@@',
    '.',
    '..',
    '+',
    '+0',
    '+999999999999999999999',
    '__proto__',
    'constructor',
    '{{constructor}}',
  ),
  fc
    .array(
      fc.constantFrom(
        'On Mon, a b wrote:',
        '> quoted',
        '-----Original Message-----',
        'From: x',
        '--',
        'Sent from my phone',
        'word',
        ' ',
        '\r\n',
        '\n',
        '\t',
      ),
      { maxLength: 30 },
    )
    .map((xs) => xs.join('\n')),
);

describe('normalizers never throw on hostile input', () => {
  it('text, address, domain and phone normalizers', () => {
    fc.assert(
      fc.property(anyText, (s) => {
        const d = toAsciiDomain(s);
        expect(d === null || typeof d === 'string').toBe(true);
        for (const x of [s, d ?? '']) {
          registrableDomain(x);
          expect(typeof isPublicSuffix(x)).toBe('boolean');
          expect(typeof isFreeMailDomain(x)).toBe('boolean');
          expect(typeof isMixedScriptOrConfusable(x)).toBe('boolean');
          expect(Array.isArray(domainSuffixes(x))).toBe(true);
        }
        const e = normalizeEmail(s);
        if (e) expect(e.address).toContain('@');
        const p = normalizePhone(s);
        if (p) expect(p).toMatch(/^\+\d+$/);
        normalizePhone(s, 'DE');
        expect(typeof foldName(s)).toBe('string');
        expect(typeof normalizeCompanyName(s)).toBe('string');
      }),
      { numRuns: 1500 },
    );
  });

  it('message text and similarity rules', () => {
    fc.assert(
      fc.property(anyText, anyText, (a, b) => {
        const n = normalizeNewlines(a);
        expect(n).not.toMatch(/\r/);
        const f = foldText(n);
        expect(typeof wordCount(f)).toBe('number');
        const parts = splitMessage(a);
        expect(typeof parts.own).toBe('string');
        expect(typeof parts.quoted).toBe('string');
        const j = jaccard(shingles(f), shingles(foldText(b)));
        expect(j >= 0 && j <= 1).toBe(true);
        expect(minhashBands(f).every((x) => Number.isInteger(x))).toBe(true);
      }),
      { numRuns: 1500 },
    );
  });

  it('record validation, normalization and fingerprints on arbitrary JSON', () => {
    const field = fc.oneof(anyText, fc.jsonValue({ maxDepth: 2 }));
    const rec = fc.record(
      {
        recordId: fc.oneof(anyText, fc.jsonValue({ maxDepth: 1 })),
        kind: fc.oneof(fc.constantFrom(...RECORD_KINDS), anyText),
        subject: field,
        body: field,
        from: field,
        to: fc.oneof(fc.array(anyText, { maxLength: 5 }), field),
        cc: fc.array(anyText, { maxLength: 3 }),
        bcc: fc.array(anyText, { maxLength: 3 }),
        fileName: field,
        sha256: fc.oneof(fc.stringMatching(/^[0-9a-fA-F]{64}$/), field),
        people: fc.oneof(
          fc.array(fc.record({ name: field, email: field, phone: field }, { requiredKeys: [] }), { maxLength: 4 }),
          field,
        ),
        companies: fc.oneof(fc.array(anyText, { maxLength: 3 }), field),
        tenantIds: fc.oneof(fc.array(anyText, { maxLength: 3 }), field),
        projectIds: fc.oneof(fc.array(anyText, { maxLength: 3 }), field),
        attachments: fc.oneof(
          fc.array(fc.record({ fileName: field, sha256: field }, { requiredKeys: [] }), { maxLength: 3 }),
          field,
        ),
        source: fc.oneof(fc.record({ container: field, path: field }, { requiredKeys: [] }), field),
      },
      { requiredKeys: [] },
    );
    // the right shape with hostile contents: these get through the validator to the normalizers
    const text = anyText.map((t) => t.slice(0, 300));
    const shaped = fc.record(
      {
        recordId: fc.stringMatching(/^[A-Za-z0-9-]{1,20}$/),
        kind: fc.constantFrom(...RECORD_KINDS),
        subject: text,
        body: anyText,
        from: text,
        to: fc.array(text, { maxLength: 5 }),
        cc: fc.array(text, { maxLength: 3 }),
        fileName: text,
        sha256: fc.oneof(fc.stringMatching(/^[0-9a-fA-F]{64}$/), fc.string({ maxLength: 64 })),
        people: fc.array(fc.record({ name: text, email: text, phone: text }, { requiredKeys: [] }), { maxLength: 4 }),
        companies: fc.array(text, { maxLength: 3 }),
        tenantIds: fc.array(fc.oneof(fc.uuid(), text), { maxLength: 3 }),
        projectIds: fc.array(text, { maxLength: 3 }),
        attachments: fc.array(
          fc.record({ fileName: text, sha256: fc.string({ maxLength: 64 }) }, { requiredKeys: [] }),
          { maxLength: 3 },
        ),
      },
      { requiredKeys: ['recordId', 'kind'] },
    );
    let accepted = 0;
    fc.assert(
      fc.property(
        fc.oneof(
          { weight: 4, arbitrary: shaped },
          { weight: 2, arbitrary: rec },
          { weight: 1, arbitrary: fc.anything() },
        ),
        (value) => {
          const r = validateRecord(value);
          let line: string | undefined;
          try {
            line = JSON.stringify(value);
          } catch {
            // JSON.stringify itself refuses some values (BigInt): there is no line to read then
          }
          if (line !== undefined) {
            const viaLine = parseRecordLine(line, 1 << 20);
            if (!viaLine.ok) expect(viaLine.reason).toMatch(/\S/);
          }
          if (!r.ok) {
            expect(r.reason).toMatch(/\S/);
            return;
          }
          accepted++;
          const n = normalizeRecord(r.record);
          const fp = fingerprintRecord(r.record, n);
          expect(typeof fp.fingerprint).toBe('string');
          expect(fp.fingerprint.length).toBeGreaterThan(0);
          // the same record gives the same fingerprint
          expect(fingerprintRecord(r.record, normalizeRecord(r.record)).fingerprint).toBe(fp.fingerprint);
        },
      ),
      { numRuns: 2000 },
    );
    // the generator reaches the normalizers, not only the validator's refusals
    expect(accepted).toBeGreaterThan(50);
  });

  it('clusters from arbitrary edges', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.tuple(
            fc.constantFrom('a', 'b', 'c', 'd', 'e', '__proto__', 'constructor'),
            fc.constantFrom('a', 'b', 'c', 'd', 'e', '__proto__'),
            anyText,
          ),
          { maxLength: 20 },
        ),
        (edges) => {
          const order = ['a', 'b', 'c', 'd', 'e', '__proto__', 'constructor'];
          const out = buildClusters(
            edges.map(([from, to, reason]) => ({ from, to, reason })),
            (f) => order.indexOf(f),
          );
          for (const v of out.values()) expect(typeof v.clusterId).toBe('string');
        },
      ),
      { numRuns: 500 },
    );
  });

  it('the directory line parser on arbitrary lines and tenant-shaped JSON', () => {
    const tenant = fc.record(
      {
        tenantId: fc.oneof(fc.uuid(), anyText),
        name: fc.oneof(anyText, fc.jsonValue({ maxDepth: 1 })),
        aliases: fc.oneof(fc.array(anyText, { maxLength: 3 }), fc.jsonValue({ maxDepth: 1 })),
        domains: fc.oneof(fc.array(anyText, { maxLength: 3 }), fc.jsonValue({ maxDepth: 1 })),
        phones: fc.array(anyText, { maxLength: 3 }),
        contacts: fc.oneof(
          fc.array(
            fc.record(
              {
                email: anyText,
                name: anyText,
                roles: fc.array(fc.oneof(anyText, fc.constantFrom('GlobalAdmin', 'PrivacyReader')), { maxLength: 3 }),
                locale: fc.oneof(anyText, fc.constantFrom('de-DE', 'en-US', 'EN_us', 'x-klingon')),
              },
              { requiredKeys: [] },
            ),
            { maxLength: 3 },
          ),
          fc.jsonValue({ maxDepth: 1 }),
        ),
      },
      { requiredKeys: [] },
    );
    fc.assert(
      fc.property(
        fc.oneof(
          anyText,
          tenant.map((t) => JSON.stringify(t)),
        ),
        fc.array(anyText, { maxLength: 2 }),
        (line, operatorDomains) => {
          const r = parseTenantLine(line, { operatorDomains });
          if (r.ok) expect(r.tenant.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
          else expect(r.reason).toMatch(/\S/);
        },
      ),
      { numRuns: 2000 },
    );
  });

  it('the directory line reader: every physical line once, whatever the chunking and encoding damage', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(
          fc.oneof(
            anyText.map((s) => s.replace(/\n/g, ' ')),
            fc.uint8Array({ maxLength: 50 }).map((a) => Buffer.from(a.filter((b) => b !== 0x0a)).toString('latin1')),
          ),
          { maxLength: 20 },
        ),
        fc.array(fc.nat(), { maxLength: 8 }),
        async (ls, cuts) => {
          const bytes = Buffer.from(ls.map((l) => `${l}\n`).join(''), 'utf8');
          const points = [...new Set(cuts.map((c) => c % (bytes.length + 1)))].sort((x, y) => x - y);
          const chunks: Buffer[] = [];
          let at = 0;
          for (const p of [...points, bytes.length]) {
            if (p > at) chunks.push(bytes.subarray(at, p));
            at = p;
          }
          const got: string[] = [];
          for await (const l of readLines(Readable.from(chunks, { objectMode: false }), { maxLineLength: 100 }))
            got.push(l);
          expect(got).toHaveLength(ls.length);
        },
      ),
      { numRuns: 300 },
    );
  });
});
