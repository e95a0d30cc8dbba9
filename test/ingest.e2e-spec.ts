import { Readable } from 'node:stream';
import { gzipSync } from 'node:zlib';
import type { INestApplicationContext } from '@nestjs/common';
import { IngestService } from '../libs/exposure/ingest.service.js';
import { DatasetsService } from '../libs/exposure/datasets.service.js';
import { serviceContext } from './support/app.js';
import { ExposureModule } from '../libs/exposure/exposure.module.js';

const body =
  'Hello Lena, please find the statement of work for the Azure migration attached. We plan the kickoff for next ' +
  'Tuesday and need the list of subscriptions, the network diagram and the billing contact before then. Best, Ana';

const rec = (o: Record<string, unknown>) => JSON.stringify({ kind: 'email', ...o });
const unique = () => Math.random().toString(36).slice(2);

describe('ingest (real PostgreSQL)', () => {
  let app: INestApplicationContext;
  let ingest: IngestService;
  beforeAll(async () => {
    app = await serviceContext(ExposureModule);
    ingest = app.get(IngestService);
  });
  afterAll(() => app.close());

  const run = (lines: string[], opts: { gzip?: boolean; csv?: boolean; name?: string } = {}) => {
    const text = lines.join('\n') + '\n';
    const buf = opts.gzip ? gzipSync(text) : Buffer.from(text);
    return ingest.ingest({ stream: Readable.from([buf]), name: opts.name ?? unique(), format: opts.csv ? 'csv' : 'jsonl' });
  };

  it('quarantines each bad line with its number and keeps every good line', async () => {
    const u = unique();
    const r = await run([
      rec({ recordId: `${u}-1`, from: 'ana@cloudprovider.com', to: ['lena@contoso.com'], body }),
      '{not json',
      '',
      rec({ recordId: `${u}-2`, to: 'lena@contoso.com' }),
      JSON.stringify({ recordId: `${u}-3` }),
      rec({ recordId: `${u}-4`, subject: 'bad\u0001' }),
      rec({ recordId: `${u}-1`, body: 'different content, same id' }),
      rec({ recordId: `${u}-5`, from: 'ana@cloudprovider.com', to: ['LENA@Contoso.com '], body: body.replace(/ /g, '  ') + '\r\n' }),
    ]);
    expect(r.lines).toBe(7);
    expect(r.accepted).toBe(2);
    expect(r.quarantined.map((q) => q.line)).toEqual([2, 4, 5, 6, 7]);
    expect(r.quarantined[0]!.reason).toMatch(/JSON/);
    expect(r.quarantined[1]!.reason).toMatch(/to must be an array/);
    expect(r.quarantined[2]!.reason).toMatch(/missing kind/);
    expect(r.quarantined[3]!.reason).toMatch(/control character/);
    expect(r.quarantined[4]!.reason).toMatch(/duplicate recordId .* line 1/);
    // line 8 is line 1 with case, spacing and CRLF variants: one item
    expect(r.scope).toMatchObject({ lines: 7, records: 2, quarantined: 5, uniqueItems: 1, uniqueEmailAddresses: 2, duplicationFactor: 2 });
    expect(r.duplicates).toBe(1);
  });

  it('joins replies, forwards, re-signed copies and near-duplicates to the original, and says why', async () => {
    const u = unique();
    const quoted = body.match(/.{1,60}(\s|$)/g)!.map((l) => `> ${l.trim()}`).join('\n');
    const r = await run([
      rec({ recordId: `${u}-orig`, from: 'ana@cloudprovider.com', to: ['lena@contoso.com'], body }),
      rec({ recordId: `${u}-reply`, from: 'lena@contoso.com', to: ['ana@cloudprovider.com'], body: `Thanks, will do.\n\nOn Mon, Ana wrote:\n${quoted}` }),
      rec({ recordId: `${u}-fwd`, from: 'lena@contoso.com', to: ['max@contoso.com'], body: `FYI\n---------- Forwarded message ---------\nFrom: Ana\nSubject: SOW\n\n${body}` }),
      rec({ recordId: `${u}-sig`, from: 'ana@cloudprovider.com', to: ['lena@contoso.com'], body: `${body}\n-- \nAna Lopez\nAccount Executive` }),
      rec({ recordId: `${u}-near`, from: 'ana@cloudprovider.com', to: ['lena@contoso.com'], body: `${body} Externally scanned.` }),
      rec({ recordId: `${u}-other`, from: 'ana@cloudprovider.com', to: ['lena@contoso.com'], body: 'A different message entirely about the renewal of the enterprise agreement and its pricing for the next three years of the contract term' }),
      rec({ recordId: `${u}-short1`, body: 'Thanks!' }),
      rec({ recordId: `${u}-short2`, body: 'Thanks!', to: ['x@fabrikam.com'] }),
    ]);
    expect(r.accepted).toBe(8);
    // orig+reply+fwd+sig+near, other, short1, short2
    const cluster = await app.get(DatasetsService).clusterOfRecord(r.datasetId, `${u}-reply`);
    expect(r.scope.uniqueItems).toBe(4);
    const why = Object.fromEntries(cluster.items.map((i) => [i.canonicalRecordId, i.joinedBecause]));
    expect(why[`${u}-orig`]).toBe('first of its cluster');
    expect(why[`${u}-reply`]).toBe(`quotes ${u}-orig`);
    expect(why[`${u}-fwd`]).toBe(`quotes ${u}-orig`);
    expect(why[`${u}-sig`]).toBe(`same text as ${u}-orig`);
    expect(why[`${u}-near`]).toMatch(new RegExp(`near-duplicate of ${u}-orig \\(jaccard 0\\.9\\d\\)`));
  });

  it('counts unique entities: addresses, people, phones, files, projects', async () => {
    const u = unique();
    const r = await run(
      [
        rec({
          recordId: `${u}-1`, to: ['lena@contoso.com'],
          people: [{ name: 'Lena Horvat', email: 'Lena@Contoso.com', phone: '+1 646 555 1618' }, { name: 'Max Muster', phone: '+49 30 5550 1234' }],
          projectIds: ['prj-1'], attachments: [{ fileName: 'SOW.pdf', sha256: 'A'.repeat(64) }, { fileName: 'notes.txt' }],
        }),
        rec({
          recordId: `${u}-2`, kind: 'contact',
          people: [{ name: 'lena horvat', email: 'lena@contoso.com' }, { name: ' Max  Muster', phone: '+49 (30) 5550-1234' }],
          projectIds: ['PRJ-1 '], attachments: [{ fileName: 'SOW-copy.pdf', sha256: 'a'.repeat(64) }],
        }),
      ],
      { gzip: true },
    );
    expect(r.scope).toMatchObject({
      records: 2, uniqueItems: 2, uniqueEmailAddresses: 1, uniquePeople: 2, uniquePhoneNumbers: 2, uniqueFiles: 2, uniqueProjects: 1,
    });
  });

  it('reads CSV contact exports by column name and quarantines a broken row', async () => {
    const u = unique();
    const csv = [
      'recordId,kind,name,email,phone,company,extra',
      `${u}-1,contact,Lena Horvat,lena@contoso.com,+1 646 555 1618,Contoso Ltd,x`,
      `${u}-2,contact,"Max ""M"" Muster",max@contoso.com,,Contoso Ltd,`,
      `${u}-3,contact,"unterminated`,
    ];
    const r = await run(csv, { csv: true });
    expect(r.accepted).toBe(2);
    expect(r.quarantinedTotal).toBe(1);
    expect(r.scope).toMatchObject({ uniquePeople: 2, uniqueEmailAddresses: 2, uniquePhoneNumbers: 1 });
  });

  it('takes null as absent and drops a malformed value with a warning, keeping the record', async () => {
    const u = unique();
    const r = await run([
      rec({ recordId: `${u}-1`, subject: null, from: 'ana@cloudprovider.com', to: ['lena@contoso.com', null], people: [{ name: 'Lena Horvat', email: null, phone: null }] }),
      rec({ recordId: `${u}-2`, from: 'not an address', to: ['max@contoso.com', 42, 'max at contoso'], people: [{ name: 'Max', email: 'max@contoso', phone: 'n/a' }, 'Lena'] }),
      '{not json',
      rec({ recordId: `${u}-3`, cc: null, people: [null, { name: 'Ana', phone: '+1 (123) 555-0147' }, { name: 'Bo', phone: '+1 123 555 0147' }, { name: 'Cy', phone: '+1 646 555 1618' }] }),
      // a recordId already accepted: quarantined, and its values are neither warned about nor counted
      rec({ recordId: `${u}-2`, subject: null, from: 'nobody' }),
    ]);
    expect(r.accepted).toBe(3);
    expect(r.quarantined.map((q) => q.line)).toEqual([3, 5]);
    expect(r.nullValues).toEqual({ cc: 1, 'people[]': 1, 'people[].email': 1, 'people[].phone': 1, subject: 1, 'to[]': 1 });
    const expected = [
      { line: 2, field: 'from', reason: 'not an email address' },
      { line: 2, field: 'people[0].email', reason: 'not an email address' },
      { line: 2, field: 'people[0].phone', reason: 'not a phone number' },
      { line: 2, field: 'people[1]', reason: 'not an object (got a string)' },
      { line: 2, field: 'to[1]', reason: 'not a string (got a number)' },
      { line: 2, field: 'to[2]', reason: 'not an email address' },
    ];
    expect(r.warnings).toEqual(expected);
    expect(r.warningsTotal).toBe(6);
    expect(r.warningCounts).toEqual({ from: 1, 'people[].email': 1, 'people[].phone': 1, 'people[]': 1, 'to[]': 2 });
    // the addresses that are addresses count; two ways of writing one not-valid number are one
    expect(r.scope).toMatchObject({ records: 3, uniqueEmailAddresses: 3, uniquePhoneNumbers: 2, phoneNumbersNotValid: 1, uniquePeople: 5 });
    expect(r.scope).not.toHaveProperty('nullValues');

    const datasets = app.get(DatasetsService);
    const shown = await datasets.show(r.datasetId);
    expect(shown.nullValues).toEqual(r.nullValues);
    expect(shown.warningCounts).toEqual(r.warningCounts);
    expect(await datasets.warnings(r.datasetId, 0)).toEqual(expected);
    expect(await datasets.warnings(r.datasetId, 4, 1)).toEqual([expected[4]]);
    // what the same file ingested again answers
    const again = await ingest.resultOf(r.datasetId, true);
    expect(again).toMatchObject({ nullValues: r.nullValues, warningCounts: r.warningCounts, warnings: expected });
  });

  it('lists the first 1,000 warnings in the result and keeps every one', async () => {
    const u = unique();
    const lines = Array.from({ length: 1100 }, (_, i) => rec({ recordId: `${u}-${i}`, to: [`user${i}@contoso.com`, 'not an address'] }));
    const r = await run(lines);
    expect(r.warnings).toHaveLength(1000);
    expect(r.warnings[999]).toEqual({ line: 1000, field: 'to[1]', reason: 'not an email address' });
    expect(r.warningsTotal).toBe(1100);
    expect(r.warningCounts).toEqual({ 'to[]': 1100 });
    const all = await app.get(DatasetsService).warnings(r.datasetId, 0);
    expect(all.map((w) => w.line)).toEqual(Array.from({ length: 1100 }, (_, i) => i + 1));
  });

  it('adds nothing when the same file is ingested again', async () => {
    const u = unique();
    const lines = [rec({ recordId: `${u}-1`, body: 'x' }), rec({ recordId: `${u}-2`, body: 'y' })];
    const first = await run(lines);
    const again = await run(lines);
    expect(again.alreadyIngested).toBe(true);
    expect(again.datasetId).toBe(first.datasetId);
    expect(again.accepted).toBe(2);
  });
});
