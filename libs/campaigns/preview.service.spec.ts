import { BadInputError, NotFoundError } from '../common/errors.js';
import type { DirectoryRepository } from '../directory/directory.repository.js';
import type { NoticesRepository } from '../notices/notices.repository.js';
import type { DatasetsService } from '../exposure/datasets.service.js';
import { NoticeComposer } from '../notices/notice-composer.js';
import { NoticeRenderer } from '../notices/notice-renderer.js';
import { TemplateEngine } from '../notices/template-engine.js';
import type { AuditService } from '../audit/audit.service.js';
import type { AppConfig } from '../config/config.js';
import type { RecipientsService } from '../recipients/recipients.service.js';
import type { CampaignsRepository } from './campaigns.repository.js';
import { PreviewService } from './preview.service.js';
import type { IncidentsService } from '../incidents/incidents.service.js';
import { prepareWords, type IncidentSections, type IncidentWords } from '../notices/incident-words.js';

const C = '6f1e2d3c-4b5a-4978-8695-a4b3c2d1e0f9';
const T = '00000000-0000-4000-8000-000000000001';
const renderer = new NoticeRenderer(new TemplateEngine());
const AFFECTED = [T, '00000000-0000-4000-8000-000000000002', '00000000-0000-4000-8000-000000000003'];

interface World {
  support?: { supportUrl?: string | null; supportEmail?: string | null };
  decision?: string | null;
  view?: boolean;
  /** affected tenants without an exposure view */
  missingViews?: number;
  /** privileged recipients of affected tenants, by locale */
  locales?: Record<string, number>;
  /** the incident's words: the locales it has (default en-US) */
  words?: string[];
}

const sections = (locale: string): IncidentSections => ({
  summary: `${locale}: the endpoint was open`,
  consequences: `${locale}: phishing`,
  measures: `- ${locale}: closed`,
  actions: `- ${locale}: be careful`,
  contact: `- <https://support.example.com>`,
});

function setup(w: World = {}) {
  const campaign = {
    id: C,
    status: 'ready',
    title: '',
    supportUrl: 'https://support.example.com',
    supportPhone: null,
    supportEmail: null,
    respondBy: null,
    incidentDate: null,
    ...w.support,
  };
  const repo = {
    find: async (id: string) => (id === C ? campaign : null),
    decision: async () => (w.decision === null ? null : { decision: w.decision ?? 'affected', records: 3 }),
    affectedTenants: async () => AFFECTED,
  } as unknown as CampaignsRepository;
  const notices = {
    tenantExposureView: async () =>
      w.view === false ? undefined : { view: { dataCategories: ['Names'], records: [], people: [], files: [] } },
    countExposureViews: async (_c: string, ids: string[]) => ids.length - (w.missingViews ?? 0),
  } as unknown as NoticesRepository;
  const locales = w.locales ?? { 'en-US': 1 };
  const directory = {
    tenantNames: async (ids: string[]) => (ids.includes(T) ? [{ id: T, name: 'Fabrikam' }] : []),
    // the privileged recipients of the affected tenants asked for, by locale
    contactLocales: async (ids: string[]) =>
      ids === AFFECTED ? Object.entries(locales).map(([locale, recipients]) => ({ locale, recipients })) : [],
    contactLocalesOf: async () => ['fr-FR'],
  } as unknown as DirectoryRepository;
  const recipients = {
    campaignCounts: async () => ({ privilegedContacts: 1, notificationRecipients: 0 }),
  } as unknown as RecipientsService;
  const audited: { action: string; actor: string }[] = [];
  const audit = {
    record: async (e: { action: string; actor: string }) => void audited.push(e),
  } as unknown as AuditService;
  const incidents = {
    wordsOfCampaign: async () =>
      new Map<string, IncidentWords>((w.words ?? ['en-US']).map((l) => [l, prepareWords(l, sections(l))])),
  } as unknown as IncidentsService;
  const service = new PreviewService(
    repo,
    {} as DatasetsService,
    directory,
    notices,
    new NoticeComposer(renderer),
    renderer,
    audit,
    recipients,
    { PUBLIC_BASE_URL: 'https://notify.example.com/' } as AppConfig,
    incidents,
  );
  return { service, audited };
}

describe('PreviewService', () => {
  it("shows an affected tenant exactly its notice, in its first admin's language, with its exposure view", async () => {
    const { service, audited } = setup();
    const p = await service.previewTenant(C, T.toUpperCase(), 'operator');
    expect(audited).toEqual([expect.objectContaining({ action: 'campaign.previewTenant', actor: 'operator' })]);
    expect(p).toMatchObject({ tenantId: T, decision: 'affected', exposure: { dataCategories: ['Names'] } });
    expect(p.notice!.body.content).toContain('Fabrikam');
    expect(p.notice!.body.content).toContain('https://support.example.com');
  });

  it("puts the incident's words in the notice and the emails, and warns when a locale has none of its own", async () => {
    const fallback = await setup().service.previewTenant(C, T, 'operator');
    // the tenant reads French: the en-US words inside the French template, and a warning
    expect(fallback.notice!.body.content).toContain('<div lang="fr-FR">');
    expect(fallback.notice!.body.content).toContain('<p>en-US: the endpoint was open</p>');
    expect(fallback.emails![0]!.text).toContain('en-US: the endpoint was open');
    expect(fallback.warnings).toEqual([
      expect.objectContaining({ kind: 'incidentTextFallback', locale: 'fr-FR', used: 'en-US' }),
    ]);
    const own = await setup({ words: ['en-US', 'fr-FR'] }).service.previewTenant(C, T, 'operator');
    expect(own.notice!.body.content).toContain('<p>fr-FR: the endpoint was open</p>');
    expect(own.notice!.body.content).not.toContain('en-US:');
    expect(own.warnings).toEqual([]);
  });

  it('stops a launch whose incident has no en-US words, the ones every locale falls back to', async () => {
    const problems = await setup({ words: ['fr-FR'] }).service.renderCheck(C);
    expect(problems).toEqual([expect.stringMatching(/^incident .* has no en-US text/)]);
  });

  it.each(['not_affected', 'needs_review', null])('shows a tenant whose decision is %s no notice at all', async (d) => {
    const { service } = setup({ decision: d });
    const p = await service.previewTenant(C, T, 'operator');
    expect(p).toEqual({ tenantId: T, decision: d ?? 'not_affected', notice: null });
  });

  it('refuses a tenant id that is no GUID, and answers unknown ones and a missing view with not found', async () => {
    await expect(setup().service.previewTenant(C, "' OR 1=1", 'operator')).rejects.toThrow(BadInputError);
    await expect(setup().service.previewTenant(C, '00000000-0000-4000-8000-0000000000ff', 'operator')).rejects.toThrow(
      NotFoundError,
    );
    await expect(setup({ view: false }).service.previewTenant(C, T, 'operator')).rejects.toThrow('no exposure view');
  });

  it('finds nothing that stops a launch when every notice renders and a support channel is given', async () => {
    await expect(setup({ locales: { 'en-US': 2, 'de-DE': 1 } }).service.renderCheck(C)).resolves.toEqual([]);
  });

  it('stops a launch for affected tenants without an exposure view, and for a campaign with no support channel', async () => {
    await expect(setup({ missingViews: 2 }).service.renderCheck(C)).resolves.toEqual([
      '2 affected tenant(s) have no exposure view: analyze again',
    ]);
    await expect(setup({ support: { supportUrl: null } }).service.renderCheck(C)).resolves.toEqual([
      'en-US: no support channel: give at least a support URL, phone or email',
      'no support contact: give --support-url, --support-phone or --support-email',
    ]);
  });

  it('warns of locales without templates, merged by fallback, most recipients first; a shipped locale is no warning', async () => {
    const { service } = setup({ locales: { 'en-US': 5, 'sv-SE': 2, 'fr-CA': 3, 'SV-se': 1 } });
    const w = await service.warnings(C);
    expect(w.map((x) => [x.requested, x.used, x.recipients])).toEqual([
      ['fr-CA', 'fr-FR', 3],
      ['sv-SE', 'en-US', 2],
      ['SV-se', 'en-US', 1],
    ]);
  });
});
