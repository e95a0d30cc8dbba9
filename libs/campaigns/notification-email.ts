import type { NoticeRenderer, RenderedEmail } from '../notices/notice-renderer.js';
import type { IncidentTexts } from '../notices/incident-words.js';

/** What the notification email says, from the campaign, the tenant and the recipient's language. */
export interface NotificationEmailInput {
  noticeId: string;
  tenantName: string;
  locale: string;
  campaign: {
    id: string;
    supportUrl: string | null;
    supportPhone: string | null;
    supportEmail: string | null;
  };
  /** PUBLIC_BASE_URL: the email links to the inbox page under it */
  publicBaseUrl: string;
  /** the campaign's incident's words by locale: the email carries them too (no tenant data in them) */
  words?: IncidentTexts | null;
}

/**
 * The email an admin gets: it names no exposed data (that stays behind the tenant's sign-in), only
 * the notice, how to read it and whom to ask. The sending and the preview render it here alike, so
 * the preview shows what is sent.
 */
export function renderNotificationEmail(renderer: NoticeRenderer, e: NotificationEmailInput): RenderedEmail {
  return renderer.renderEmail({
    messageId: e.noticeId,
    tenantName: e.tenantName,
    locale: e.locale,
    dataCategories: [],
    recordCount: 0,
    support: { url: e.campaign.supportUrl, phone: e.campaign.supportPhone, email: e.campaign.supportEmail },
    campaignRef: e.campaign.id,
    inboxUrl: `${e.publicBaseUrl.replace(/\/$/, '')}/inbox`,
    words: e.words ?? null,
  });
}
