/**
 * Languages never block a launch: a campaign whose admins read French, Japanese, Swedish (no
 * templates) and a locale that is no language tag at all launches; preview lists the last two as
 * fallbacks with counts; every email is in its own recipient's language; the inbox serves one
 * notice per tenant in each reader's language (PostgreSQL, Redis, ACS emulator).
 */
import { parseListQuery } from '../libs/inbox/list-query.js';
import { Readable } from 'node:stream';
import type { INestApplicationContext } from '@nestjs/common';
import { generateWorld } from './fixtures/world.js';
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
import { PreviewService } from '../libs/campaigns/preview.service.js';
import { InboxModule } from '../libs/inbox/inbox.module.js';
import { InboxService } from '../libs/inbox/inbox.service.js';
import { NoticeRenderer } from '../libs/notices/notice-renderer.js';
import { PrismaService } from '../libs/db/prisma.service.js';
import type { TenantPrincipal } from '../libs/auth/tenant-principal.js';
import { ProcessorsModule } from '../libs/jobs/processors.module.js';

const PRIVILEGED = ['GlobalAdmin', 'PrivacyReader'];
const GARBAGE = '%%no-such-language%%';

/** Words that say which language a rendered notice or email is in. */
const MARKS: Record<string, RegExp> = {
  'en-US': /How to contact us/,
  'fr-FR': /Comment nous contacter/,
  'ja-JP': /お問い合わせ先/,
};

describe('a campaign whose admins read different languages', () => {
  let app: INestApplicationContext;
  let acs: AcsEmulator;
  let prisma: PrismaService;
  let campaignId: string;
  /** affected tenants: A's admins read French then Japanese; B's Swedish and GARBAGE */
  let A: string;
  let B: string;
  const env = { ...process.env };

  beforeAll(async () => {
    await isolate();
    acs = await AcsEmulator.start({ runningPolls: 1 });
    const world = generateWorld({ seed: 23, tenants: 24 });
    Object.assign(process.env, {
      OPERATOR_DOMAINS: world.operatorDomains.join(','),
      MAIL_TRANSPORT: 'acs',
      ACS_CONNECTION_STRING: acs.connectionString,
      ACS_POLL_INTERVAL_MS: '20',
      MAIL_RATE_PER_MINUTE: '100000',
    });
    app = await serviceContext(
      QueueModule,
      AuditModule,
      DirectoryModule,
      ExposureModule,
      ProcessorsModule,
      InboxModule,
    );
    prisma = app.get(PrismaService);
    await app.get(DirectoryService).importTenants(lines(world.tenantLines));
    const ds = await app.get(IngestService).ingest({
      stream: Readable.from([Buffer.from(world.exposureLines.join('\n'))]),
      name: 'locales-world',
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
    for (const item of await app.get(ReviewService).list(campaignId))
      await app.get(ReviewService).resolve(item.reviewItemId, null, 'alice');

    // every contact reads English, but for the admins of two affected tenants
    await prisma.tenantContact.updateMany({ data: { locale: 'en-US' } });
    const affected = (
      await prisma.tenantDecision.findMany({
        where: { campaignId, decision: 'affected' },
        orderBy: { tenantId: 'asc' },
      })
    ).map((d) => d.tenantId);
    expect(affected.length).toBeGreaterThanOrEqual(3);
    [A, B] = affected as [string, string];
    const admins = async (tenantId: string) =>
      prisma.tenantContact.findMany({ where: { tenantId, roles: { hasSome: PRIVILEGED } }, orderBy: { id: 'asc' } });
    // A: its first admin (whose language the notice is written in) reads French; a new one Japanese
    await prisma.tenantContact.deleteMany({
      where: { tenantId: { in: [A, B] }, NOT: { roles: { hasSome: PRIVILEGED } } },
    });
    const firstOfA = (await admins(A))[0];
    if (firstOfA) await prisma.tenantContact.updateMany({ where: { tenantId: A }, data: { locale: 'fr-FR' } });
    else
      await prisma.tenantContact.create({
        data: { tenantId: A, email: `dpo-fr@${A}.example`, roles: ['GlobalAdmin'], locale: 'fr-FR' },
      });
    await prisma.tenantContact.create({
      data: { tenantId: A, email: `admin-ja@${A}.example`, roles: ['PrivacyReader'], locale: 'ja-JP' },
    });
    // B: every admin reads Swedish, one more has a locale that is no language tag
    await prisma.tenantContact.updateMany({ where: { tenantId: B }, data: { locale: 'sv-SE' } });
    if ((await admins(B)).length === 0)
      await prisma.tenantContact.create({
        data: { tenantId: B, email: `admin-sv@${B}.example`, roles: ['GlobalAdmin'], locale: 'sv-SE' },
      });
    await prisma.tenantContact.create({
      data: { tenantId: B, email: `admin-x@${B}.example`, roles: ['GlobalAdmin'], locale: GARBAGE },
    });
  }, 180_000);

  afterAll(async () => {
    process.env = env;
    await app?.close();
    await acs?.close();
  });

  it('preview lists the fallbacks as warnings with their recipients, and no problem', async () => {
    const p = await app.get(PreviewService).preview(campaignId);
    expect(p.renderProblems).toEqual([]);
    const sv = await prisma.tenantContact.count({
      where: { tenantId: B, locale: 'sv-SE', roles: { hasSome: PRIVILEGED } },
    });
    expect(sv).toBeGreaterThan(0);
    expect(p.warnings).toEqual(
      expect.arrayContaining([
        { kind: 'localeFallback', requested: 'sv-SE', used: 'en-US', recipients: sv },
        { kind: 'localeFallback', requested: GARBAGE, used: 'en-US', recipients: 1 },
      ]),
    );
    expect(p.warnings).toHaveLength(2);
  });

  it("launches, and every email is in its own recipient's language", async () => {
    const campaigns = app.get(CampaignsService);
    await campaigns.approve(campaignId, 'bob', { requireSecondOperator: true });
    const launcher = app.get(CampaignLauncher);
    const statusView = app.get(CampaignStatusView);
    expect((await launcher.launch(campaignId, 'bob')).status).toBe('sending');
    const final = await until('completion', async () => {
      const s = await statusView.status(campaignId);
      return s.status === 'completed' ? s : undefined;
    });
    expect(final.counts.emails.failed).toBe(0);
    // the launch records the fallbacks it went ahead with
    const audited = await prisma.auditEvent.findMany({ where: { campaignId, action: 'campaign.launch.warnings' } });
    expect(audited.map((e) => e.details)).toEqual([{ warnings: await app.get(PreviewService).warnings(campaignId) }]);

    const renderer = app.get(NoticeRenderer);
    const contacts = await prisma.tenantContact.findMany({ where: { roles: { hasSome: PRIVILEGED } } });
    const localeOf = new Map(contacts.map((c) => [c.email, c.locale]));
    const messages = acs.messages();
    expect(messages.length).toBe(final.counts.emails.sent);
    const seen = new Set<string>();
    for (const m of messages) {
      const requested = localeOf.get(m.recipients[0]!)!;
      const lang = renderer.resolveLocale(requested);
      seen.add(lang);
      expect({ to: m.recipients[0], lang: /<html lang="([^"]+)">/.exec(m.html ?? '')?.[1] }).toEqual({
        to: m.recipients[0],
        lang,
      });
      if (MARKS[lang]) {
        expect(m.html).toMatch(MARKS[lang]);
        expect(m.text).toMatch(MARKS[lang]);
      }
    }
    expect([...seen].sort()).toEqual(['en-US', 'fr-FR', 'ja-JP']);
    const to = (address: string) => messages.find((m) => m.recipients.includes(address))!;
    expect(to(`admin-ja@${A}.example`).subject).toContain('データ プライバシー');
    expect(to(`admin-x@${B}.example`).subject).toMatch(/^Data privacy notice MC\d+/);
  });

  it("posts one notice per tenant, written in its first admin's language and stored in its other admins' and in en-US", async () => {
    const notices = await prisma.notice.findMany({ where: { campaignId } });
    expect(new Set(notices.map((n) => n.tenantId)).size).toBe(notices.length);
    const a = notices.find((n) => n.tenantId === A)!;
    expect(a.locale).toBe('fr-FR');
    expect(a.bodyHtml).toMatch(MARKS['fr-FR']!);
    const t = a.translations as Record<string, { title: string; bodyHtml: string }>;
    expect(Object.keys(t).sort()).toEqual(['en-US', 'ja-JP']);
    expect(t['ja-JP']!.bodyHtml).toMatch(MARKS['ja-JP']!);
    expect(t['en-US']!.bodyHtml).toMatch(MARKS['en-US']!);
    for (const body of [a.bodyHtml, t['ja-JP']!.bodyHtml, t['en-US']!.bodyHtml]) expect(body).toContain(a.id);
    const b = notices.find((n) => n.tenantId === B)!;
    expect(b.locale).toBe('en-US');
    expect(b.translations).toEqual({});
    // nothing of another tenant in any language
    const names = await prisma.tenant.findMany({ where: { id: { not: A } }, select: { name: true } });
    const all = JSON.stringify(a.translations).toLowerCase();
    for (const { name } of names) if (name.length > 6) expect(all).not.toContain(name.toLowerCase());
  });

  it("the inbox serves the notice in the reader's language: token claim, then Accept-Language, then en-US", async () => {
    const inbox = app.get(InboxService);
    const reader = (locale?: string): TenantPrincipal => ({
      tenantId: A,
      userId: `reader-${locale ?? 'none'}`,
      email: `reader@${A}.example`,
      roles: ['PrivacyReader'],
      issuer: 'test',
      ...(locale ? { locale } : {}),
    });
    const id = (await prisma.notice.findFirstOrThrow({ where: { campaignId, tenantId: A } })).id;
    const langOf = (html: string) => /<div lang="([^"]+)">/.exec(html)?.[1];
    const cases: [TenantPrincipal, string[], string][] = [
      [reader('fr-FR'), [], 'fr-FR'],
      [reader(), ['fr-CA', 'fr'], 'fr-FR'],
      [reader('ja-JP'), ['fr'], 'ja-JP'], // the token's claim comes first
      [reader(), ['ja'], 'ja-JP'],
      [reader('sv'), [], 'en-US'],
      [reader(), ['sv', '../../etc/passwd'], 'en-US'],
      [reader('de-DE'), [], 'en-US'], // no admin of this tenant reads German: the en-US copy
      [reader(), [], 'fr-FR'], // no language stated: the notice as written
    ];
    for (const [p, languages, lang] of cases) {
      const m = await inbox.get(p, id, languages);
      expect({ p: p.locale, languages, lang: langOf(m.body.content) }).toEqual({ p: p.locale, languages, lang });
      expect(m.id).toBe(id);
      expect(m.body.content).toMatch(MARKS[lang]!);
      const listed = (await inbox.list(p, parseListQuery({}), languages)).messages;
      expect(listed.map((x) => x.id)).toEqual([id]);
      expect(listed[0]!.body.content).toBe(m.body.content);
    }
    // the exposure view is the same whatever the reader reads
    expect(await inbox.exposure(reader('ja-JP'), id)).toEqual(await inbox.exposure(reader('fr-FR'), id));
  });
});
