import type { DatasetsService } from '../exposure/datasets.service.js';
import type { IncidentsService } from '../incidents/incidents.service.js';
import { notificationClock } from '../incidents/notification-clock.js';
import type { CampaignStatusView } from './campaign-status.js';
import type { CampaignsRepository } from './campaigns.repository.js';
import { IncidentReportService } from './incident-report.service.js';

const I = '0d9f3c52-7d5e-4d3c-9a51-3b1e2f4a5c6d';
const SCOPE = {
  lines: 10,
  records: 10,
  quarantined: 0,
  uniqueItems: 4,
  uniqueEmailAddresses: 3,
  uniquePeople: 3,
  uniquePhoneNumbers: 1,
  phoneNumbersNotValid: 0,
  uniqueFiles: 0,
  uniqueProjects: 0,
  duplicationFactor: 2.5,
};
const ANALYSIS = {
  records: 10,
  attributedRecords: 8,
  tenants: { affected: 2, notAffected: 5, needsReview: 0 },
  reviewItems: 0,
  openReviewItems: 0,
};

function setup() {
  const saved: { format: string; content: string }[] = [];
  const campaigns = [
    { campaignId: 'c1', title: 'Analyzed', status: 'ready', datasetId: 'd1' },
    // analyzed once, then sent back to draft by a change to its data set: its old counts are not current
    { campaignId: 'c2', title: 'Back to draft', status: 'draft', datasetId: 'd1' },
  ];
  const incidents = {
    reportBasis: async () => ({
      incident: { id: I, title: 'Open endpoint', awareAt: null },
      clock: notificationClock(null, [], new Date()),
      campaigns,
      words: null,
    }),
    now: () => new Date('2026-11-02T00:00:00Z'),
    saveReport: async (_id: string, format: string, content: string) => {
      saved.push({ format, content });
      return { version: saved.length, format, content };
    },
  } as unknown as IncidentsService;
  const repo = {
    find: async () => ({ analysis: ANALYSIS }),
    affectedSummary: async () => ({ categories: [{ category: 'Names', tenants: 2 }], affectedItems: 3 }),
  } as unknown as CampaignsRepository;
  const datasets = {
    show: async (id: string) => ({ datasetId: id, name: 'dump', status: 'ready', scope: SCOPE }),
  } as unknown as DatasetsService;
  const counts = {
    tenants: ANALYSIS.tenants,
    notices: { posted: 1, expected: 2 },
    emails: { queued: 1, sent: 3, failed: 1, retrying: 2, total: 7 },
  };
  const status = { status: async () => ({ counts }) } as unknown as CampaignStatusView;
  return { service: new IncidentReportService(incidents, repo, datasets, status), saved };
}

describe('IncidentReportService', () => {
  it('reads each data set once, takes an analysis only from an analyzed campaign, and counts the sending', async () => {
    const { service } = setup();
    const facts = await service.facts(I);
    expect(facts.datasets).toEqual([{ datasetId: 'd1', name: 'dump', status: 'ready', scope: SCOPE }]);
    expect(facts.campaigns.map((c) => [c.campaignId, c.analysis?.affectedItems ?? null])).toEqual([
      ['c1', 3],
      ['c2', null],
    ]);
    expect(facts.campaigns[0]!.sending).toEqual({
      noticesPosted: 1,
      noticesExpected: 2,
      emailsSent: 3,
      emailsFailed: 1,
      emailsPending: 3,
    });
    expect(facts.generatedAt).toBe('2026-11-02T00:00:00.000Z');
  });

  it('stores the export in the format asked for', async () => {
    const { service, saved } = setup();
    await service.export(I, 'html', 'alice');
    await service.export(I, 'md', 'alice');
    expect(saved.map((s) => s.format)).toEqual(['html', 'md']);
    expect(saved[0]!.content.startsWith('<!DOCTYPE html>')).toBe(true);
    expect(saved[1]!.content).toContain('[to be completed: the analysis (`campaigns analyze`)');
  });
});
