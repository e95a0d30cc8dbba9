import { BadInputError, NotFoundError } from '../common/errors.js';
import type { AuditEntry, AuditService } from '../audit/audit.service.js';
import { TemplateEngine } from '../notices/template-engine.js';
import { formatIncidentWords, type IncidentSections } from '../notices/incident-words.js';
import type { IncidentsRepository, IncidentRow } from './incidents.repository.js';
import { IncidentsService } from './incidents.service.js';

const I = '0d9f3c52-7d5e-4d3c-9a51-3b1e2f4a5c6d';
const OTHER = '5b4c3d2e-1f0a-4b9c-8d7e-6f5a4b3c2d1e';
const WORDS: IncidentSections = {
  summary: 'We found an open endpoint.',
  consequences: 'Names could be read.',
  measures: '- Closed it',
  actions: '- Be careful',
  contact: '<dpo@example.com>',
};

function setup() {
  const incident: IncidentRow = {
    id: I,
    title: 'Open endpoint',
    awareAt: null,
    createdBy: 'alice',
    createdAt: new Date('2026-11-01T00:00:00Z'),
    updatedAt: new Date('2026-11-01T00:00:00Z'),
  };
  const saved: { incidentId: string; locale: string; sections: IncidentSections; by: string }[] = [];
  const filings: { filedAt: Date; reference: string }[] = [];
  /** the text rows the campaigns' incidents have: campaign → incident, one row per (campaign, locale) */
  const rows = [
    { campaignId: 'c1', incidentId: I, locale: 'en-US', ...WORDS },
    { campaignId: 'c1', incidentId: I, locale: 'fr-FR', ...WORDS, summary: 'Nous avons trouvé un point ouvert.' },
    { campaignId: 'c2', incidentId: I, locale: 'en-US', ...WORDS },
  ];
  const repo = {
    find: async (id: string) => (id === I ? incident : null),
    saveText: async (incidentId: string, locale: string, sections: IncidentSections, by: string) =>
      void saved.push({ incidentId, locale, sections, by }),
    texts: async () => saved.map((s) => ({ locale: s.locale, ...s.sections, updatedBy: s.by, updatedAt: new Date() })),
    textsOfCampaigns: async (ids: string[]) => rows.filter((r) => ids.includes(r.campaignId)),
    filings: async () => filings,
    addFiling: async (_id: string, f: { filedAt: Date; reference: string }) => void filings.push(f),
  } as unknown as IncidentsRepository;
  const audited: AuditEntry[] = [];
  const audit = { record: async (e: AuditEntry) => void audited.push(e) } as unknown as AuditService;
  const service = new IncidentsService(repo, new TemplateEngine(), audit);
  return { service, saved, audited, incident, filings };
}

describe('IncidentsService', () => {
  it('writes the words of a shipped locale, named as its folder, and audits it', async () => {
    const { service, saved, audited } = setup();
    const t = await service.writeText(I, 'fr-fr', WORDS, 'bob');
    expect(t).toMatchObject({ incidentId: I, locale: 'fr-FR', ...WORDS, updatedBy: 'bob' });
    expect(saved).toEqual([{ incidentId: I, locale: 'fr-FR', sections: WORDS, by: 'bob' }]);
    expect(audited).toEqual([
      expect.objectContaining({
        actor: 'bob',
        action: 'incident.text',
        subject: I,
        details: expect.objectContaining({ locale: 'fr-FR' }),
      }),
    ]);
  });

  it('refuses a locale that is not shipped, and an unknown incident, writing nothing', async () => {
    const { service, saved, audited } = setup();
    await expect(service.writeText(I, 'sv-SE', WORDS, 'bob')).rejects.toThrow(
      new BadInputError('locale: must be one of de-DE, en-US, es-ES, fr-FR, it-IT, ja-JP, nl-NL, pt-BR, zh-CN'),
    );
    await expect(service.writeText(OTHER, 'en-US', WORDS, 'bob')).rejects.toThrow(NotFoundError);
    expect(saved).toEqual([]);
    expect(audited).toEqual([]);
  });

  it('reads a words file, and refuses one without a section as the --file option', async () => {
    const { service, saved } = setup();
    await service.writeTextFile(I, 'en-US', formatIncidentWords(WORDS), 'cli:alice');
    expect(saved[0]!.sections).toEqual(WORDS);
    const noActions = formatIncidentWords(WORDS).replace(/## What you should do[\s\S]*?(?=## Contact)/, '');
    await expect(service.writeTextFile(I, 'en-US', noActions, 'cli:alice')).rejects.toThrow(
      new BadInputError('--file: missing section "## What you should do"'),
    );
    expect(saved).toHaveLength(1);
  });

  it("renders each incident's words once per locale for a batch, shared by its campaigns; a campaign without any gets none", async () => {
    const { service } = setup();
    const words = await service.wordsOfCampaigns(['c1', 'c2', 'c3', 'c1']);
    expect([...words.keys()].sort()).toEqual(['c1', 'c2', 'c3']);
    expect([...words.get('c1')!.keys()]).toEqual(['en-US', 'fr-FR']);
    expect(words.get('c2')!.get('en-US')).toBe(words.get('c1')!.get('en-US')); // the same rendering, not a second one
    expect(words.get('c1')!.get('fr-FR')!.html.summary.html).toBe('<p>Nous avons trouvé un point ouvert.</p>\n');
    expect(words.get('c3')!.size).toBe(0);
  });

  it('records a filing and audits it; refuses one in the future or before awareness, recording nothing', async () => {
    const { service, audited, incident, filings } = setup();
    incident.awareAt = new Date('2026-11-01T08:00:00Z');
    service.now = () => new Date('2026-11-05T08:00:00Z');
    await expect(service.file(I, { at: '2026-11-05T08:06:00Z', reference: 'DPA-1' }, 'bob')).rejects.toThrow(
      new BadInputError('at: must not be in the future'),
    );
    await expect(service.file(I, { at: '2026-11-01T07:59:59Z', reference: 'DPA-1' }, 'bob')).rejects.toThrow(
      new BadInputError("at: must not be before the incident's awareAt (2026-11-01T08:00:00.000Z)"),
    );
    await expect(service.file(OTHER, { at: '2026-11-02', reference: 'DPA-1' }, 'bob')).rejects.toThrow(NotFoundError);
    expect(filings).toEqual([]);
    expect(audited).toEqual([]);
    // within the tolerance for a clock a little ahead, and late: the clock says so
    const r = await service.file(I, { at: '2026-11-05T08:04:00Z', reference: ' DPA-1 ' }, 'bob');
    expect(r.clock).toMatchObject({ state: 'filedLate', reference: 'DPA-1', minutesOverdue: 24 * 60 + 4 });
    expect(audited).toEqual([
      expect.objectContaining({
        actor: 'bob',
        action: 'incident.filed',
        subject: I,
        details: { filedAt: '2026-11-05T08:04:00.000Z', reference: 'DPA-1', state: 'filedLate' },
      }),
    ]);
  });
});
