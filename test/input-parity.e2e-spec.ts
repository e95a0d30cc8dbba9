/**
 * One input schema per operation (libs/*\/…-input.ts): the same bad value given to the operator
 * CLI and to the operator API is refused for the same reason. The API answers 400 with
 * `field: reason`; the CLI exits 1 with `error: --option: reason` on stderr (one line, nothing on
 * stdout, with or without --json). Runs the compiled CLI, as test/cli.e2e-spec.ts does.
 */
import { execFile, execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { INestApplication } from '@nestjs/common';
import request from 'supertest';
import { isolate } from './support/isolation.js';
import { createApiApp } from '../apps/api/src/create-app.js';

const execute = promisify(execFile);
const CLI = 'dist/apps/cli/src/main.js';
const TOKEN = 'alice-token-0123456789';
const SOME_ID = '3f2b8c1e-5d4a-4b6c-9e7f-0a1b2c3d4e5f';

async function cli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const r = await execute('node', [CLI, ...args], { env: process.env });
    return { code: 0, stdout: r.stdout, stderr: r.stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

interface Case {
  what: string;
  cliArgs: string[];
  /** the CLI's name for the field */
  option: string;
  api: (server: ReturnType<INestApplication['getHttpServer']>) => request.Test;
  /** the API's name for the field (absent: an id in the path, which the API names not) */
  field?: string;
  reason: RegExp;
}

describe('the CLI and the API refuse a bad value for the same reason', () => {
  let app: INestApplication;
  let file: string;
  const env = { ...process.env };

  beforeAll(async () => {
    if (!existsSync(CLI)) execFileSync('npx', ['tsc', '-p', 'tsconfig.json'], { stdio: 'inherit' });
    await isolate();
    process.env.OPERATOR_TOKENS = `alice:${TOKEN}`;
    // roles configured: the CLI's refusals are one line, with no warning about unset roles before them
    Object.assign(process.env, { OPERATOR_NAME: 'alice', OPERATOR_ROLES: 'alice:admin' });
    const dir = await mkdtemp(join(tmpdir(), 'impact-parity-'));
    file = join(dir, 'input.jsonl');
    await writeFile(file, '');
    app = await createApiApp();
    await app.init();
  });

  afterAll(async () => {
    process.env = env;
    await app?.close();
  });

  const auth = { Authorization: `Bearer ${TOKEN}` };
  const create = (body: Record<string, string>) => (s: Parameters<Case['api']>[0]) =>
    request(s)
      .post('/v1/campaigns')
      .set(auth)
      .send({ datasetId: SOME_ID, ...body });
  const cases = (): Case[] => [
    {
      what: 'a support email that is no address',
      cliArgs: ['campaigns', 'create', '--dataset', SOME_ID, '--support-email', 'privacy-at-example.com'],
      option: '--support-email',
      api: create({ supportEmail: 'privacy-at-example.com' }),
      field: 'supportEmail',
      reason: /^must be an email address$/,
    },
    {
      what: 'a support URL that is not http(s)',
      cliArgs: ['campaigns', 'create', '--dataset', SOME_ID, '--support-url', 'javascript:alert(1)'],
      option: '--support-url',
      api: create({ supportUrl: 'javascript:alert(1)' }),
      field: 'supportUrl',
      reason: /^must be an http\(s\) URL$/,
    },
    {
      what: 'a respond-by date that is not ISO',
      cliArgs: ['campaigns', 'create', '--dataset', SOME_ID, '--respond-by', '31/12/2026'],
      option: '--respond-by',
      api: create({ respondBy: '31/12/2026' }),
      field: 'respondBy',
      reason: /^must be an ISO date \(YYYY-MM-DD\)$/,
    },
    {
      what: 'a reminder lead time of zero',
      cliArgs: ['campaigns', 'create', '--dataset', SOME_ID, '--respond-by', '2026-12-31', '--remind-before', '0d'],
      option: '--remind-before',
      api: create({ respondBy: '2026-12-31', remindBefore: '0d' }),
      field: 'remindBefore',
      reason: /^must be longer than zero$/,
    },
    {
      what: 'a negative reminder lead time',
      cliArgs: ['campaigns', 'create', '--dataset', SOME_ID, '--respond-by', '2026-12-31', '--remind-before=-3d'],
      option: '--remind-before',
      api: create({ respondBy: '2026-12-31', remindBefore: '-3d' }),
      field: 'remindBefore',
      reason: /^must not be negative: a duration like 3d, 36h or 2d12h/,
    },
    {
      what: 'a reminder lead time that is no duration',
      cliArgs: [
        'campaigns',
        'create',
        '--dataset',
        SOME_ID,
        '--respond-by',
        '2026-12-31',
        '--remind-before',
        '2 weeks',
      ],
      option: '--remind-before',
      api: create({ respondBy: '2026-12-31', remindBefore: '2 weeks' }),
      field: 'remindBefore',
      reason: /^must be a duration like 3d, 36h or 2d12h/,
    },
    {
      what: 'a reminder lead time longer than a year',
      cliArgs: ['campaigns', 'set-reminder', SOME_ID, '--remind-before', '366d'],
      option: '--remind-before',
      api: (s) => request(s).put(`/v1/campaigns/${SOME_ID}/reminder`).set(auth).send({ remindBefore: '366d' }),
      field: 'remindBefore',
      reason: /^must be at most a year \(365d\)$/,
    },
    {
      what: 'a reminder lead time with SQL in it',
      cliArgs: ['campaigns', 'set-reminder', SOME_ID, '--remind-before', "3d'; DROP TABLE campaigns; --"],
      option: '--remind-before',
      api: (s) =>
        request(s)
          .put(`/v1/campaigns/${SOME_ID}/reminder`)
          .set(auth)
          .send({ remindBefore: "3d'; DROP TABLE campaigns; --" }),
      field: 'remindBefore',
      reason: /^must be a duration like 3d, 36h or 2d12h/,
    },
    {
      what: 'a data set id that is no UUID',
      cliArgs: ['campaigns', 'create', '--dataset', "x' OR 1=1 --"],
      option: '--dataset',
      api: (s) => request(s).post('/v1/campaigns').set(auth).send({ datasetId: "x' OR 1=1 --" }),
      field: 'datasetId',
      reason: /^must be a GUID$/,
    },
    {
      what: 'a review resolved to a tenant id that is no UUID',
      cliArgs: ['review', 'resolve', SOME_ID, '--tenant', '../../etc/passwd'],
      option: '--tenant',
      api: (s) => request(s).post(`/v1/reviews/${SOME_ID}/resolve`).set(auth).send({ tenantId: '../../etc/passwd' }),
      field: 'tenantId',
      reason: /^must be a GUID$/,
    },
    {
      what: 'an ingest format that does not exist',
      cliArgs: ['datasets', 'ingest', '<file>', '--format', 'xml'],
      option: '--format',
      api: (s) =>
        request(s)
          .post('/v1/datasets?name=x&format=xml')
          .set(auth)
          .set('Content-Type', 'application/x-ndjson')
          .send(''),
      field: 'format',
      reason: /^must be one of jsonl, json, csv$/,
    },
    {
      what: 'a directory format that does not exist',
      cliArgs: ['tenants', 'import', '<file>', '--format', 'xlsx'],
      option: '--format',
      api: (s) =>
        request(s)
          .post('/v1/tenants/import?format=xlsx')
          .set(auth)
          .set('Content-Type', 'application/x-ndjson')
          .send(''),
      field: 'format',
      reason: /^must be one of jsonl, csv$/,
    },
    {
      what: 'a delivery state that does not exist',
      cliArgs: ['campaigns', 'deliveries', SOME_ID, '--state', 'bogus'],
      option: '--state',
      api: (s) => request(s).get(`/v1/campaigns/${SOME_ID}/deliveries?state=bogus`).set(auth),
      field: 'state',
      reason: /^must be one of queued, sending, sent, failed, retrying$/,
    },
    {
      what: 'a page size over the limit',
      cliArgs: ['campaigns', 'deliveries', SOME_ID, '--take', '100000'],
      option: '--take',
      api: (s) => request(s).get(`/v1/campaigns/${SOME_ID}/deliveries?take=100000`).set(auth),
      field: 'take',
      reason: /^must be 1 to 1000$/,
    },
    {
      what: 'a filing time that is not ISO',
      cliArgs: ['incidents', 'filed', SOME_ID, '--at', '03/11/2026', '--reference', 'DPA-1'],
      option: '--at',
      api: (s) =>
        request(s).post(`/v1/incidents/${SOME_ID}/filings`).set(auth).send({ at: '03/11/2026', reference: 'DPA-1' }),
      field: 'at',
      reason: /^must be an ISO date or date-time/,
    },
    {
      what: 'a filing reference with a control character',
      cliArgs: ['incidents', 'filed', SOME_ID, '--at', '2026-11-03T08:00:00Z', '--reference', 'DPA\u001b[2J'],
      option: '--reference',
      api: (s) =>
        request(s)
          .post(`/v1/incidents/${SOME_ID}/filings`)
          .set(auth)
          .send({ at: '2026-11-03T08:00:00Z', reference: 'DPA\u001b[2J' }),
      field: 'reference',
      reason: /^must not hold control characters$/,
    },
    {
      what: 'a report format that is neither md nor html',
      cliArgs: ['incidents', 'report', SOME_ID, '--format', 'pdf'],
      option: '--format',
      api: (s) => request(s).get(`/v1/incidents/${SOME_ID}/report?format=pdf`).set(auth),
      field: 'format',
      reason: /^must be md or html$/,
    },
    {
      what: 'a campaign id that is no UUID',
      cliArgs: ['campaigns', 'launch', 'not-a-campaign'],
      option: 'campaignId',
      api: (s) => request(s).post('/v1/campaigns/not-a-campaign/launch').set(auth),
      reason: /^must be a GUID$/,
    },
  ];

  it.each(cases().map((c) => [c.what, c] as const))('%s', async (_what, c) => {
    const res = await c.api(app.getHttpServer());
    expect(res.status).toBe(400);
    const message = (res.body as { error: { code: string; message: string } }).error.message;
    const apiReason = c.field === undefined ? message : message.replace(new RegExp(`^${c.field}: `), '');
    expect(c.field === undefined || message.startsWith(`${c.field}: `)).toBe(true);
    expect(apiReason).toMatch(c.reason);

    const args = c.cliArgs.map((a) => (a === '<file>' ? file : a));
    for (const json of [[], ['--json']]) {
      const r = await cli([...args, ...json]);
      expect({ code: r.code, stdout: r.stdout, stderr: r.stderr }).toEqual({
        code: 1,
        stdout: '',
        stderr: `error: ${c.option}: ${apiReason}\n`,
      });
    }
  });
});
