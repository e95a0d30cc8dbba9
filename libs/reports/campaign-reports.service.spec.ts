import { parse } from 'csv-parse/sync';
import type { AuditEntry, AuditService } from '../audit/audit.service.js';
import type { CampaignsRepository } from '../campaigns/campaigns.repository.js';
import type { Campaign, CampaignsService } from '../campaigns/campaigns.service.js';
import { NotFoundError } from '../common/errors.js';
import type { DirectoryRepository } from '../directory/directory.repository.js';
import type { NoticesRepository } from '../notices/notices.repository.js';
import { CampaignReports, EXPORT_PAGE } from './campaign-reports.service.js';

const ID = '6f1e2d3c-4b5a-4978-8695-a4b3c2d1e0f9';
const tenant = (i: number) => `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`;

/** `n` decisions served by keyset pages, as the repository does; each call is counted. */
function setup(n: number, campaign: Partial<Campaign> | null = { id: ID, status: 'sending' }) {
  const decisions = Array.from({ length: n }, (_, i) => ({
    tenant_id: tenant(i + 1),
    decision: 'affected' as const,
    reasons: ['verified domain'],
    data_categories: ['Names'],
    records: 1,
    review_keys: i === 0 ? ['k1'] : [],
  }));
  const calls: (string | null)[] = [];
  const audit: AuditEntry[] = [];
  const campaignsRepo = {
    decisionPage: async (_c: string, after: string | null, limit: number) => {
      calls.push(after);
      return decisions.filter((d) => after === null || d.tenant_id > after).slice(0, limit);
    },
    reviewItemsByKeys: async (_c: string, keys: readonly string[]) =>
      keys.includes('k1')
        ? [
            {
              review_key: 'k1',
              resolved: true,
              resolved_tenant_id: tenant(1),
              resolved_by: 'rita',
              resolved_at: new Date('2026-11-20T08:00:00Z'),
              justification: 'named in the signature',
            },
          ]
        : [],
  } as unknown as CampaignsRepository;
  const campaigns = {
    get: async (id: string) => {
      if (!campaign) throw new NotFoundError(`campaign ${id} not found`);
      return campaign;
    },
  } as unknown as CampaignsService;
  const directory = {
    tenantNames: async (ids: readonly string[]) => ids.map((id) => ({ id, name: `=name of ${id.slice(-3)}` })),
  } as unknown as DirectoryRepository;
  const reports = new CampaignReports(campaigns, campaignsRepo, {} as NoticesRepository, directory, {
    record: async (e: AuditEntry) => void audit.push(e),
  } as unknown as AuditService);
  return { reports, calls, audit };
}

const text = async (chunks: AsyncGenerator<string>) => {
  let out = '';
  for await (const c of chunks) out += c;
  return out;
};

describe('CampaignReports.export', () => {
  it('reads the decisions a page at a time after the last tenant of the page before, and audits the whole export', async () => {
    const s = setup(EXPORT_PAGE * 2 + 1);
    const out = await s.reports.export(ID, 'decisions', 'alice');
    const rows = parse<Record<string, string>>(await text(out.chunks), { bom: true, columns: true });
    expect(rows).toHaveLength(EXPORT_PAGE * 2 + 1);
    expect(s.calls).toEqual([null, tenant(EXPORT_PAGE), tenant(EXPORT_PAGE * 2)]);
    expect(rows[0]).toMatchObject({
      tenantName: "'=name of 001",
      reviewItems: '1',
      reviewOutcome: 'assigned',
      reviewedBy: 'rita',
      reviewJustification: 'named in the signature',
    });
    expect(s.audit).toEqual([
      {
        actor: 'alice',
        action: 'campaign.export',
        campaignId: ID,
        subject: 'decisions',
        details: { what: 'decisions', rows: EXPORT_PAGE * 2 + 1, complete: true },
      },
    ]);
    expect(out.counts.rows).toBe(EXPORT_PAGE * 2 + 1);
  });

  it('asks once more only when a page came back full', async () => {
    const s = setup(EXPORT_PAGE);
    await text((await s.reports.export(ID, 'decisions', 'alice')).chunks);
    expect(s.calls).toEqual([null, tenant(EXPORT_PAGE)]);
    const none = setup(0);
    expect(await text((await none.reports.export(ID, 'decisions', 'alice')).chunks)).toBe(
      '\uFEFFtenantId,tenantName,decision,reasons,dataCategories,records,reviewItems,reviewOutcome,reviewedBy,reviewedAt,reviewJustification\r\n',
    );
    expect(none.audit[0]!.details).toEqual({ what: 'decisions', rows: 0, complete: true });
  });

  it('audits an export the reader left early as incomplete, with the rows it was given', async () => {
    const s = setup(EXPORT_PAGE * 3);
    const out = await s.reports.export(ID, 'decisions', 'bob');
    await out.chunks.next(); // the header
    await out.chunks.next(); // the first page
    await out.chunks.return('');
    expect(s.calls).toEqual([null]);
    expect(s.audit.map((e) => e.details)).toEqual([{ what: 'decisions', rows: EXPORT_PAGE, complete: false }]);
  });

  it('refuses a campaign that does not exist before anything is written or audited', async () => {
    const s = setup(1, null);
    await expect(s.reports.export(ID, 'decisions', 'alice')).rejects.toThrow(NotFoundError);
    expect(s.calls).toEqual([]);
    expect(s.audit).toEqual([]);
  });
});
