import { Injectable } from '@nestjs/common';
import { NoticeRenderer } from './notice-renderer.js';
import { plainText } from './notice-values.js';
import type { IncidentTexts } from './incident-words.js';

/** Microsoft Graph's serviceUpdateMessage shape (docs/contracts.md §4). */
export interface ServiceUpdateMessage {
  id: string;
  title: string;
  category: 'preventOrFixIssue' | 'planForChange' | 'stayInformed';
  severity: 'normal' | 'high' | 'critical';
  tags: string[];
  isMajorChange: boolean;
  actionRequiredByDateTime: string | null;
  services: string[];
  startDateTime: string;
  lastModifiedDateTime: string;
  body: { contentType: 'html'; content: string };
  details: { name: string; value: string }[];
  viewPoint: { isRead: boolean; isArchived: boolean; isFavorited: boolean };
}

export interface ComposeInput {
  campaign: {
    id: string;
    title: string;
    supportUrl: string | null;
    supportPhone: string | null;
    supportEmail: string | null;
    respondBy: Date | null;
    incidentDate: Date | null;
  };
  tenant: { id: string; name: string };
  /** null in a preview: the id is drawn from the sequence when the notice is posted */
  messageId: string | null;
  dataCategories: string[];
  records: number;
  locale: string;
  postedAt: Date;
  viewPoint?: ServiceUpdateMessage['viewPoint'];
  /** the campaign's incident's words by locale (NoticeContext.words) */
  words?: IncidentTexts | null;
}

/** What a preview shows in place of the id a notice gets when it is posted. */
export const PREVIEW_MESSAGE_ID = 'MC0000000';

/**
 * One notice as the tenant sees it: the rendered body and fields (NoticeRenderer) in the Graph
 * shape. Only the receiving tenant's own name, categories and counts go in.
 */
@Injectable()
export class NoticeComposer {
  constructor(private readonly renderer: NoticeRenderer) {}

  compose(input: ComposeInput): ServiceUpdateMessage {
    const id = input.messageId ?? PREVIEW_MESSAGE_ID;
    const r = this.renderer.renderNotice({
      messageId: id,
      tenantName: input.tenant.name,
      locale: input.locale,
      ...(input.campaign.incidentDate ? { incidentDate: input.campaign.incidentDate.toISOString() } : {}),
      dataCategories: input.dataCategories,
      recordCount: input.records,
      actionRequiredBy: input.campaign.respondBy?.toISOString() ?? null,
      support: {
        url: input.campaign.supportUrl,
        phone: input.campaign.supportPhone,
        email: input.campaign.supportEmail,
      },
      campaignRef: input.campaign.id,
      words: input.words ?? null,
    });
    const at = input.postedAt.toISOString();
    return {
      id,
      // an operator's title goes through the same plain-text cleaning as the template's
      title: plainText(input.campaign.title) || r.title,
      category: r.category,
      severity: r.severity,
      tags: r.tags,
      isMajorChange: r.isMajorChange,
      actionRequiredByDateTime: r.actionRequiredByDateTime,
      services: r.services,
      startDateTime: at,
      lastModifiedDateTime: at,
      body: r.body,
      details: r.details,
      viewPoint: input.viewPoint ?? { isRead: false, isArchived: false, isFavorited: false },
    };
  }
}
