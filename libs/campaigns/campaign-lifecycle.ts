import { CampaignStatus as CampaignStatusEnum } from '../../generated/prisma/enums.js';

/**
 * The campaign's states and the moves between them: draft → analyzing → ready →
 * approved → sending → completed, with paused, cancelled and failed. A move not listed is refused.
 */
// the schema's enum is the one definition (prisma/schema.prisma, CampaignStatus)
export const CAMPAIGN_STATUSES = Object.values(CampaignStatusEnum);
export type CampaignStatus = (typeof CAMPAIGN_STATUSES)[number];

export type CampaignAction =
  | 'analyze'
  | 'analyzed'
  | 'analysisFailed'
  | 'approve'
  | 'withdrawApproval'
  | 'launch'
  | 'pause'
  | 'resume'
  | 'cancel'
  | 'complete'
  | 'fail'
  | 'reviewChanged';

const MOVES: Record<CampaignAction, Partial<Record<CampaignStatus, CampaignStatus>>> = {
  // analysis may be run again until approval; a review resolution sends an approved campaign back to ready
  analyze: { draft: 'analyzing', ready: 'analyzing', failed: 'analyzing' },
  analyzed: { analyzing: 'ready' },
  analysisFailed: { analyzing: 'failed' },
  approve: { ready: 'approved' },
  // an approver takes an approval back before the launch: the campaign waits for a new one
  withdrawApproval: { approved: 'ready' },
  reviewChanged: { ready: 'ready', approved: 'ready' },
  launch: { approved: 'sending' },
  pause: { sending: 'paused' },
  resume: { paused: 'sending' },
  cancel: {
    draft: 'cancelled',
    ready: 'cancelled',
    approved: 'cancelled',
    sending: 'cancelled',
    paused: 'cancelled',
    failed: 'cancelled',
  },
  complete: { sending: 'completed' },
  fail: { sending: 'failed' },
};

export type Transition = { ok: true; to: CampaignStatus } | { ok: false; reason: string };

export function transition(from: CampaignStatus, action: CampaignAction): Transition {
  const to = MOVES[action][from];
  if (to) return { ok: true, to };
  const allowed = Object.keys(MOVES[action]).join(', ');
  return { ok: false, reason: `cannot ${action} a campaign that is ${from} (only from: ${allowed})` };
}
