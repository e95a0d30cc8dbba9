import { Readable } from 'node:stream';
import { gzipSync } from 'node:zlib';
import type { INestApplicationContext } from '@nestjs/common';
import { IngestService } from '../libs/exposure/ingest.service.js';
import { DatasetsService } from '../libs/exposure/datasets.service.js';
import { serviceContext } from './support/app.js';
import { ExposureModule } from '../libs/exposure/exposure.module.js';
import { DatasetCampaignsModule } from '../libs/campaigns/dataset-campaigns.module.js';
import { csvRowToRecord } from '../libs/exposure/readers.js';
import { PrismaService } from '../libs/db/prisma.service.js';

const body =
  'Hello Lena, please find the statement of work for the Azure migration attached. We plan the kickoff for next ' +
  'Tuesday and need the list of subscriptions, the network diagram and the billing contact before then. Best, Ana';

const rec = (o: Record<string, unknown>) => JSON.stringify({ kind: 'email', ...o });
const unique = () => Math.random().toString(36).slice(2);

describe('ingest (real PostgreSQL)', () => {
  let app: INestApplicationContext;
  let ingest: IngestService;
  beforeAll(async () => {
    app = await serviceContext(ExposureModule, DatasetCampaignsModule);
    ingest = app.get(IngestService);
  });
  afterAll(() => app.close());

  const run = (lines: string[], opts: { gzip?: boolean; csv?: boolean; name?: string } = {}) => {
    const text = lines.join('\n') + '\n';
    const buf = opts.gzip ? gzipSync(text) : Buffer.from(text);
    return ingest.ingest({
      stream: Readable.from([buf]),
      name: opts.name ?? unique(),
      format: opts.csv ? 'csv' : 'jsonl',
    });
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
      rec({
        recordId: `${u}-5`,
        from: 'ana@cloudprovider.com',
        to: ['LENA@Contoso.com '],
        body: body.replace(/ /g, '  ') + '\r\n',
      }),
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
    expect(r.scope).toMatchObject({
      lines: 7,
      records: 2,
      quarantined: 5,
      uniqueItems: 1,
      uniqueEmailAddresses: 2,
      duplicationFactor: 2,
    });
    expect(r.duplicates).toBe(1);
  });

  it('joins replies, forwards, re-signed copies and near-duplicates to the original, and says why', async () => {
    const u = unique();
    const quoted = body
      .match(/.{1,60}(\s|$)/g)!
      .map((l) => `> ${l.trim()}`)
      .join('\n');
    const r = await run([
      rec({ recordId: `${u}-orig`, from: 'ana@cloudprovider.com', to: ['lena@contoso.com'], body }),
      rec({
        recordId: `${u}-reply`,
        from: 'lena@contoso.com',
        to: ['ana@cloudprovider.com'],
        body: `Thanks, will do.\n\nOn Mon, Ana wrote:\n${quoted}`,
      }),
      rec({
        recordId: `${u}-fwd`,
        from: 'lena@contoso.com',
        to: ['max@contoso.com'],
        body: `FYI\n---------- Forwarded message ---------\nFrom: Ana\nSubject: SOW\n\n${body}`,
      }),
      rec({
        recordId: `${u}-sig`,
        from: 'ana@cloudprovider.com',
        to: ['lena@contoso.com'],
        body: `${body}\n-- \nAna Lopez\nAccount Executive`,
      }),
      rec({
        recordId: `${u}-near`,
        from: 'ana@cloudprovider.com',
        to: ['lena@contoso.com'],
        body: `${body} Externally scanned.`,
      }),
      rec({
        recordId: `${u}-other`,
        from: 'ana@cloudprovider.com',
        to: ['lena@contoso.com'],
        body: 'A different message entirely about the renewal of the enterprise agreement and its pricing for the next three years of the contract term',
      }),
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
          recordId: `${u}-1`,
          to: ['lena@contoso.com'],
          people: [
            { name: 'Lena Horvat', email: 'Lena@Contoso.com', phone: '+1 646 555 1618' },
            { name: 'Max Muster', phone: '+49 30 5550 1234' },
          ],
          projectIds: ['prj-1'],
          attachments: [{ fileName: 'SOW.pdf', sha256: 'A'.repeat(64) }, { fileName: 'notes.txt' }],
        }),
        rec({
          recordId: `${u}-2`,
          kind: 'contact',
          people: [
            { name: 'lena horvat', email: 'lena@contoso.com' },
            { name: ' Max  Muster', phone: '+49 (30) 5550-1234' },
          ],
          projectIds: ['PRJ-1 '],
          attachments: [{ fileName: 'SOW-copy.pdf', sha256: 'a'.repeat(64) }],
        }),
      ],
      { gzip: true },
    );
    expect(r.scope).toMatchObject({
      records: 2,
      uniqueItems: 2,
      uniqueEmailAddresses: 1,
      uniquePeople: 2,
      uniquePhoneNumbers: 2,
      uniqueFiles: 2,
      uniqueProjects: 1,
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
      rec({
        recordId: `${u}-1`,
        subject: null,
        from: 'ana@cloudprovider.com',
        to: ['lena@contoso.com', null],
        people: [{ name: 'Lena Horvat', email: null, phone: null }],
      }),
      rec({
        recordId: `${u}-2`,
        from: 'not an address',
        to: ['max@contoso.com', 42, 'max at contoso'],
        people: [{ name: 'Max', email: 'max@contoso', phone: 'n/a' }, 'Lena'],
      }),
      '{not json',
      rec({
        recordId: `${u}-3`,
        cc: null,
        people: [
          null,
          { name: 'Ana', phone: '+1 (123) 555-0147' },
          { name: 'Bo', phone: '+1 123 555 0147' },
          { name: 'Cy', phone: '+1 646 555 1618' },
        ],
      }),
      // a recordId already accepted: quarantined, and its values are neither warned about nor counted
      rec({ recordId: `${u}-2`, subject: null, from: 'nobody' }),
    ]);
    expect(r.accepted).toBe(3);
    expect(r.quarantined.map((q) => q.line)).toEqual([3, 5]);
    expect(r.nullValues).toEqual({
      cc: 1,
      'people[]': 1,
      'people[].email': 1,
      'people[].phone': 1,
      subject: 1,
      'to[]': 1,
    });
    const expected = [
      { upload: 0, line: 2, field: 'from', reason: 'not an email address' },
      { upload: 0, line: 2, field: 'people[0].email', reason: 'not an email address' },
      { upload: 0, line: 2, field: 'people[0].phone', reason: 'not a phone number' },
      { upload: 0, line: 2, field: 'people[1]', reason: 'not an object (got a string)' },
      { upload: 0, line: 2, field: 'to[1]', reason: 'not a string (got a number)' },
      { upload: 0, line: 2, field: 'to[2]', reason: 'not an email address' },
    ];
    expect(r.warnings).toEqual(expected);
    expect(r.warningsTotal).toBe(6);
    expect(r.warningCounts).toEqual({ from: 1, 'people[].email': 1, 'people[].phone': 1, 'people[]': 1, 'to[]': 2 });
    // the addresses that are addresses count; two ways of writing one not-valid number are one
    expect(r.scope).toMatchObject({
      records: 3,
      uniqueEmailAddresses: 3,
      uniquePhoneNumbers: 2,
      phoneNumbersNotValid: 1,
      uniquePeople: 5,
    });
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
    const lines = Array.from({ length: 1100 }, (_, i) =>
      rec({ recordId: `${u}-${i}`, to: [`user${i}@contoso.com`, 'not an address'] }),
    );
    const r = await run(lines);
    expect(r.warnings).toHaveLength(1000);
    expect(r.warnings[999]).toEqual({ upload: 0, line: 1000, field: 'to[1]', reason: 'not an email address' });
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

  // ── the formats people have, and quarantine that is not a dead end ──

  const text = (g: AsyncIterable<string>) =>
    (async () => {
      let t = '';
      for await (const x of g) t += x;
      return t;
    })();
  /** the scope without the line counts, which depend on how many lines a format takes */
  const countsOf = (scope: Record<string, unknown>) => {
    const { lines, quarantined, ...rest } = scope;
    void lines;
    void quarantined;
    return rest;
  };

  it('a JSON array (pretty or on one line), CSV with , or ; and a BOM, and the .gz of each give the records and scope of the JSONL form', async () => {
    const u = unique();
    const rows: Record<string, string>[] = [
      {
        recordId: `${u}-1`,
        kind: 'contact',
        name: 'Lena Horvat',
        email: 'lena@contoso.com',
        phone: '+1 646 555 1618',
        company: 'Contoso Ltd',
        body: 'first; line\nsecond, line',
      },
      {
        recordId: `${u}-2`,
        kind: 'contact',
        name: 'Max Muster',
        email: 'max@contoso.com',
        phone: '',
        company: 'Contoso Ltd',
        body: '',
      },
      {
        recordId: `${u}-3`,
        kind: 'contact',
        name: 'lena horvat',
        email: 'Lena@Contoso.com',
        phone: '',
        company: '',
        body: '',
      },
      { recordId: `${u}-4`, kind: 'fax', name: 'Bad Kind', email: 'bad@contoso.com', phone: '', company: '', body: '' },
      {
        recordId: `${u}-5`,
        kind: 'contact',
        name: 'Max Muster',
        email: 'max@contoso.com',
        phone: '',
        company: 'Contoso Ltd',
        body: '',
      },
    ];
    const records = rows.map((r) => csvRowToRecord(r));
    const cols = ['recordId', 'kind', 'name', 'email', 'phone', 'company', 'body'];
    const csvCell = (v: string, d: string) => (v.includes(d) || /["\r\n]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v);
    const csvOf = (d: string, eol: string, header: string[]) =>
      [header.join(d), ...rows.map((r) => cols.map((c) => csvCell(r[c]!, d)).join(d))].join(eol) + eol;
    const forms: [string, string, 'jsonl' | 'csv'][] = [
      ['jsonl', records.map((r) => JSON.stringify(r)).join('\n') + '\n', 'jsonl'],
      ['json pretty', JSON.stringify(records, null, 2) + '\n', 'jsonl'],
      ['json one line', JSON.stringify(records), 'jsonl'],
      ['jsonl with BOM', '\ufeff' + records.map((r) => JSON.stringify(r)).join('\r\n'), 'jsonl'],
      ['csv', csvOf(',', '\n', cols), 'csv'],
      [
        'csv ; BOM CRLF header case',
        '\ufeff' +
          csvOf(';', '\r\n', ['RecordId', ' Kind ', 'NAME', 'E-mail'.replace('-', ''), 'Phone', 'company', 'Body']),
        'csv',
      ],
    ];
    const results: Record<string, { lines: number; accepted: number; quarantined: number[]; scope: unknown }> = {};
    for (const [name, t, format] of forms) {
      for (const gzip of [false, true]) {
        const r = await ingest.ingest({
          stream: Readable.from([gzip ? gzipSync(t) : Buffer.from(t)]),
          name: `${u} ${name}`,
          format,
        });
        results[`${name}${gzip ? '.gz' : ''}`] = {
          lines: r.lines,
          accepted: r.accepted,
          quarantined: r.quarantined.map((q) => q.line),
          scope: countsOf(r.scope as unknown as Record<string, unknown>),
        };
      }
    }
    const jsonl = results.jsonl!;
    expect(jsonl).toMatchObject({ lines: 5, accepted: 4, quarantined: [4] });
    expect(jsonl.scope).toMatchObject({
      records: 4,
      uniqueItems: 3,
      uniquePeople: 2,
      uniqueEmailAddresses: 2,
      uniquePhoneNumbers: 1,
    });
    for (const [name, r] of Object.entries(results)) {
      expect({ name, lines: r.lines, accepted: r.accepted, scope: r.scope }).toEqual({
        name,
        lines: jsonl.lines,
        accepted: jsonl.accepted,
        scope: jsonl.scope,
      });
    }
    // each line number is where the record starts in its own file
    const pretty = forms[1]![1].split('\n');
    // the line of the element's opening brace: the one before its recordId
    expect(results['json pretty']!.quarantined).toEqual([pretty.indexOf(`    "recordId": "${u}-4",`)]);
    expect(results['json one line']!.quarantined).toEqual([1]);
    expect(results.csv!.quarantined).toEqual([6]); // after the header, a row of two lines and two rows
    expect(results['csv ; BOM CRLF header case']!.quarantined).toEqual([6]);
  });

  it('quarantine export, fix, --into: the quarantine shrinks, duplicates count, and the scope is that of a clean ingest of the fixed data', async () => {
    const u = unique();
    const good = [
      rec({ recordId: `${u}-1`, from: 'ana@cloudprovider.com', to: ['lena@contoso.com'], body }),
      rec({
        recordId: `${u}-2`,
        to: ['max@fabrikam.com'],
        body: 'Fabrikam renewal numbers for next year, as discussed on the call.',
      }),
    ];
    const bad = [
      JSON.stringify({
        recordId: `${u}-3`,
        kind: 'mail',
        to: ['eve@contoso.com'],
        body: 'Contoso audit schedule for the second quarter.',
      }),
      JSON.stringify({
        recordId: `${u}-4`,
        kind: 'email',
        to: 'max@fabrikam.com',
        body: 'Fabrikam renewal numbers for next year, as discussed on the call.',
      }),
      '{"kind": "email", "body": "no recordId and not JSON",',
    ];
    const first = await run([good[0]!, bad[0]!, good[1]!, bad[1]!, bad[2]!]);
    expect(first.quarantined.map((q) => [q.upload, q.line])).toEqual([
      [0, 2],
      [0, 4],
      [0, 5],
    ]);
    const exported = await app.get(DatasetsService).exportQuarantine(first.datasetId, undefined, 'test-operator');
    const raw = await text(exported.lines);
    expect(exported.format).toBe('jsonl');
    expect(raw).toBe(`${bad.join('\n')}\n`);
    expect(exported.counts).toEqual({ exported: 3, skipped: 0 });

    // the operator fixes two lines, leaves the third, and adds a line whose recordId is taken
    const fixed = [
      bad[0]!.replace('"mail"', '"email"'),
      bad[1]!.replace('"to":"max@fabrikam.com"', '"to":["max@fabrikam.com"]'),
      rec({ recordId: `${u}-1`, body: 'a different record under a taken recordId' }),
    ];
    const added = await ingest.addTo(first.datasetId, {
      stream: Readable.from([Buffer.from(fixed.join('\n') + '\n')]),
      name: 'fixed.jsonl',
      format: 'jsonl',
    });
    expect(added.added).toMatchObject({
      upload: 1,
      lines: 3,
      accepted: 2,
      quarantined: 1,
      resolved: 2,
      keptWithoutRecordId: 1,
      campaignsToReanalyze: [],
    });
    // the fixed -4 has the content of -2: a copy of its item, counted as a duplicate
    expect(added.added!.duplicates).toBe(1);
    expect(added.quarantined.map((q) => [q.upload, q.line, q.reason])).toEqual([
      [0, 5, expect.stringMatching(/^not valid JSON/)],
      [1, 3, `duplicate recordId ${u}-1 (first accepted on line 1)`],
    ]);
    expect(added.quarantinedTotal).toBe(2);

    const clean = await run([good[0]!, fixed[0]!, good[1]!, fixed[1]!]);
    expect(countsOf(added.scope as unknown as Record<string, unknown>)).toEqual(
      countsOf(clean.scope as unknown as Record<string, unknown>),
    );
    expect(added.accepted).toBe(clean.accepted);
    expect(added.duplicates).toBe(clean.duplicates);
    // the clusters are up to date: the added copy is in the item of -2
    const cluster = await app.get(DatasetsService).clusterOfRecord(first.datasetId, `${u}-4`);
    expect(cluster.records.map((r) => [r.recordId, r.copyOf])).toEqual(expect.arrayContaining([[`${u}-4`, `${u}-2`]]));

    // the same file again adds nothing
    const fixedSha = (await import('node:crypto'))
      .createHash('sha256')
      .update(fixed.join('\n') + '\n')
      .digest('hex');
    const again = await ingest.addTo(first.datasetId, {
      stream: Readable.from([Buffer.from(fixed.join('\n') + '\n')]),
      name: 'fixed.jsonl',
      format: 'jsonl',
      sha256: fixedSha,
    });
    expect(again.alreadyIngested).toBe(true);
    expect(again.quarantinedTotal).toBe(2);
  });

  it('exports a ; CSV quarantine as CSV with its header, and the fixed rows go back in', async () => {
    const u = unique();
    const csv = `\ufeffRecordId;Kind;Name;Email\r\n${u}-1;contact;Lena;lena@contoso.com\r\n${u}-2;fax;"Max\r\nMuster";max@contoso.com\r\n${u}-3;contact;Eve;eve@contoso.com\r\n`;
    const first = await ingest.ingest({ stream: Readable.from([Buffer.from(csv)]), name: `${u}.csv`, format: 'csv' });
    expect(first.quarantined.map((q) => q.line)).toEqual([3]);
    const out = await app.get(DatasetsService).exportQuarantine(first.datasetId, undefined, 'test-operator');
    const exported = await text(out.lines);
    expect(out.format).toBe('csv');
    expect(exported).toBe(`RecordId;Kind;Name;Email\n${u}-2;fax;"Max\r\nMuster";max@contoso.com\n`);
    const added = await ingest.addTo(first.datasetId, {
      stream: Readable.from([Buffer.from(exported.replace(';fax;', ';contact;'))]),
      name: 'fixed.csv',
      format: 'csv',
    });
    expect(added.added).toMatchObject({ upload: 1, lines: 1, accepted: 1, quarantined: 0, resolved: 1 });
    expect(added.quarantinedTotal).toBe(0);
    expect(added.scope).toMatchObject({ records: 3, uniquePeople: 3, quarantined: 0 });
  });

  it('--into sends analyzed campaigns back to draft, and a launched campaign refuses it', async () => {
    const prisma = app.get(PrismaService);
    const u = unique();
    const d = await run([rec({ recordId: `${u}-1`, body: 'x' }), '{bad']);
    const ready = await prisma.campaign.create({
      data: { datasetId: d.datasetId, title: '', createdBy: 'test', status: 'ready' },
    });
    const approved = await prisma.campaign.create({
      data: { datasetId: d.datasetId, title: '', createdBy: 'test', status: 'approved', approvedBy: 'other' },
    });
    const draft = await prisma.campaign.create({
      data: { datasetId: d.datasetId, title: '', createdBy: 'test', status: 'draft' },
    });
    const r = await ingest.addTo(d.datasetId, {
      stream: Readable.from([Buffer.from(rec({ recordId: `${u}-2`, body: 'y' }))]),
      name: 'more',
      format: 'jsonl',
    });
    expect(r.added!.campaignsToReanalyze).toEqual([
      { campaignId: ready.id, was: 'ready' },
      { campaignId: approved.id, was: 'approved' },
    ]);
    for (const c of [ready, approved]) {
      const now = await prisma.campaign.findUniqueOrThrow({ where: { id: c.id } });
      expect(now).toMatchObject({
        status: 'draft',
        approvedBy: null,
        lastError: expect.stringMatching(/data set changed: upload 1 .*analyze again/),
      });
    }
    expect((await prisma.campaign.findUniqueOrThrow({ where: { id: draft.id } })).lastError).toBeNull();

    await prisma.campaign.create({
      data: { datasetId: d.datasetId, title: '', createdBy: 'test', status: 'completed', startedAt: new Date() },
    });
    await expect(
      ingest.addTo(d.datasetId, {
        stream: Readable.from([Buffer.from(rec({ recordId: `${u}-3`, body: 'z' }))]),
        name: 'late',
        format: 'jsonl',
      }),
    ).rejects.toThrow(/launched campaign .*cannot be unposted.*new data set/);
    expect((await app.get(DatasetsService).show(d.datasetId)).accepted).toBe(2);
  });

  it('an added file that fails halfway keeps the lines read before it, and the data set says so', async () => {
    const u = unique();
    const d = await run([rec({ recordId: `${u}-1`, body: 'x' })]);
    const cut = Readable.from(
      (async function* () {
        yield Buffer.from(
          `${rec({ recordId: `${u}-2`, body: 'y', subject: null })}\n${rec({ recordId: `${u}-3`, body: 'z' })}\n`,
        );
        // the lines are read before the connection is cut (a cut throws away what is still buffered)
        await new Promise((r) => setTimeout(r, 300));
        throw new Error('connection cut');
      })(),
    );
    await expect(ingest.addTo(d.datasetId, { stream: cut, name: 'cut', format: 'jsonl' })).rejects.toThrow(
      'connection cut',
    );
    const shown = await app.get(DatasetsService).show(d.datasetId);
    expect(shown).toMatchObject({
      status: 'ready',
      accepted: 3,
      lines: 3,
      error: expect.stringMatching(/^upload 1 stopped \(connection cut\)/),
    });
    expect(shown.scope).toMatchObject({ records: 3, uniqueItems: 3 });
    expect(shown.uploads!.map((x) => [x.upload, x.name])).toEqual([
      [0, expect.any(String)],
      [1, 'cut'],
    ]);
    // the null values of the lines that went in are counted too
    expect(shown.nullValues).toEqual({ subject: 1 });
  });

  it('--into: warnings belong to their upload, nullValues and warningCounts add up, not-valid phones of added records count', async () => {
    const u = unique();
    const first = await run([
      rec({ recordId: `${u}-1`, subject: null, to: ['lena@contoso.com', 'lena at contoso'], body: 'one' }),
      rec({ recordId: `${u}-2`, people: [{ name: 'Ana', phone: '+1 123 555 0147' }], body: 'two' }),
    ]);
    expect(first).toMatchObject({ warningsTotal: 1, warningCounts: { 'to[]': 1 }, nullValues: { subject: 1 } });
    expect(first.scope).toMatchObject({ uniquePhoneNumbers: 1, phoneNumbersNotValid: 1 });

    // line 1 of the added file: the same line number as the first upload's warning, kept apart
    const fixedLines = [
      rec({ recordId: `${u}-3`, from: 'nobody', subject: null, cc: null, body: 'three' }),
      rec({
        recordId: `${u}-4`,
        people: [
          { name: 'Bo', phone: '+1 (123) 555-0148' },
          { name: 'Cy', phone: '+1 123 555 0147' },
        ],
        body: 'four',
      }),
    ];
    const added = await ingest.addTo(first.datasetId, {
      stream: Readable.from([Buffer.from(fixedLines.join('\n') + '\n')]),
      name: 'more.jsonl',
      format: 'jsonl',
    });
    const upload1 = { upload: 1, line: 1, field: 'from', reason: 'not an email address' };
    const upload0 = { upload: 0, line: 1, field: 'to[1]', reason: 'not an email address' };
    // the upload's own
    expect(added.added).toMatchObject({
      upload: 1,
      warnings: [upload1],
      warningsTotal: 1,
      warningCounts: { from: 1 },
      nullValues: { cc: 1, subject: 1 },
    });
    // the data set's: the sum over its uploads, the first upload's counts kept
    expect(added.warningCounts).toEqual({ from: 1, 'to[]': 1 });
    expect(added.warningsTotal).toBe(2);
    expect(added.nullValues).toEqual({ cc: 1, subject: 2 });
    expect(added.warnings).toEqual([upload0, upload1]);
    // the scope rebuilt over both uploads: one not-valid number written two ways, one new one
    expect(added.scope).toMatchObject({ records: 4, uniquePhoneNumbers: 2, phoneNumbersNotValid: 2 });

    const datasets = app.get(DatasetsService);
    expect(await datasets.warnings(first.datasetId, 0)).toEqual([upload0, upload1]);
    expect(await datasets.warnings(first.datasetId, 0, undefined, 1)).toEqual([upload1]);
    const shown = await datasets.show(first.datasetId);
    expect(shown).toMatchObject({ nullValues: { cc: 1, subject: 2 }, warningCounts: { from: 1, 'to[]': 1 } });
    const stored = await app
      .get(PrismaService)
      .exposureRecord.findUnique({ where: { datasetId_recordId: { datasetId: first.datasetId, recordId: `${u}-4` } } });
    expect(stored?.upload).toBe(1);
    expect([...stored!.otherPhones].sort()).toEqual(['+11235550147', '+11235550148']);
  });
});
