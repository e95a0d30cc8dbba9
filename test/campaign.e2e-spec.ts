/**
 * A full campaign on the generated world against real PostgreSQL, Redis and the ACS emulator:
 * one notice per affected tenant, one email per privileged contact, nothing
 * for anyone else, nothing of another tenant in any notice or email.
 */
import { Readable } from 'node:stream';
import type { INestApplicationContext } from '@nestjs/common';
import { generateWorld, type World } from './fixtures/world.js';
import { AcsEmulator } from './support/acs-emulator.js';
import { serviceContext } from './support/app.js';
import { lines, until } from './support/async.js';
import { isolate } from './support/isolation.js';
import { QueueModule } from '../libs/queue/queue.module.js';
import { AuditModule } from '../libs/audit/audit.module.js';
import { DirectoryModule } from '../libs/directory/directory.module.js';
import { DirectoryService } from '../libs/directory/directory.service.js';
import { ExposureModule } from '../libs/exposure/exposure.module.js';
import { IngestService } from '../libs/exposure/ingest.service.js';
import { CampaignsService } from '../libs/campaigns/campaigns.service.js';
import { ReviewService } from '../libs/campaigns/review.service.js';
import { CampaignLauncher } from '../libs/campaigns/campaign-launcher.js';
import { CampaignStatusView } from '../libs/campaigns/campaign-status.js';
import { DispatchReconciler } from '../libs/campaigns/dispatch-reconciler.js';
import { IdentifiedImpactGate, NoIdentifiedImpactError } from '../libs/campaigns/identified-impact.js';
import { PrismaService } from '../libs/db/prisma.service.js';
import { ProcessorsModule } from '../libs/jobs/processors.module.js';

const PRIVILEGED = ['GlobalAdmin', 'PrivacyReader'];

describe('a full campaign (PostgreSQL, Redis, ACS emulator)', () => {
  let app: INestApplicationContext;
  let acs: AcsEmulator;
  let world: World;
  let campaignId: string;
  let prisma: PrismaService;
  const env = { ...process.env };

  beforeAll(async () => {
    await isolate();
    acs = await AcsEmulator.start({ runningPolls: 1 });
    world = generateWorld({ seed: 11, tenants: 60 });
    Object.assign(process.env, {
      OPERATOR_DOMAINS: world.operatorDomains.join(','),
      MAIL_TRANSPORT: 'acs',
      ACS_CONNECTION_STRING: acs.connectionString,
      ACS_POLL_INTERVAL_MS: '20',
      MAIL_RATE_PER_MINUTE: '100000',
    });
    app = await serviceContext(QueueModule, AuditModule, DirectoryModule, ExposureModule, ProcessorsModule);
    prisma = app.get(PrismaService);
    await app.get(DirectoryService).importTenants(lines(world.tenantLines));
    const ds = await app.get(IngestService).ingest({
      stream: Readable.from([Buffer.from(world.exposureLines.join('\n'))]),
      name: 'campaign-world',
      format: 'jsonl',
    });
    const campaigns = app.get(CampaignsService);
    const c = await campaigns.create(
      {
        datasetId: ds.datasetId,
        supportUrl: 'https://support.example.com',
        supportEmail: 'privacy@cloudprovider.com',
        respondBy: '2026-12-31',
      },
      'alice',
    );
    campaignId = c.id;
    await campaigns.requestAnalysis(c.id, 'alice');
    await until('analysis', async () => (await campaigns.get(c.id)).status === 'ready');
  }, 180_000);

  afterAll(async () => {
    process.env = env;
    await app?.close();
    await acs?.close();
  });

  it('refuses approval while review items are open, and a second operator is required through the API path', async () => {
    const campaigns = app.get(CampaignsService);
    await expect(campaigns.approve(campaignId, 'bob', { requireSecondOperator: true })).rejects.toThrow(/review item/);
    for (const item of await app.get(ReviewService).list(campaignId))
      await app.get(ReviewService).resolve(item.reviewItemId, null, 'bob');
    await expect(campaigns.approve(campaignId, 'alice', { requireSecondOperator: true })).rejects.toThrow(
      /another operator/,
    );
    await expect(app.get(CampaignLauncher).launch(campaignId, 'bob')).rejects.toThrow(
      /cannot launch a campaign that is ready/,
    );
    expect((await campaigns.approve(campaignId, 'bob', { requireSecondOperator: true })).status).toBe('approved');
  });

  it('will not post a notice or send an email for a tenant with no identified impact', async () => {
    const impactGate = app.get(IdentifiedImpactGate);
    const unaffected = Object.entries(world.truth.tenants).find(([, t]) => t.expected === 'not_affected')![0];
    await expect(impactGate.assertIdentifiedImpact(campaignId, unaffected)).rejects.toBeInstanceOf(
      NoIdentifiedImpactError,
    );
    // and the database refuses it even when the code is bypassed
    await expect(
      prisma.$executeRawUnsafe(
        `INSERT INTO notices (id, campaign_id, tenant_id, decision, title, category, severity, is_major_change, details, body_html, locale)
         VALUES ('MC1', $1::uuid, $2::uuid, 'affected', 't', 'c', 's', false, '{}', 'b', 'en-US')`,
        campaignId,
        unaffected,
      ),
    ).rejects.toThrow(/foreign key|violates/);
    await expect(
      prisma.$executeRawUnsafe(
        `INSERT INTO notices (id, campaign_id, tenant_id, decision, title, category, severity, is_major_change, details, body_html, locale)
         VALUES ('MC2', $1::uuid, $2::uuid, 'not_affected', 't', 'c', 's', false, '{}', 'b', 'en-US')`,
        campaignId,
        unaffected,
      ),
    ).rejects.toThrow(/notices_only_for_affected|violates/);
  });

  it('posts exactly one notice per affected tenant and sends exactly one email per privileged contact, and nothing else', async () => {
    const launcher = app.get(CampaignLauncher);
    const statusView = app.get(CampaignStatusView);
    const reconciler = app.get(DispatchReconciler);
    expect((await launcher.launch(campaignId, 'bob')).status).toBe('sending');
    const final = await until('completion', async () => {
      const s = await statusView.status(campaignId);
      return s.status === 'completed' ? s : undefined;
    });

    const decisions = await prisma.tenantDecision.findMany({ where: { campaignId } });
    const affected = new Set(decisions.filter((d) => d.decision === 'affected').map((d) => d.tenantId));
    const notices = await prisma.notice.findMany({ where: { campaignId } });
    expect(notices.map((n) => n.tenantId).sort()).toEqual([...affected].sort());
    expect(final.counts.notices).toEqual({ posted: affected.size, expected: affected.size });
    for (const n of notices) expect(n.id).toMatch(/^MC\d+$/);

    const contacts = await prisma.tenantContact.findMany();
    const expected = new Set(
      contacts
        .filter((c) => affected.has(c.tenantId) && c.roles.some((r) => PRIVILEGED.includes(r)))
        .map((c) => c.email),
    );
    const got = acs.countByRecipient();
    expect([...got.keys()].sort()).toEqual([...expected].sort());
    for (const [address, count] of got) expect({ address, count }).toEqual({ address, count: 1 });
    expect(final.counts.emails.sent).toBe(expected.size);
    expect(final.counts.emails.failed).toBe(0);

    // relaunching or reconciling changes nothing
    await reconciler.reconcile(campaignId);
    await new Promise((r) => setTimeout(r, 1000));
    expect(acs.messages().length).toBe(expected.size);
    expect(await prisma.notice.count({ where: { campaignId } })).toBe(affected.size);
  });

  it('puts nothing of another tenant into any notice or email', async () => {
    const tenants = await prisma.tenant.findMany({ select: { id: true, name: true } });
    const notices = await prisma.notice.findMany({ where: { campaignId } });
    for (const n of notices) {
      const text =
        `${n.title} ${n.bodyHtml} ${JSON.stringify(n.details)} ${JSON.stringify(n.translations)}`.toLowerCase();
      const truth = world.truth.tenants[n.tenantId]!;
      for (const marker of truth.foreignMarkers)
        expect({ notice: n.id, leaked: text.includes(marker.toLowerCase()) ? marker : null }).toEqual({
          notice: n.id,
          leaked: null,
        });
      for (const other of tenants)
        if (other.id !== n.tenantId && other.name.length > 6) expect(text).not.toContain(other.name.toLowerCase());
      expect(n.tags).toEqual(['Data privacy', 'Admin impact']);
      expect(n.bodyHtml).toContain(n.id);
    }
    for (const m of acs.messages()) {
      const text = `${m.subject} ${m.html} ${m.text}`.toLowerCase();
      for (const t of tenants) if (t.name.length > 6) expect(text).not.toContain(t.name.toLowerCase());
      expect(text).toMatch(/mc\d+/);
    }
  });
});
