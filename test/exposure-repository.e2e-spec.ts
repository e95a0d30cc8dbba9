/**
 * The data set repository's typed statements where the ingest tests see them only through their
 * totals: the quarantine read back a page at a time (keyset on upload and line, with and without
 * an upload), the bulk insert's key lists (carried through one text value each), and the
 * clean-up of the lines a later upload corrected.
 */
import type { INestApplicationContext } from '@nestjs/common';
import { serviceContext } from './support/app.js';
import { ExposureModule } from '../libs/exposure/exposure.module.js';
import { DatasetCampaignsModule } from '../libs/campaigns/dataset-campaigns.module.js';
import { ExposureRepository, type RecordRow } from '../libs/exposure/exposure.repository.js';
import { PrismaService } from '../libs/db/prisma.service.js';

const record = (recordId: string, upload: number, line: number, o: Partial<RecordRow> = {}): RecordRow => ({
  recordId,
  upload,
  line,
  kind: 'email',
  fingerprint: `fp-${recordId}`,
  data: JSON.stringify({ recordId, body: `body of ${recordId}` }),
  emails: [],
  phones: [],
  otherPhones: [],
  personKeys: [],
  fileKeys: [],
  projectIds: [],
  tenantIds: [],
  companies: [],
  ...o,
});

describe('ExposureRepository (real PostgreSQL)', () => {
  let app: INestApplicationContext;
  let repo: ExposureRepository;
  let prisma: PrismaService;
  beforeAll(async () => {
    app = await serviceContext(ExposureModule, DatasetCampaignsModule);
    repo = app.get(ExposureRepository);
    prisma = app.get(PrismaService);
  });
  afterAll(() => app.close());

  it('reads the quarantine back a page at a time, in (upload, line) order, of one upload or all', async () => {
    const { id } = await repo.createDataset('quarantine pages');
    // upload 1's lines numbered from 1 again, written before upload 0's: the order is the reader's
    await repo.insertQuarantine(id, 1, [
      { line: 2, reason: 'b', raw: 'u1 l2' },
      { line: 1, reason: 'a', raw: 'u1 l1', recordId: 'r-1' },
    ]);
    await repo.insertQuarantine(id, 0, [
      { line: 5, reason: 'c', raw: 'u0 l5' },
      { line: 3, reason: 'd', raw: 'u0 l3\u0000nul' },
      { line: 4, reason: 'e', raw: 'u0 l4' },
    ]);
    const read = async (upload: number | undefined, pageSize: number) => {
      const pages: string[][] = [];
      for await (const page of repo.quarantineRaws(id, upload, pageSize)) pages.push(page.map((r) => r.raw));
      return pages;
    };
    expect(await read(undefined, 2)).toEqual([['u0 l3\uFFFDnul', 'u0 l4'], ['u0 l5', 'u1 l1'], ['u1 l2']]);
    expect(await read(undefined, 5)).toEqual([['u0 l3\uFFFDnul', 'u0 l4', 'u0 l5', 'u1 l1', 'u1 l2']]);
    expect(await read(1, 1)).toEqual([['u1 l1'], ['u1 l2']]);
    expect(await read(2, 10)).toEqual([]);
    expect(await repo.quarantinedUploads(id)).toEqual([0, 1]);
    await repo.deleteDataset(id);
  });

  it('keeps every key of a bulk-inserted record, and takes the corrected lines out of the quarantine', async () => {
    const { id } = await repo.createDataset('bulk keys');
    const keys = {
      emails: ['ana@contoso.com', 'lena@fabrikam.com'],
      phones: ['+14255550100'],
      otherPhones: [],
      personKeys: ['ana diaz|contoso.com', 'o\'brien, "x"\\y'],
      fileKeys: ['f:{a,b}'],
      projectIds: ['p-1', 'p-2', 'p-3'],
      tenantIds: [],
      companies: ['Contoso Ltd'],
    };
    await repo.insertQuarantine(id, 0, [
      { line: 7, reason: 'bad', raw: 'old', recordId: 'r-a' },
      { line: 8, reason: 'bad', raw: 'kept', recordId: 'r-z' },
      { line: 9, reason: 'bad', raw: 'no id' },
    ]);
    const inserted = await repo.insertRecords(id, [record('r-a', 1, 1, keys), record('r-b', 1, 2)]);
    expect([...inserted].sort()).toEqual(['r-a', 'r-b']);
    // the same recordId again is no new record
    expect([...(await repo.insertRecords(id, [record('r-a', 1, 3), record('r-c', 1, 4)]))]).toEqual(['r-c']);
    const stored = await prisma.exposureRecord.findUniqueOrThrow({
      where: { datasetId_recordId: { datasetId: id, recordId: 'r-a' } },
    });
    expect(stored).toMatchObject({
      upload: 1,
      line: 1,
      emails: keys.emails,
      phones: keys.phones,
      otherPhones: [],
      personKeys: keys.personKeys,
      fileKeys: keys.fileKeys,
      projectIds: keys.projectIds,
      tenantIds: [],
      companies: keys.companies,
      data: { recordId: 'r-a', body: 'body of r-a' },
    });
    expect(await repo.linesOfRecords(id, ['r-a', 'r-c', 'r-missing'])).toEqual(
      new Map([
        ['r-a', { upload: 1, line: 1 }],
        ['r-c', { upload: 1, line: 4 }],
      ]),
    );
    expect(await repo.resolveQuarantine(id, 1)).toBe(1);
    expect((await repo.listQuarantine(id, 10)).map((q) => q.raw)).toEqual(['kept', 'no id']);
    await repo.deleteDataset(id);
  });
});
