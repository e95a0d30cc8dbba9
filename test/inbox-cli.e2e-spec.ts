/**
 * `auth token` and `audit list` as an operator runs them (the compiled CLI, docs/contracts.md §3): the
 * development issuer refuses unless enabled and signs only for a listed contact; its token opens
 * the tenant's inbox in the API; the reads it makes show up in `audit list`.
 */
import { execFile, execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { NestExpressApplication } from '@nestjs/platform-express';
import request from 'supertest';
import { createApiApp } from '../apps/api/src/create-app.js';
import { PrismaService } from '../libs/db/prisma.service.js';
import { until } from './support/async.js';
import { postNotice, seedCampaign, seedTenant, type SeededTenant } from './support/inbox-seed.js';

const run = promisify(execFile);
const CLI = 'dist/apps/cli/src/main.js';
const API_MAIN = 'dist/apps/api/src/main.js';

async function cli(
  args: string[],
  env: Record<string, string> = {},
): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const r = await run('node', [CLI, ...args], { env: { ...process.env, ...env } });
    return { code: 0, stdout: r.stdout, stderr: r.stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

describe('auth token and audit list (compiled CLI)', () => {
  const saved = { ...process.env };
  const keyDir = mkdtempSync(join(tmpdir(), 'inbox-cli-key-'));
  const dev = { DEV_ISSUER_ENABLED: 'true', DEV_ISSUER_KEY_DIR: keyDir };
  let app: NestExpressApplication;
  let A: SeededTenant;
  let B: SeededTenant;
  let notice: string;

  beforeAll(async () => {
    if (!existsSync(CLI)) execFileSync('npx', ['tsc', '-p', 'tsconfig.json'], { stdio: 'inherit' });
    Object.assign(process.env, dev, { OPERATOR_NAME: 'inbox-cli-test', OPERATOR_ROLES: 'inbox-cli-test:admin' });
    for (const k of [
      'TENANT_JWKS_URL',
      'TENANT_JWT_PUBLIC_KEY',
      'TENANT_JWT_ISSUER',
      'TENANT_JWT_AUDIENCE',
      'DEV_ISSUER_PRIVATE_KEY',
    ])
      delete process.env[k];
    app = await createApiApp();
    await app.init();
    const prisma = app.get(PrismaService);
    A = await seedTenant(prisma, {
      contacts: (d) => [
        { email: `admin@${d}`, roles: ['GlobalAdmin'] },
        { email: `reader@${d}`, roles: ['MessageCenterReader'] },
      ],
    });
    B = await seedTenant(prisma);
    notice = await postNotice(prisma, await seedCampaign(prisma), A);
  });

  afterAll(async () => {
    await app?.close();
    process.env = saved;
    rmSync(keyDir, { recursive: true, force: true });
  });

  it('refuses with a one-line reason when the development issuer is disabled', async () => {
    const r = await cli(['auth', 'token', '--tenant', A.id, '--email', A.contacts[0]!.email, '--json'], {
      DEV_ISSUER_ENABLED: 'false',
    });
    expect(r).toEqual({
      code: 1,
      stdout: '',
      stderr: 'error: the development issuer is disabled (DEV_ISSUER_ENABLED is not true)\n',
    });
  });

  it('refuses, and the API refuses to start, when the development issuer could be reached from outside this machine', async () => {
    const r = await cli(['auth', 'token', '--tenant', A.id, '--email', A.contacts[0]!.email, '--json'], {
      HOST: '0.0.0.0',
    });
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(
      /^error: configuration: HOST must be a loopback address \(127\.0\.0\.0\/8, ::1, localhost\) while DEV_ISSUER_ENABLED is true, not "0\.0\.0\.0"\n$/,
    );
    for (const env of [{ HOST: '0.0.0.0' }, { PUBLIC_BASE_URL: 'https://notify.example.com' }]) {
      const api = await run('node', [API_MAIN], { env: { ...process.env, PORT: '0', ...env }, timeout: 20_000 }).then(
        () => ({ code: 0, stderr: '' }),
        (err: { code: number; stderr: string }) => ({ code: err.code, stderr: err.stderr }),
      );
      expect(api.code).toBe(1);
      expect(api.stderr).toMatch(
        new RegExp(
          `^configuration: ${Object.keys(env)[0]} must be a loopback [^\n]*DEV_ISSUER_ENABLED is true[^\n]*\n$`,
        ),
      );
    }
  });

  it('refuses an address that is not a contact of that tenant', async () => {
    const r = await cli(['auth', 'token', '--tenant', A.id, '--email', B.contacts[0]!.email, '--json']);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toBe(`error: ${B.contacts[0]!.email} is not a contact of tenant ${A.id}\n`);
  });

  it("issues a token with the contact's roles that the API accepts, and the reads land in audit list", async () => {
    const r = await cli(['auth', 'token', '--tenant', A.id, '--email', A.contacts[1]!.email.toUpperCase(), '--json']);
    expect(r.code).toBe(0);
    const { token, expiresAt } = JSON.parse(r.stdout) as { token: string; expiresAt: string };
    expect(new Date(expiresAt).getTime()).toBeGreaterThan(Date.now());
    const claims = JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString('utf8'));
    expect(claims).toMatchObject({ tid: A.id, email: A.contacts[1]!.email, roles: ['MessageCenterReader'] });
    // a MessageCenterReader: the data-privacy notice does not exist for them
    const http = app.getHttpServer();
    await request(http)
      .get(`/v1/admin/serviceAnnouncement/messages/${notice}`)
      .set('Authorization', `Bearer ${token}`)
      .expect(404);

    const admin = JSON.parse(
      (await cli(['auth', 'token', '--tenant', A.id, '--email', A.contacts[0]!.email, '--json'])).stdout,
    ).token as string;
    await request(http)
      .get(`/v1/admin/serviceAnnouncement/messages/${notice}`)
      .set('Authorization', `Bearer ${admin}`)
      .expect(200);
    await request(http)
      .get(`/v1/admin/serviceAnnouncement/messages/${notice}/exposure`)
      .set('Authorization', `Bearer ${admin}`)
      .expect(200);

    type AuditDoc = {
      tenantId: string;
      events: { actor: string; action: string; subject: string; tenantId: string }[];
    };
    // the reader's refused read is a security event, written in the background: wait for it
    const doc = await until(
      'the refused read in the audit log',
      async () => {
        const audit = await cli(['audit', 'list', '--tenant', A.id, '--json']);
        expect(audit.code).toBe(0);
        const d = JSON.parse(audit.stdout) as AuditDoc;
        return d.events.some((e) => e.action === 'security.refused_read') && d;
      },
      10_000,
    );
    expect(doc.tenantId).toBe(A.id);
    expect(doc.events.filter((e) => e.action.startsWith('inbox.')).map((e) => [e.actor, e.action, e.subject])).toEqual([
      [`tenant-user:${A.contacts[0]!.email}`, 'inbox.message.read', notice],
      [`tenant-user:${A.contacts[0]!.email}`, 'inbox.exposure.read', notice],
    ]);
    expect(
      doc.events.filter((e) => e.action.startsWith('security.')).map((e) => [e.actor, e.action, e.subject]),
    ).toEqual([[`tenant-user:${A.contacts[1]!.email}`, 'security.refused_read', notice]]);
    const none = JSON.parse((await cli(['audit', 'list', '--tenant', B.id, '--json'])).stdout) as { events: unknown[] };
    expect(none.events).toEqual([]);
    const text = await cli(['audit', 'list', '--tenant', A.id]);
    expect(text.stdout).toContain(`inbox.exposure.read ${notice}`);
    expect(await cli(['audit', 'list', '--tenant', "' or 1=1 --", '--json'])).toEqual({
      code: 1,
      stdout: '',
      stderr: 'error: --tenant: must be a GUID\n',
    });
  });
});
