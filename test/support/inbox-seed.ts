/**
 * Seeds what the tenant inbox reads, straight into PostgreSQL: tenants with contacts, a campaign,
 * decisions, notices composed by the real NoticeComposer, and exposure views. Every name and
 * address carries a random tag, so tests can look for another tenant's data in a response.
 */
import { randomUUID } from 'node:crypto';
import type { PrismaService } from '../../libs/db/prisma.service.js';
import type { Prisma } from '../../generated/prisma/client.js';
import type { ExposureView } from '../../libs/attribution/exposure-view.js';
import { NoticeComposer } from '../../libs/notices/notice-composer.js';
import { NoticeRenderer } from '../../libs/notices/notice-renderer.js';
import { TemplateEngine } from '../../libs/notices/template-engine.js';

export const rnd = () => Math.random().toString(36).slice(2, 10);

export interface SeedContact {
  email: string;
  roles: string[];
  name?: string;
  locale?: string;
}

export interface SeededTenant {
  id: string;
  name: string;
  domain: string;
  contacts: SeedContact[];
}

let composer: NoticeComposer | undefined;
const compose = () => (composer ??= new NoticeComposer(new NoticeRenderer(new TemplateEngine())));

export async function seedTenant(
  prisma: PrismaService,
  opts: { name?: string; contacts?: (domain: string) => SeedContact[] } = {},
): Promise<SeededTenant> {
  const tag = rnd();
  const id = randomUUID();
  const domain = `t${tag}.example`;
  const name = opts.name ?? `Tenant ${tag} Ltd`;
  const contacts = opts.contacts?.(domain) ?? [
    { email: `admin@${domain}`, roles: ['GlobalAdmin'], name: `Admin ${tag}` },
  ];
  await prisma.tenant.create({
    data: {
      id,
      name,
      aliases: [],
      phones: [],
      domains: { create: [{ domain }] },
      contacts: {
        create: contacts.map((c) => ({
          email: c.email,
          name: c.name ?? null,
          roles: c.roles,
          locale: c.locale ?? 'en-US',
        })),
      },
    },
  });
  return { id, name, domain, contacts };
}

export async function seedCampaign(
  prisma: PrismaService,
  title = 'Data exposure in a storage endpoint',
): Promise<string> {
  const ds = await prisma.dataset.create({ data: { name: `inbox-test-${rnd()}`, status: 'ready' } });
  const c = await prisma.campaign.create({
    data: {
      datasetId: ds.id,
      title,
      createdBy: 'test',
      status: 'sending',
      supportUrl: 'https://support.example.com/exposure',
      supportEmail: 'privacy@support.example.com',
      incidentDate: new Date('2026-10-01T00:00:00Z'),
    },
  });
  return c.id;
}

/** A tenant's own exposure view, with its name and domain in it, so a leak is recognizable. */
export function viewFor(t: SeededTenant): ExposureView {
  return {
    dataCategories: ['Names', 'Email addresses', 'Attached files'],
    records: [{ recordId: `R-${t.domain}`, kind: 'email', dataCategories: ['Names', 'Email addresses'] }],
    people: [{ name: `Person of ${t.name}`, email: `person@${t.domain}`, phone: '+1 646 555 0101' }],
    files: [{ fileName: `Contract_${t.domain}.pdf`, sha256: 'ab'.repeat(32) }, { fileName: null }],
  };
}

export async function decide(
  prisma: PrismaService,
  campaignId: string,
  tenantId: string,
  decision: 'affected' | 'not_affected' | 'needs_review',
): Promise<void> {
  await prisma.tenantDecision.create({
    data: {
      campaignId,
      tenantId,
      decision,
      reasons: [`test: ${decision}`],
      dataCategories: [],
      records: decision === 'affected' ? 1 : 0,
      rawRecords: 0,
      reviewKeys: [],
    },
  });
}

/**
 * Posts a notice to an affected tenant (decision, notice, exposure view), as the campaign code
 * does: the id is drawn from the sequence first so the body can quote it. `tags` overrides the
 * composed tags (a notice that is not a data-privacy notice, for the role tests); `translations`
 * stores the notice in those template locales too, as the campaign code does for its admins' languages.
 */
export async function postNotice(
  prisma: PrismaService,
  campaignId: string,
  t: SeededTenant,
  opts: { tags?: string[]; postedAt?: Date; view?: ExposureView; decided?: boolean; translations?: string[] } = {},
): Promise<string> {
  if (!opts.decided) await decide(prisma, campaignId, t.id, 'affected');
  const [numbered] = await prisma.$queryRaw<{ id: string }[]>`SELECT 'MC' || nextval('notice_number') AS id`;
  if (!numbered) throw new Error('notice_number gave no value');
  const { id } = numbered;
  const campaign = await prisma.campaign.findUniqueOrThrow({ where: { id: campaignId } });
  const postedAt = opts.postedAt ?? new Date();
  const inLocale = (locale: string) =>
    compose().compose({
      campaign,
      tenant: { id: t.id, name: t.name },
      messageId: id,
      dataCategories: ['Names', 'Email addresses', 'Attached files'],
      records: 1,
      locale,
      postedAt,
    });
  const m = inLocale('en-US');
  const translations = Object.fromEntries(
    (opts.translations ?? []).map((locale) => {
      const t = inLocale(locale);
      return [locale, { title: t.title, bodyHtml: t.body.content }];
    }),
  );
  await prisma.notice.create({
    data: {
      id: id,
      campaignId,
      tenantId: t.id,
      title: m.title,
      category: m.category,
      severity: m.severity,
      tags: opts.tags ?? m.tags,
      isMajorChange: m.isMajorChange,
      actionRequiredBy: m.actionRequiredByDateTime ? new Date(m.actionRequiredByDateTime) : null,
      services: m.services,
      details: m.details,
      bodyHtml: m.body.content,
      locale: 'en-US',
      ...(opts.translations ? { translations } : {}),
      postedAt,
      lastModifiedAt: postedAt,
    },
  });
  await prisma.exposureView.create({
    data: { campaignId, tenantId: t.id, view: (opts.view ?? viewFor(t)) as unknown as Prisma.InputJsonValue },
  });
  return id;
}
