import { Injectable } from '@nestjs/common';
import { DatasetsService } from '../exposure/datasets.service.js';
import { IncidentsService } from '../incidents/incidents.service.js';
import type { ReportFormat } from '../incidents/incident-input.js';
import {
  reportHtml,
  reportMarkdown,
  type ReportCampaign,
  type ReportDataset,
  type ReportFacts,
} from '../incidents/incident-report.js';
import type { AnalysisSummary } from './analysis.service.js';
import { CampaignStatusView } from './campaign-status.js';
import { CampaignsRepository } from './campaigns.repository.js';

/** The campaign statuses before an analysis has run (a re-analysis keeps the last one's counts). */
const NOT_ANALYZED = new Set(['draft', 'analyzing']);

/**
 * The draft notification of an incident to the supervisory authority: gathered here, where the
 * incident, its data sets and its campaigns can all be read through their owners; written by
 * libs/incidents/incident-report.ts; stored as a version by the incidents lib.
 */
@Injectable()
export class IncidentReportService {
  constructor(
    private readonly incidents: IncidentsService,
    private readonly campaigns: CampaignsRepository,
    private readonly datasets: DatasetsService,
    private readonly status: CampaignStatusView,
  ) {}

  /** Everything the draft says, as of now. */
  async facts(incidentId: string): Promise<ReportFacts> {
    const basis = await this.incidents.reportBasis(incidentId);
    const datasetIds = [...new Set(basis.campaigns.map((c) => c.datasetId))];
    const datasets = await Promise.all(
      datasetIds.map(async (id): Promise<ReportDataset> => {
        const d = await this.datasets.show(id);
        return { datasetId: d.datasetId, name: d.name, status: d.status, scope: d.scope };
      }),
    );
    const campaigns: ReportCampaign[] = [];
    // one campaign at a time: an incident has a handful, and each read is a few statements
    for (const c of basis.campaigns) {
      const row = await this.campaigns.find(c.campaignId);
      const summary = (row?.analysis ?? null) as AnalysisSummary | null;
      const analyzed = summary !== null && !NOT_ANALYZED.has(c.status);
      const s = (await this.status.status(c.campaignId)).counts;
      campaigns.push({
        campaignId: c.campaignId,
        title: c.title,
        status: c.status,
        datasetId: c.datasetId,
        analysis: analyzed
          ? { tenants: summary.tenants, ...(await this.campaigns.affectedSummary(c.campaignId)) }
          : null,
        sending: {
          noticesPosted: s.notices.posted,
          noticesExpected: s.notices.expected,
          emailsSent: s.emails.sent,
          emailsFailed: s.emails.failed,
          emailsPending: s.emails.queued + s.emails.retrying,
        },
      });
    }
    return {
      incident: { incidentId: basis.incident.id, title: basis.incident.title, awareAt: basis.clock.awareAt },
      clock: basis.clock,
      words: basis.words,
      datasets,
      campaigns,
      generatedAt: this.incidents.now().toISOString(),
    };
  }

  /** Writes the draft in a format and stores it as the incident's next version (audited). */
  async export(incidentId: string, format: ReportFormat, actor: string) {
    const facts = await this.facts(incidentId);
    const content = format === 'html' ? reportHtml(facts) : reportMarkdown(facts);
    return this.incidents.saveReport(facts.incident.incidentId, format, content, actor);
  }
}
