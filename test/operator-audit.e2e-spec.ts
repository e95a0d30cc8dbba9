/**
 * Every operator action is in the audit log, through the API and through the CLI alike, with who
 * did it, what it was done to, and counts (never the data): a tenant import, a data set ingest, an
 * added upload, a quarantine export, an operator's preview of one tenant, a review resolution.
 * Read back the way an auditor would: `GET /v1/audit` and `audit list`.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { INestApplication } from '@nestjs/common';
import request from 'supertest';
import { generateWorld, type World } from './fixtures/world.js';
import { isolate } from './support/isolation.js';
import { ensureWorkerBuilt } from './faults/harness.js';
import { createApiApp } from '../apps/api/src/create-app.js';
import { CampaignsService } from '../libs/campaigns/campaigns.service.js';

const ALICE = 'alice-token-0123456789-audit';
const CLI = 'dist/apps/cli/src/main.js';
const run = promisify(execFile);

interface AuditRow {
  actor: string;
  action: string;
  campaignId: string | null;
  tenantId: string | null;
  subject: string | null;
  details: Record<string, unknown> | null;
}

async function cli<T>(args: string[]): Promise<T> {
  const r = await run('node', [CLI, ...args, '--json'], { env: process.env, maxBuffer: 64 << 20 });
  return JSON.parse(r.stdout) as T;
}

describe('every operator action is audited (API and CLI)', () => {
  let app: INestApplication;
  let world: World;
  let dir: string;
  const env = { ...process.env };
  const as = { Authorization: `Bearer ${ALICE}` };
  const server = () => app.getHttpServer();
  /** the audit events of an action (or family), through the API */
  const viaApi = async (action: string, extra = ''): Promise<AuditRow[]> =>
    (
      await request(server())
        .get(`/v1/audit?action=${encodeURIComponent(action)}${extra}&take=1000`)
        .set(as)
        .expect(200)
    ).body.events as AuditRow[];
  /** the same through the CLI */
  const viaCli = async (action: string): Promise<AuditRow[]> =>
    (await cli<{ events: AuditRow[] }>(['audit', 'list', '--action', action, '--take', '1000'])).events;

  beforeAll(async () => {
    await ensureWorkerBuilt();
    await isolate();
    world = generateWorld({ seed: 11, tenants: 30 });
    Object.assign(process.env, {
      OPERATOR_TOKENS: `alice:${ALICE}`,
      OPERATOR_DOMAINS: world.operatorDomains.join(','),
      OPERATOR_NAME: 'audit-test',
      MAIL_RATE_PER_MINUTE: '100000',
    });
    app = await createApiApp();
    await app.init();
    dir = await mkdtemp(join(tmpdir(), 'impact-audit-'));
    await writeFile(join(dir, 'directory.jsonl'), world.tenantLines.join('\n'));
    // not byte for byte the API's upload: a file ingested before is found by its hash
    await writeFile(join(dir, 'exposure.jsonl'), `${world.exposureLines.join('\n')}\n`);
  }, 300_000);

  afterAll(async () => {
    process.env = env;
    await app?.close();
  });

  it('tenant import: the operator, the file name and the counts', async () => {
    const r = await request(server())
      .post('/v1/tenants/import?name=directory-api.jsonl')
      .set(as)
      .set('Content-Type', 'application/x-ndjson')
      .send(world.tenantLines.join('\n'))
      .expect(200);
    const [api] = await viaApi('tenants.import', '&subject=directory-api.jsonl');
    expect(api).toMatchObject({
      actor: 'alice',
      action: 'tenants.import',
      subject: 'directory-api.jsonl',
      details: {
        format: 'jsonl',
        imported: r.body.imported,
        updated: r.body.updated,
        rejected: r.body.rejected.length,
        warnings: r.body.warnings.length,
        conflicts: r.body.conflicts.length,
      },
    });
    // counts, never the tenants' data
    expect(JSON.stringify(api)).not.toContain(world.tenantLines[0]!.slice(0, 40));

    const c = await cli<{ updated: number }>(['tenants', 'import', join(dir, 'directory.jsonl')]);
    const rows = await viaCli('tenants.import');
    expect(rows.map((e) => [e.actor, e.subject])).toEqual([
      ['alice', 'directory-api.jsonl'],
      ['cli:audit-test', 'directory.jsonl'],
    ]);
    expect(rows[1]!.details).toMatchObject({ updated: c.updated, imported: 0 });
  }, 180_000);

  let datasetId = '';

  it('data set ingest, added upload and quarantine export, through the API', async () => {
    const up = await request(server())
      .post('/v1/datasets?name=exposure-api.jsonl')
      .set(as)
      .set('Content-Type', 'application/x-ndjson')
      .send(world.exposureLines.join('\n'))
      .expect(201);
    datasetId = up.body.datasetId as string;
    const raw = await request(server()).get(`/v1/datasets/${datasetId}/quarantine?format=raw`).set(as).expect(200);
    const fixed = raw.text.split('\n').filter(Boolean);
    expect(fixed.length).toBeGreaterThan(0);
    await request(server())
      .post(`/v1/datasets/${datasetId}/records?name=fix.jsonl`)
      .set(as)
      .set('Content-Type', 'application/x-ndjson')
      .send(raw.text)
      .expect(201);
    const rows = await viaApi('dataset.*', `&subject=${datasetId}`);
    expect(rows.map((e) => [e.actor, e.action, e.subject])).toEqual([
      ['alice', 'dataset.ingest', datasetId],
      ['alice', 'dataset.quarantineExport', datasetId],
      ['alice', 'dataset.addUpload', datasetId],
    ]);
    expect(rows[0]!.details).toMatchObject({
      name: 'exposure-api.jsonl',
      lines: up.body.lines,
      accepted: up.body.accepted,
      quarantined: up.body.quarantinedTotal,
      alreadyIngested: false,
    });
    expect(rows[1]!.details).toMatchObject({ exported: fixed.length, complete: true });
    expect(rows[2]!.details).toMatchObject({ name: 'fix.jsonl', upload: 1, lines: fixed.length });
  }, 180_000);

  it('data set ingest, --into and quarantine --export, through the CLI', async () => {
    const ing = await cli<{ datasetId: string; lines: number }>([
      'datasets',
      'ingest',
      join(dir, 'exposure.jsonl'),
      '--name',
      'exposure-cli',
    ]);
    const id = ing.datasetId;
    const out = join(dir, 'fix.jsonl');
    await cli(['datasets', 'quarantine', id, '--export', out]);
    const exported = (await readFile(out, 'utf8')).split('\n').filter(Boolean).length;
    await cli(['datasets', 'ingest', out, '--into', id]);
    const rows = (await viaCli('dataset.*')).filter((e) => e.actor === 'cli:audit-test');
    expect(rows.map((e) => [e.action, e.subject])).toEqual([
      ['dataset.ingest', id],
      ['dataset.quarantineExport', id],
      ['dataset.addUpload', id],
    ]);
    expect(rows[1]!.details).toMatchObject({ exported, complete: true });
    expect(rows[2]!.details).toMatchObject({ name: 'fix.jsonl', alreadyIngested: expect.any(Boolean) });
  }, 180_000);

  it("an operator's preview of one tenant, and a review resolution, through the API and the CLI", async () => {
    const created = await request(server())
      .post('/v1/campaigns')
      .set(as)
      .send({ datasetId, supportUrl: 'https://support.example.com', respondBy: '2026-12-31' })
      .expect(201);
    const campaignId = created.body.campaignId as string;
    await request(server()).post(`/v1/campaigns/${campaignId}/analyze`).set(as).expect(202);
    // no worker here: run the queued analysis the way the worker would
    await app.get(CampaignsService).runAnalysis(campaignId, true);
    const affected = Object.entries(world.truth.tenants).find(([, t]) => t.expected === 'affected')![0];
    const other = Object.entries(world.truth.tenants).find(([, t]) => t.expected !== 'affected')![0];

    await request(server()).get(`/v1/campaigns/${campaignId}/preview/${affected}`).set(as).expect(200);
    await request(server()).get(`/v1/campaigns/${campaignId}/decisions?tenant=${other}`).set(as).expect(200);
    await cli(['campaigns', 'preview', campaignId, '--tenant', affected]);
    // the campaign-wide preview reads no one tenant's data: not audited as a tenant preview
    await request(server()).get(`/v1/campaigns/${campaignId}/preview`).set(as).expect(200);

    const previews = await viaApi('campaign.previewTenant', `&campaignId=${campaignId}`);
    expect(previews.map((e) => [e.actor, e.campaignId, e.tenantId])).toEqual([
      ['alice', campaignId, affected],
      ['alice', campaignId, other],
      ['cli:audit-test', campaignId, affected],
    ]);
    expect(previews[0]!.details).toEqual({ decision: 'affected' });
    // the tenant's own history shows it too
    const byTenant = (await cli<{ events: AuditRow[] }>(['audit', 'list', '--tenant', affected])).events;
    expect(byTenant.filter((e) => e.action === 'campaign.previewTenant')).toHaveLength(2);

    const list = (await cli<{ items: { reviewItemId: string }[] }>(['review', 'list', campaignId])).items;
    expect(list.length).toBeGreaterThan(0);
    const why = 'a passing mention in a signature, not a contact';
    const blank = await request(server())
      .post(`/v1/reviews/${list[0]!.reviewItemId}/resolve`)
      .set(as)
      .send({ tenantId: null, justification: '   ' })
      .expect(400);
    expect(blank.body.error.message).toBe('justification: must not be empty: say why');
    await cli(['review', 'resolve', list[0]!.reviewItemId, '--none', '--justification', why]);
    const resolved = await viaApi('review.resolve', `&campaignId=${campaignId}`);
    expect(resolved.map((e) => [e.actor, e.subject])).toEqual([['cli:audit-test', list[0]!.reviewItemId]]);
    expect(resolved[0]!.details).toMatchObject({ tenantId: null, justification: why });
    // the operator's words reach the decisions export, beside who resolved it
    const csv = await request(server()).get(`/v1/campaigns/${campaignId}/exports/decisions.csv`).set(as).expect(200);
    const reviewed = csv.text.split('\r\n').filter((line) => line.includes(why));
    expect(reviewed.length).toBeGreaterThan(0);
    for (const line of reviewed) expect(line).toContain('cli:audit-test');
    const exported = await viaApi('campaign.export', `&campaignId=${campaignId}`);
    expect(exported.map((e) => [e.actor, e.subject, e.details])).toEqual([
      ['alice', 'decisions', { what: 'decisions', rows: csv.text.split('\r\n').length - 2, complete: true }],
    ]);
  }, 180_000);

  it('refuses an action filter that is not one', async () => {
    await request(server()).get('/v1/audit?action=tenants%20import').set(as).expect(400);
    await expect(cli(['audit', 'list', '--action', 'a;b'])).rejects.toMatchObject({ code: 1 });
  }, 180_000);
});
