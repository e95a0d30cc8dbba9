/**
 * Operator roles on the API (docs/contracts.md §5, "Operator roles"): every operator route names a
 * role, each role is refused what it may not do (403, `security.operatorForbidden`) and let through
 * what it may, an operator OPERATOR_ROLES does not list is a viewer, nothing in the request adds a
 * role, and approval needs an operator other than the campaign's creator (the CLI's `cli:alice`
 * and the API's `alice` are one person). With OPERATOR_ROLES unset, every operator may do
 * everything, and the API says so once at start.
 */
import { jest } from '@jest/globals';
import { Logger, RequestMethod, type INestApplication } from '@nestjs/common';
import { GUARDS_METADATA, METHOD_METADATA, PATH_METADATA } from '@nestjs/common/constants.js';
import { ModulesContainer } from '@nestjs/core';
import request from 'supertest';
import { createApiApp } from '../apps/api/src/create-app.js';
import { OperatorAuthGuard } from '../libs/auth/operator-auth.guard.js';
import { REQUIRED_ROLE, type OperatorRole, type RoleRule } from '../libs/auth/operator-roles.js';
import { PrismaService } from '../libs/db/prisma.service.js';
import { isolate } from './support/isolation.js';

const UNKNOWN = '00000000-0000-4000-8000-0000000000a1';
const GROUP = '0123456789abcdef';

/** The operators, their roles (as OPERATOR_ROLES gives them) and tokens; `ulla` has a token but no entry. */
const OPERATORS: Record<string, { roles: OperatorRole[] | null; token: string }> = {
  alice: { roles: ['admin'], token: 'alice-token-0123456789' },
  rita: { roles: ['reviewer'], token: 'rita-token-0123456789' },
  arne: { roles: ['approver'], token: 'arne-token-0123456789' },
  sam: { roles: ['sender'], token: 'sam-token-01234567890' },
  vera: { roles: ['viewer'], token: 'vera-token-0123456789' },
  multi: { roles: ['reviewer', 'approver', 'sender'], token: 'multi-token-012345678' },
  ulla: { roles: null, token: 'ulla-token-0123456789' },
};
const TOKENS = Object.entries(OPERATORS)
  .map(([name, o]) => `${name}:${o.token}`)
  .join(',');
const ROLES = Object.entries(OPERATORS)
  .filter(([, o]) => o.roles)
  .map(([name, o]) => `${name}:${o.roles!.join('+')}`)
  .join(',');

/** Whether an operator holds a role: every operator is a viewer, admin holds every role. */
const holds = (name: string, role: OperatorRole) => {
  const roles = OPERATORS[name]!.roles ?? [];
  return role === 'viewer' || roles.includes('admin') || roles.includes(role);
};

/**
 * The contract's table (docs/contracts.md §5): each operator route, the request that exercises it,
 * and the role it needs. `route` is the path as registered.
 */
interface RouteCase {
  method: 'GET' | 'POST' | 'PUT';
  route: string;
  url: string;
  role: OperatorRole;
  body?: object;
  type?: string;
  /** a use of the route that needs more than the route's own role */
  elevated?: true;
}
const ROUTES: RouteCase[] = [
  {
    method: 'POST',
    route: '/v1/tenants/import',
    url: '/v1/tenants/import',
    role: 'admin',
    type: 'application/x-ndjson',
  },
  { method: 'GET', route: '/v1/tenants/conflicts', url: '/v1/tenants/conflicts', role: 'admin' },
  { method: 'GET', route: '/v1/tenants', url: '/v1/tenants', role: 'admin' },
  { method: 'GET', route: '/v1/tenants/:tenantId', url: `/v1/tenants/${UNKNOWN}`, role: 'admin' },
  { method: 'POST', route: '/v1/datasets', url: '/v1/datasets?name=roles', role: 'admin', type: 'text/plain' },
  {
    method: 'POST',
    route: '/v1/datasets/:datasetId/records',
    url: `/v1/datasets/${UNKNOWN}/records`,
    role: 'admin',
    type: 'application/x-ndjson',
  },
  { method: 'GET', route: '/v1/datasets', url: '/v1/datasets', role: 'viewer' },
  { method: 'GET', route: '/v1/datasets/:datasetId', url: `/v1/datasets/${UNKNOWN}`, role: 'viewer' },
  {
    method: 'GET',
    route: '/v1/datasets/:datasetId/quarantine',
    url: `/v1/datasets/${UNKNOWN}/quarantine`,
    role: 'viewer',
  },
  {
    method: 'GET',
    route: '/v1/datasets/:datasetId/quarantine',
    url: `/v1/datasets/${UNKNOWN}/quarantine?format=raw`,
    role: 'admin',
    elevated: true,
  },
  { method: 'GET', route: '/v1/datasets/:datasetId/warnings', url: `/v1/datasets/${UNKNOWN}/warnings`, role: 'viewer' },
  {
    method: 'GET',
    route: '/v1/datasets/:datasetId/records/:recordId/cluster',
    url: `/v1/datasets/${UNKNOWN}/records/r1/cluster`,
    role: 'admin',
  },
  { method: 'POST', route: '/v1/campaigns', url: '/v1/campaigns', role: 'admin', body: { datasetId: UNKNOWN } },
  { method: 'GET', route: '/v1/campaigns', url: '/v1/campaigns?take=5', role: 'viewer' },
  { method: 'GET', route: '/v1/campaigns/:id', url: `/v1/campaigns/${UNKNOWN}`, role: 'viewer' },
  { method: 'POST', route: '/v1/campaigns/:id/analyze', url: `/v1/campaigns/${UNKNOWN}/analyze`, role: 'admin' },
  { method: 'GET', route: '/v1/campaigns/:id/decisions', url: `/v1/campaigns/${UNKNOWN}/decisions`, role: 'viewer' },
  {
    method: 'GET',
    route: '/v1/campaigns/:id/decisions',
    url: `/v1/campaigns/${UNKNOWN}/decisions?tenant=${UNKNOWN}`,
    role: 'admin',
    elevated: true,
  },
  { method: 'GET', route: '/v1/campaigns/:id/preview', url: `/v1/campaigns/${UNKNOWN}/preview`, role: 'viewer' },
  {
    method: 'GET',
    route: '/v1/campaigns/:id/preview/:tenantId',
    url: `/v1/campaigns/${UNKNOWN}/preview/${UNKNOWN}`,
    role: 'admin',
  },
  { method: 'POST', route: '/v1/campaigns/:id/approve', url: `/v1/campaigns/${UNKNOWN}/approve`, role: 'approver' },
  {
    method: 'POST',
    route: '/v1/campaigns/:id/withdraw-approval',
    url: `/v1/campaigns/${UNKNOWN}/withdraw-approval`,
    role: 'approver',
  },
  { method: 'POST', route: '/v1/campaigns/:id/launch', url: `/v1/campaigns/${UNKNOWN}/launch`, role: 'sender' },
  { method: 'POST', route: '/v1/campaigns/:id/pause', url: `/v1/campaigns/${UNKNOWN}/pause`, role: 'sender' },
  { method: 'POST', route: '/v1/campaigns/:id/resume', url: `/v1/campaigns/${UNKNOWN}/resume`, role: 'sender' },
  { method: 'POST', route: '/v1/campaigns/:id/cancel', url: `/v1/campaigns/${UNKNOWN}/cancel`, role: 'sender' },
  {
    method: 'PUT',
    route: '/v1/campaigns/:id/reminder',
    url: `/v1/campaigns/${UNKNOWN}/reminder`,
    role: 'sender',
    body: { remindBefore: '3d' },
  },
  { method: 'GET', route: '/v1/campaigns/:id/status', url: `/v1/campaigns/${UNKNOWN}/status`, role: 'viewer' },
  { method: 'GET', route: '/v1/campaigns/:id/deliveries', url: `/v1/campaigns/${UNKNOWN}/deliveries`, role: 'viewer' },
  {
    method: 'GET',
    route: '/v1/campaigns/:id/exports/:what.csv',
    url: `/v1/campaigns/${UNKNOWN}/exports/decisions.csv`,
    role: 'admin',
  },
  { method: 'GET', route: '/v1/campaigns/:id/rates', url: `/v1/campaigns/${UNKNOWN}/rates`, role: 'viewer' },
  { method: 'GET', route: '/v1/reviews', url: `/v1/reviews?campaignId=${UNKNOWN}`, role: 'viewer' },
  {
    method: 'POST',
    route: '/v1/reviews/:reviewItemId/resolve',
    url: `/v1/reviews/${UNKNOWN}/resolve`,
    role: 'reviewer',
    body: { tenantId: null },
  },
  {
    method: 'POST',
    route: '/v1/reviews/groups/:group/resolve',
    url: `/v1/reviews/groups/${GROUP}/resolve`,
    role: 'reviewer',
    body: { campaignId: UNKNOWN, tenantId: null },
  },
  { method: 'GET', route: '/v1/reviews/:reviewItemId', url: `/v1/reviews/${UNKNOWN}`, role: 'reviewer' },
  {
    method: 'POST',
    route: '/v1/reviews/resolve',
    url: '/v1/reviews/resolve',
    role: 'reviewer',
    body: { campaignId: UNKNOWN, filter: {}, tenantId: null, justification: 'why' },
  },
  {
    method: 'POST',
    route: '/v1/reviews/import',
    url: `/v1/reviews/import?campaignId=${UNKNOWN}`,
    role: 'reviewer',
  },
  {
    method: 'POST',
    route: '/v1/reviews/assign',
    url: '/v1/reviews/assign',
    role: 'reviewer',
    body: { campaignId: UNKNOWN, filter: {}, assignee: 'bob' },
  },
  { method: 'GET', route: '/v1/audit', url: '/v1/audit', role: 'viewer' },
  { method: 'GET', route: '/v1/operators/me', url: '/v1/operators/me', role: 'viewer' },
  { method: 'POST', route: '/v1/incidents', url: '/v1/incidents', role: 'admin', body: {} },
  { method: 'GET', route: '/v1/incidents', url: '/v1/incidents', role: 'viewer' },
  { method: 'GET', route: '/v1/incidents/:id', url: `/v1/incidents/${UNKNOWN}`, role: 'viewer' },
  {
    method: 'GET',
    route: '/v1/incidents/:id/texts/:locale',
    url: `/v1/incidents/${UNKNOWN}/texts/en-US`,
    role: 'viewer',
  },
  {
    method: 'PUT',
    route: '/v1/incidents/:id/texts/:locale',
    url: `/v1/incidents/${UNKNOWN}/texts/en-US`,
    role: 'admin',
    body: {},
  },
  {
    method: 'POST',
    route: '/v1/incidents/:id/filings',
    url: `/v1/incidents/${UNKNOWN}/filings`,
    role: 'admin',
    body: { at: '2026-11-01T00:00:00Z', reference: 'DPA-1' },
  },
  { method: 'GET', route: '/v1/incidents/:id/report', url: `/v1/incidents/${UNKNOWN}/report?format=md`, role: 'admin' },
  { method: 'GET', route: '/v1/incidents/:id/reports', url: `/v1/incidents/${UNKNOWN}/reports`, role: 'viewer' },
  {
    method: 'GET',
    route: '/v1/incidents/:id/reports/:version',
    url: `/v1/incidents/${UNKNOWN}/reports/1`,
    role: 'viewer',
  },
  {
    method: 'POST',
    route: '/v1/incidents/:id/updates',
    url: `/v1/incidents/${UNKNOWN}/updates`,
    role: 'sender',
    body: { texts: { 'en-US': 'an update' } },
  },
  {
    method: 'GET',
    route: '/v1/incidents/:id/updates/:updateId',
    url: `/v1/incidents/${UNKNOWN}/updates/${UNKNOWN}`,
    role: 'viewer',
  },
  {
    method: 'POST',
    route: '/v1/notices/:id/withdrawal',
    url: '/v1/notices/MC999999999/withdrawal',
    role: 'sender',
    body: { reason: 'sent in error' },
  },
  { method: 'GET', route: '/v1/notices/:id/withdrawal', url: '/v1/notices/MC999999999/withdrawal', role: 'viewer' },
  {
    method: 'POST',
    route: '/v1/notices/:id/withdrawal/approve',
    url: '/v1/notices/MC999999999/withdrawal/approve',
    role: 'approver',
  },
];

/** The request of a case, by its method. */
const verb = (agent: ReturnType<typeof request>, c: RouteCase) =>
  c.method === 'GET' ? agent.get(c.url) : c.method === 'PUT' ? agent.put(c.url) : agent.post(c.url);

/** Every route of a controller guarded by OperatorAuthGuard, with the rule its handler names (if any). */
function operatorRoutes(app: INestApplication): { route: string; rule: RoleRule | undefined }[] {
  const out: { route: string; rule: RoleRule | undefined }[] = [];
  for (const module of app.get(ModulesContainer).values()) {
    for (const wrapper of module.controllers.values()) {
      const type = wrapper.metatype as (new (...args: never[]) => object) | null;
      if (!type) continue;
      const classGuards = (Reflect.getMetadata(GUARDS_METADATA, type) ?? []) as unknown[];
      const base = String(Reflect.getMetadata(PATH_METADATA, type) ?? '');
      for (const name of Object.getOwnPropertyNames(type.prototype)) {
        const handler = (type.prototype as Record<string, unknown>)[name];
        if (name === 'constructor' || typeof handler !== 'function') continue;
        const path = Reflect.getMetadata(PATH_METADATA, handler) as string | undefined;
        if (path === undefined) continue;
        const guards = [...classGuards, ...((Reflect.getMetadata(GUARDS_METADATA, handler) ?? []) as unknown[])];
        if (!guards.includes(OperatorAuthGuard)) continue;
        const method = RequestMethod[Reflect.getMetadata(METHOD_METADATA, handler) as RequestMethod];
        const route = `/v1/${base}${path === '/' ? '' : `/${path}`}`.replace(/\/+$/, '');
        out.push({ route: `${method} ${route}`, rule: Reflect.getMetadata(REQUIRED_ROLE, handler) as RoleRule });
      }
    }
  }
  return out;
}

describe('operator roles on the API', () => {
  const saved = { ...process.env };
  let app: INestApplication;
  let prisma: PrismaService;
  const http = () => app.getHttpServer();
  const as = (name: string) => ({ Authorization: `Bearer ${OPERATORS[name]!.token}` });

  const send = (c: RouteCase, headers: Record<string, string>) => {
    const r = verb(request(http()), c);
    r.set(headers);
    if (c.type) return r.set('Content-Type', c.type).send('');
    return c.body ? r.send(c.body) : r;
  };

  /** The security events of an action, waiting briefly for the background writes. */
  const forbiddenEvents = async (atLeast: number) => {
    for (let i = 0; i < 50; i++) {
      const rows = await prisma.auditEvent.findMany({
        where: { action: 'security.operatorForbidden' },
        orderBy: { id: 'asc' },
      });
      if (rows.length >= atLeast) return rows;
      await new Promise((r) => setTimeout(r, 50));
    }
    return prisma.auditEvent.findMany({ where: { action: 'security.operatorForbidden' }, orderBy: { id: 'asc' } });
  };

  beforeAll(async () => {
    await isolate();
    Object.assign(process.env, { OPERATOR_TOKENS: TOKENS, OPERATOR_ROLES: ROLES, ALLOW_SELF_APPROVAL: 'false' });
    app = await createApiApp();
    await app.init();
    prisma = app.get(PrismaService);
  });

  afterAll(async () => {
    process.env = saved;
    await app?.close();
  });

  it('every operator route names a role, the one the contract gives it', () => {
    const registered = operatorRoutes(app);
    expect(registered.length).toBeGreaterThanOrEqual(25);
    // fail closed: none without a role
    expect(registered.filter((r) => r.rule === undefined).map((r) => r.route)).toEqual([]);
    const contract = new Map<string, OperatorRole>();
    for (const c of ROUTES) if (!c.elevated) contract.set(`${c.method} ${c.route}`, c.role);
    expect(new Map(registered.map((r) => [r.route, r.rule!.role]))).toEqual(contract);
  });

  it('refuses each role what it may not do, with the reason, and lets it do what it may', async () => {
    const outcomes: string[] = [];
    const expected: string[] = [];
    for (const c of ROUTES) {
      for (const name of Object.keys(OPERATORS)) {
        const res = await send(c, as(name));
        const allowed = holds(name, c.role);
        expected.push(`${name} ${c.method} ${c.url}: ${allowed ? 'allowed' : `forbidden ${c.role}`}`);
        if (res.status === 403) {
          expect(res.body).toEqual({ error: { code: 'forbidden', message: `operator ${name} lacks role ${c.role}` } });
          outcomes.push(`${name} ${c.method} ${c.url}: forbidden ${c.role}`);
        } else {
          // allowed: the route's own answer (404 for an unknown id, 400 for a bad body, 200)
          expect(res.status).not.toBe(401);
          outcomes.push(`${name} ${c.method} ${c.url}: allowed`);
        }
      }
    }
    expect(outcomes).toEqual(expected);
  });

  it('audits a refusal as security.operatorForbidden, one event per operator and client address a minute', async () => {
    const refused = Object.keys(OPERATORS).filter((name) => ROUTES.some((c) => !holds(name, c.role)));
    expect(refused.sort()).toEqual(['arne', 'multi', 'rita', 'sam', 'ulla', 'vera']);
    const rows = await forbiddenEvents(refused.length);
    expect(rows.map((r) => r.actor).sort()).toEqual(refused);
    for (const r of rows) {
      expect(r.subject).toMatch(/^(GET|POST) \/v1\//);
      expect(r.details).toMatchObject({ role: expect.stringMatching(/^(admin|reviewer|approver|sender)$/), count: 1 });
      expect((r.details as { clientAddress: string }).clientAddress).toMatch(/127\.0\.0\.1|::1/);
    }
    // the refusals since were counted, not written
    await send(
      ROUTES.find((c) => c.role === 'sender')!,
      as('vera'),
    ).expect(403);
    await new Promise((r) => setTimeout(r, 300));
    expect(await forbiddenEvents(refused.length + 1)).toHaveLength(refused.length);
  });

  it("changes nothing for a role claimed in the query or a header, a forged token, or another operator's token", async () => {
    const launch = `/v1/campaigns/${UNKNOWN}/launch`;
    const claims = [
      { url: `${launch}?role=admin`, headers: {} },
      { url: `${launch}?role=sender&operator=alice`, headers: {} },
      { url: launch, headers: { 'X-Operator-Role': 'admin' } },
      { url: launch, headers: { 'X-Operator-Role': 'sender', 'X-Operator': 'alice', 'X-Forwarded-User': 'alice' } },
      { url: launch, headers: { 'X-Roles': 'admin', 'X-Operator-Roles': 'admin+sender' } },
    ];
    for (const c of claims) {
      const res = await request(http()).post(c.url).set(as('vera')).set(c.headers);
      expect({ url: c.url, status: res.status, body: res.body }).toEqual({
        url: c.url,
        status: 403,
        body: { error: { code: 'forbidden', message: 'operator vera lacks role sender' } },
      });
    }
    // a token changed by one character, or alice's name with another operator's token, is nobody
    const forged = `${OPERATORS.alice!.token.slice(0, -1)}X`;
    await request(http())
      .post(launch)
      .set({ Authorization: `Bearer ${forged}` })
      .expect(401);
    const basic = Buffer.from(`alice:${OPERATORS.sam!.token}`).toString('base64');
    await request(http())
      .post(`/v1/campaigns/${UNKNOWN}/approve`)
      .set({ Authorization: `Basic ${basic}` })
      .expect(401);
    // sam's token is sam, whatever else the request says
    const approve = await request(http())
      .post(`/v1/campaigns/${UNKNOWN}/approve?role=approver`)
      .set(as('sam'))
      .set({ 'X-Operator': 'alice', 'X-Operator-Role': 'approver' });
    expect(approve.status).toBe(403);
    expect(approve.body.error.message).toBe('operator sam lacks role approver');
  });

  it('tells each operator the roles the API gives its token, whatever the request claims', async () => {
    const seen: Record<string, unknown> = {};
    for (const name of Object.keys(OPERATORS)) {
      const res = await request(http())
        .get('/v1/operators/me?role=admin')
        .set(as(name))
        .set({ 'X-Operator-Role': 'admin', 'X-Operator': 'alice' })
        .expect(200);
      seen[name] = res.body;
    }
    const profile = (operator: string, roles: OperatorRole[]) => ({
      operator,
      roles,
      rolesConfigured: true,
      selfApprovalAllowed: false,
    });
    expect(seen).toEqual({
      alice: profile('alice', ['viewer', 'reviewer', 'approver', 'sender', 'admin']),
      rita: profile('rita', ['viewer', 'reviewer']),
      arne: profile('arne', ['viewer', 'approver']),
      sam: profile('sam', ['viewer', 'sender']),
      vera: profile('vera', ['viewer']),
      multi: profile('multi', ['viewer', 'reviewer', 'approver', 'sender']),
      ulla: profile('ulla', ['viewer']),
    });
    await request(http()).get('/v1/operators/me').expect(401);
    await request(http())
      .get('/v1/operators/me')
      .set({ Authorization: `Bearer ${OPERATORS.alice!.token}x` })
      .expect(401);
  });

  it('shows the queue dashboard to every operator and takes its changes from an admin only', async () => {
    await request(http()).get('/queues/api/queues').set(as('vera')).expect(200);
    for (const name of ['vera', 'ulla', 'multi']) {
      const res = await request(http()).put('/queues/api/queues/emails/pause').set(as(name));
      expect({ name, status: res.status, body: res.body }).toEqual({
        name,
        status: 403,
        body: { error: { code: 'forbidden', message: `operator ${name} lacks role admin` } },
      });
    }
  });

  it('approval needs an operator other than the creator, who may be the same person on the CLI', async () => {
    const ingested = await request(http())
      .post('/v1/datasets?name=four-eyes.jsonl')
      .set(as('alice'))
      .set('Content-Type', 'application/x-ndjson')
      .send('{"recordId":"R1","kind":"contact","people":[{"email":"a@example.com"}]}\n')
      .expect(201);
    const datasetId = (ingested.body as { datasetId: string }).datasetId;
    const create = async () =>
      (await request(http()).post('/v1/campaigns').set(as('alice')).send({ datasetId }).expect(201)).body as {
        campaignId: string;
      };
    // analysis is not what this is about: the campaign is put where approval starts
    const ready = async (id: string, createdBy?: string) =>
      prisma.campaign.update({ where: { id }, data: { status: 'ready', ...(createdBy ? { createdBy } : {}) } });

    const { campaignId } = await create();
    await ready(campaignId);
    // alice is an admin, so she holds approver, but she created it
    const self = await request(http()).post(`/v1/campaigns/${campaignId}/approve`).set(as('alice')).expect(409);
    expect(self.body.error.message).toMatch(/^the approver must be another operator than the one who created/);
    // a reviewer is refused by role before the four-eyes rule is reached
    await request(http()).post(`/v1/campaigns/${campaignId}/approve`).set(as('rita')).expect(403);
    const ok = await request(http()).post(`/v1/campaigns/${campaignId}/approve`).set(as('arne')).expect(200);
    expect(ok.body).toEqual({ campaignId, status: 'approved' });
    const event = await prisma.auditEvent.findFirstOrThrow({ where: { campaignId, action: 'campaign.approve' } });
    expect(event.actor).toBe('arne');
    expect(event.details).toEqual({ from: 'ready', to: 'approved' });
    // an approver may take it back before the launch; a sender may not
    await request(http()).post(`/v1/campaigns/${campaignId}/withdraw-approval`).set(as('sam')).expect(403);
    const back = await request(http())
      .post(`/v1/campaigns/${campaignId}/withdraw-approval`)
      .set(as('arne'))
      .expect(200);
    expect(back.body).toEqual({ campaignId, status: 'ready' });
    expect(await prisma.campaign.findUniqueOrThrow({ where: { id: campaignId } })).toMatchObject({
      approvedBy: null,
      approvedAt: null,
    });
    await request(http()).post(`/v1/campaigns/${campaignId}/withdraw-approval`).set(as('arne')).expect(409);
    await request(http()).post(`/v1/campaigns/${campaignId}/approve`).set(as('arne')).expect(200);

    // created at the console by cli:arne: arne is the same person through the API
    const second = await create();
    await ready(second.campaignId, 'cli:arne');
    await request(http()).post(`/v1/campaigns/${second.campaignId}/approve`).set(as('arne')).expect(409);
    await request(http()).post(`/v1/campaigns/${second.campaignId}/approve`).set(as('multi')).expect(200);

    // a viewer lists them, newest first, with their status
    const listed = await request(http()).get('/v1/campaigns').set(as('ulla')).expect(200);
    const mine = (listed.body as { campaigns: { campaignId: string; status: string; createdBy: string }[] }).campaigns;
    expect(mine.slice(0, 2).map((c) => [c.campaignId, c.status, c.createdBy])).toEqual([
      [second.campaignId, 'approved', 'cli:arne'],
      [campaignId, 'approved', 'alice'],
    ]);
    const sets = await request(http()).get('/v1/datasets?take=1').set(as('vera')).expect(200);
    expect(sets.body).toMatchObject({
      skip: 0,
      take: 1,
      datasets: [{ datasetId, name: 'four-eyes.jsonl', status: 'ready', lines: 1, accepted: 1, quarantined: 0 }],
    });
    await request(http()).get('/v1/datasets?take=0').set(as('vera')).expect(400);
  });
});

describe('operator roles on the API with OPERATOR_ROLES unset', () => {
  const saved = { ...process.env };
  let app: INestApplication;
  const warned: string[] = [];

  beforeAll(async () => {
    await isolate();
    Object.assign(process.env, { OPERATOR_TOKENS: TOKENS });
    delete process.env.OPERATOR_ROLES;
    const spy = jest.spyOn(Logger.prototype, 'warn').mockImplementation(function (this: Logger, message: unknown) {
      warned.push(String(message));
    });
    try {
      app = await createApiApp();
      await app.init();
    } finally {
      spy.mockRestore();
    }
  });

  afterAll(async () => {
    process.env = saved;
    await app?.close();
  });

  it('lets every operator do everything, as before roles, and says so once at start', async () => {
    expect(warned.filter((w) => w.includes('OPERATOR_ROLES is unset: every operator has every role'))).toHaveLength(1);
    const refused: string[] = [];
    for (const c of ROUTES) {
      for (const name of ['vera', 'ulla']) {
        const r = verb(request(app.getHttpServer()), c);
        r.set({ Authorization: `Bearer ${OPERATORS[name]!.token}` });
        const res = await (c.type ? r.set('Content-Type', c.type).send('') : c.body ? r.send(c.body) : r);
        if (res.status === 403 || res.status === 401) refused.push(`${name} ${c.method} ${c.url}: ${res.status}`);
      }
    }
    expect(refused).toEqual([]);
  });
});
