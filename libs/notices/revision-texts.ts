/**
 * What a later revision of a notice says, in the nine shipped template locales: the dated "Update"
 * section an incident update puts at the top of a notice, the text that replaces a withdrawn
 * notice's body, and the update and withdrawal emails. Pure: no database, no Nest. The operator's
 * update words arrive already rendered by the incident words' safe renderer (incident-words.ts);
 * every other value is escaped here.
 */
import { plainMarkdown, renderMarkdown } from './incident-words.js';
import type { RenderedEmail } from './notice-renderer.js';

/** The tags a revision adds (Graph's tags are English words, whatever the reader's language). */
export const UPDATED_TAG = 'Updated message';
export const WITHDRAWN_TAG = 'Withdrawn';

interface RevisionStrings {
  /** `{date}`: the update's date in the locale's long form */
  updateHeading: string;
  updateSubject: string;
  updateIntro: string;
  messageId: string;
  openInbox: string;
  withdrawnTitle: string;
  withdrawnHeading: string;
  withdrawnBody: string;
  withdrawalSubject: string;
  withdrawalIntro: string;
  contactUs: string;
}

/** `{id}`: the message id, `{date}`: a date, `{url}`: the inbox link; filled in after escaping for HTML. */
export const REVISION_STRINGS: Readonly<Record<string, RevisionStrings>> = {
  'en-US': {
    updateHeading: 'Update of {date}',
    updateSubject: 'Update to the data-privacy notice {id} in your Message Center',
    updateIntro: 'The data-privacy notice {id} in your Message Center has been updated:',
    messageId: 'Message ID: {id}',
    openInbox: 'Open the Message Center: {url}',
    withdrawnTitle: 'Withdrawn: this notice was sent in error',
    withdrawnHeading: 'This notice was withdrawn',
    withdrawnBody:
      'This notice was sent to your organization in error. Nothing of yours is concerned: none of your data was part of the incident, and there is nothing you need to do. We apologize for the confusion.',
    withdrawalSubject: 'The data-privacy notice {id} was sent in error and has been withdrawn',
    withdrawalIntro:
      'The data-privacy notice {id} was sent to your organization in error and has been withdrawn. Nothing of yours is concerned: none of your data was part of the incident, and there is nothing you need to do. We apologize for the confusion.',
    contactUs: 'Please quote the message ID {id} whenever you contact us about this notice.',
  },
  'de-DE': {
    updateHeading: 'Aktualisierung vom {date}',
    updateSubject: 'Aktualisierung der Datenschutzmitteilung {id} in Ihrem Nachrichtencenter',
    updateIntro: 'Die Datenschutzmitteilung {id} in Ihrem Nachrichtencenter wurde aktualisiert:',
    messageId: 'Nachrichten-ID: {id}',
    openInbox: 'Nachrichtencenter öffnen: {url}',
    withdrawnTitle: 'Zurückgezogen: Diese Mitteilung wurde irrtümlich versandt',
    withdrawnHeading: 'Diese Mitteilung wurde zurückgezogen',
    withdrawnBody:
      'Diese Mitteilung wurde irrtümlich an Ihre Organisation gesendet. Sie sind nicht betroffen: Keine Ihrer Daten war Teil des Vorfalls, und Sie müssen nichts unternehmen. Wir entschuldigen uns für die Verwirrung.',
    withdrawalSubject: 'Die Datenschutzmitteilung {id} wurde irrtümlich versandt und zurückgezogen',
    withdrawalIntro:
      'Die Datenschutzmitteilung {id} wurde irrtümlich an Ihre Organisation gesendet und ist zurückgezogen. Sie sind nicht betroffen: Keine Ihrer Daten war Teil des Vorfalls, und Sie müssen nichts unternehmen. Wir entschuldigen uns für die Verwirrung.',
    contactUs: 'Bitte nennen Sie die Nachrichten-ID {id}, wenn Sie uns zu dieser Mitteilung kontaktieren.',
  },
  'es-ES': {
    updateHeading: 'Actualización del {date}',
    updateSubject: 'Actualización del aviso de privacidad de datos {id} en su Centro de mensajes',
    updateIntro: 'El aviso de privacidad de datos {id} de su Centro de mensajes se ha actualizado:',
    messageId: 'Id. del mensaje: {id}',
    openInbox: 'Abrir el Centro de mensajes: {url}',
    withdrawnTitle: 'Retirado: este aviso se envió por error',
    withdrawnHeading: 'Este aviso se ha retirado',
    withdrawnBody:
      'Este aviso se envió a su organización por error. No le afecta en nada: ninguno de sus datos formó parte del incidente y no tiene que hacer nada. Le pedimos disculpas por la confusión.',
    withdrawalSubject: 'El aviso de privacidad de datos {id} se envió por error y se ha retirado',
    withdrawalIntro:
      'El aviso de privacidad de datos {id} se envió a su organización por error y se ha retirado. No le afecta en nada: ninguno de sus datos formó parte del incidente y no tiene que hacer nada. Le pedimos disculpas por la confusión.',
    contactUs: 'Indique el id. del mensaje {id} siempre que se ponga en contacto con nosotros sobre este aviso.',
  },
  'fr-FR': {
    updateHeading: 'Mise à jour du {date}',
    updateSubject:
      'Mise à jour de la notification relative à la protection des données {id} dans votre Centre de messages',
    updateIntro:
      'La notification relative à la protection des données {id} de votre Centre de messages a été mise à jour :',
    messageId: 'Identifiant du message : {id}',
    openInbox: 'Ouvrir le Centre de messages : {url}',
    withdrawnTitle: 'Retirée : cette notification a été envoyée par erreur',
    withdrawnHeading: 'Cette notification a été retirée',
    withdrawnBody:
      'Cette notification a été envoyée à votre organisation par erreur. Vous n’êtes pas concerné : aucune de vos données ne faisait partie de l’incident et vous n’avez rien à faire. Nous vous prions de nous excuser pour la confusion.',
    withdrawalSubject:
      'La notification relative à la protection des données {id} a été envoyée par erreur et a été retirée',
    withdrawalIntro:
      'La notification relative à la protection des données {id} a été envoyée à votre organisation par erreur et a été retirée. Vous n’êtes pas concerné : aucune de vos données ne faisait partie de l’incident et vous n’avez rien à faire. Nous vous prions de nous excuser pour la confusion.',
    contactUs:
      'Merci d’indiquer l’identifiant du message {id} chaque fois que vous nous contactez au sujet de cette notification.',
  },
  'it-IT': {
    updateHeading: 'Aggiornamento del {date}',
    updateSubject: 'Aggiornamento della notifica sulla privacy dei dati {id} nel Centro messaggi',
    updateIntro: 'La notifica sulla privacy dei dati {id} nel Centro messaggi è stata aggiornata:',
    messageId: 'ID messaggio: {id}',
    openInbox: 'Apri il Centro messaggi: {url}',
    withdrawnTitle: 'Ritirata: questa notifica è stata inviata per errore',
    withdrawnHeading: 'Questa notifica è stata ritirata',
    withdrawnBody:
      'Questa notifica è stata inviata alla tua organizzazione per errore. Non ti riguarda: nessuno dei tuoi dati faceva parte dell’incidente e non devi fare nulla. Ci scusiamo per la confusione.',
    withdrawalSubject: 'La notifica sulla privacy dei dati {id} è stata inviata per errore ed è stata ritirata',
    withdrawalIntro:
      'La notifica sulla privacy dei dati {id} è stata inviata alla tua organizzazione per errore ed è stata ritirata. Non ti riguarda: nessuno dei tuoi dati faceva parte dell’incidente e non devi fare nulla. Ci scusiamo per la confusione.',
    contactUs: 'Indica l’ID messaggio {id} ogni volta che ci contatti in merito a questa notifica.',
  },
  'ja-JP': {
    updateHeading: '{date} の更新',
    updateSubject: 'メッセージ センターのデータ プライバシー通知 {id} が更新されました',
    updateIntro: 'メッセージ センターのデータ プライバシー通知 {id} が更新されました:',
    messageId: 'メッセージ ID: {id}',
    openInbox: 'メッセージ センターを開く: {url}',
    withdrawnTitle: '撤回: この通知は誤って送信されました',
    withdrawnHeading: 'この通知は撤回されました',
    withdrawnBody:
      'この通知は誤ってお客様の組織に送信されました。お客様には関係ありません。お客様のデータはインシデントに含まれておらず、対応は不要です。ご迷惑をおかけしたことをお詫び申し上げます。',
    withdrawalSubject: 'データ プライバシー通知 {id} は誤って送信されたため撤回されました',
    withdrawalIntro:
      'データ プライバシー通知 {id} は誤ってお客様の組織に送信されたため、撤回されました。お客様には関係ありません。お客様のデータはインシデントに含まれておらず、対応は不要です。ご迷惑をおかけしたことをお詫び申し上げます。',
    contactUs: 'この通知についてお問い合わせの際は、メッセージ ID {id} をお知らせください。',
  },
  'nl-NL': {
    updateHeading: 'Update van {date}',
    updateSubject: 'Update van de privacymelding {id} in uw Berichtencentrum',
    updateIntro: 'De privacymelding {id} in uw Berichtencentrum is bijgewerkt:',
    messageId: 'Bericht-id: {id}',
    openInbox: 'Open het Berichtencentrum: {url}',
    withdrawnTitle: 'Ingetrokken: deze melding is per vergissing verzonden',
    withdrawnHeading: 'Deze melding is ingetrokken',
    withdrawnBody:
      'Deze melding is per vergissing naar uw organisatie verzonden. U bent er niet bij betrokken: geen van uw gegevens maakte deel uit van het incident en u hoeft niets te doen. Onze excuses voor de verwarring.',
    withdrawalSubject: 'De privacymelding {id} is per vergissing verzonden en ingetrokken',
    withdrawalIntro:
      'De privacymelding {id} is per vergissing naar uw organisatie verzonden en is ingetrokken. U bent er niet bij betrokken: geen van uw gegevens maakte deel uit van het incident en u hoeft niets te doen. Onze excuses voor de verwarring.',
    contactUs: 'Vermeld de bericht-id {id} wanneer u over deze melding contact met ons opneemt.',
  },
  'pt-BR': {
    updateHeading: 'Atualização de {date}',
    updateSubject: 'Atualização do aviso de privacidade de dados {id} no seu Centro de mensagens',
    updateIntro: 'O aviso de privacidade de dados {id} no seu Centro de mensagens foi atualizado:',
    messageId: 'ID da mensagem: {id}',
    openInbox: 'Abrir o Centro de mensagens: {url}',
    withdrawnTitle: 'Retirado: este aviso foi enviado por engano',
    withdrawnHeading: 'Este aviso foi retirado',
    withdrawnBody:
      'Este aviso foi enviado à sua organização por engano. Nada seu está envolvido: nenhum dos seus dados fez parte do incidente e você não precisa fazer nada. Pedimos desculpas pela confusão.',
    withdrawalSubject: 'O aviso de privacidade de dados {id} foi enviado por engano e foi retirado',
    withdrawalIntro:
      'O aviso de privacidade de dados {id} foi enviado à sua organização por engano e foi retirado. Nada seu está envolvido: nenhum dos seus dados fez parte do incidente e você não precisa fazer nada. Pedimos desculpas pela confusão.',
    contactUs: 'Informe o ID da mensagem {id} sempre que entrar em contato conosco sobre este aviso.',
  },
  'zh-CN': {
    updateHeading: '{date} 更新',
    updateSubject: '消息中心中的数据隐私通知 {id} 已更新',
    updateIntro: '消息中心中的数据隐私通知 {id} 已更新：',
    messageId: '消息 ID：{id}',
    openInbox: '打开消息中心：{url}',
    withdrawnTitle: '已撤回：此通知为误发',
    withdrawnHeading: '此通知已撤回',
    withdrawnBody:
      '此通知误发给了贵组织。此事与贵组织无关：贵组织的任何数据均不在此次事件范围内，无需采取任何措施。对于造成的困扰，我们深表歉意。',
    withdrawalSubject: '数据隐私通知 {id} 为误发，现已撤回',
    withdrawalIntro:
      '数据隐私通知 {id} 误发给了贵组织，现已撤回。此事与贵组织无关：贵组织的任何数据均不在此次事件范围内，无需采取任何措施。对于造成的困扰，我们深表歉意。',
    contactUs: '就此通知与我们联系时，请提供消息 ID {id}。',
  },
};

export const REVISION_FALLBACK_LOCALE = 'en-US';

function stringsOf(locale: string): RevisionStrings {
  return REVISION_STRINGS[locale] ?? REVISION_STRINGS[REVISION_FALLBACK_LOCALE]!;
}

const HTML_ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };
export const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (c) => HTML_ESCAPES[c]!);

/** A string with its `{name}` placeholders filled in; values are taken as they are (escape them first for HTML). */
function fill(template: string, values: Record<string, string>): string {
  return template.replace(/\{(\w+)\}/g, (m, k: string) => values[k] ?? m);
}

/** A date in the locale's long form, in UTC (the notice's other dates are UTC too). */
export function longDate(locale: string, at: Date): string {
  return new Intl.DateTimeFormat(locale, { dateStyle: 'long', timeZone: 'UTC' }).format(at);
}

/** An update's Markdown by locale: en-US always, the others optional. */
export type UpdateTexts = Readonly<Record<string, string>>;

/** The update's words for a locale: its own, else en-US (as an incident's words fall back). */
export function updateMarkdown(texts: UpdateTexts, locale: string): string {
  return texts[locale] ?? texts[REVISION_FALLBACK_LOCALE] ?? '';
}

/**
 * The dated "Update" section put at the top of a notice's body in `locale` (newest first: each
 * update goes above the ones before). The words go through the incident words' renderer: raw HTML
 * off, links only to http(s) and mailto.
 */
export function updateSectionHtml(locale: string, at: Date, texts: UpdateTexts): string {
  const s = stringsOf(locale);
  const heading = escapeHtml(fill(s.updateHeading, { date: longDate(locale, at) }));
  return `<section class="notice-update" lang="${escapeHtml(locale)}" data-updated="${at.toISOString()}"><h2>${heading}</h2>\n${renderMarkdown(updateMarkdown(texts, locale))}</section>\n`;
}

/** A notice's body with an update on top. */
export function withUpdate(bodyHtml: string, locale: string, at: Date, texts: UpdateTexts): string {
  return updateSectionHtml(locale, at, texts) + bodyHtml;
}

/** Tags with one more, once. */
export function withTag(tags: readonly string[] | null, tag: string): string[] {
  const all = [...(tags ?? [])];
  return all.includes(tag) ? all : [...all, tag];
}

/** What a withdrawn notice says instead of its body, in `locale`. */
export function withdrawnNotice(locale: string, messageId: string): { title: string; bodyHtml: string } {
  const s = stringsOf(locale);
  return {
    title: s.withdrawnTitle,
    bodyHtml:
      `<section class="notice-withdrawn" lang="${escapeHtml(locale)}"><h2>${escapeHtml(s.withdrawnHeading)}</h2>\n` +
      `<p>${escapeHtml(s.withdrawnBody)}</p>\n<p>${escapeHtml(fill(s.contactUs, { id: messageId }))}</p></section>\n`,
  };
}

/** What every revision email carries. */
export interface RevisionEmailInput {
  noticeId: string;
  locale: string;
  /** PUBLIC_BASE_URL: the email links to the inbox page under it */
  publicBaseUrl: string;
}

const inboxUrl = (base: string) => `${base.replace(/\/+$/, '')}/inbox`;

/** Plain text with no angle brackets a client could take for a tag. */
const plain = (s: string) => plainMarkdown(s);

function emailHtml(locale: string, paragraphs: string[], inner = ''): string {
  return (
    `<!DOCTYPE html>\n<html lang="${escapeHtml(locale)}"><head><meta charset="utf-8"></head>` +
    `<body style="font-family: Segoe UI, Helvetica, Arial, sans-serif; font-size: 14px; line-height: 1.5; color: #201f1e;">\n` +
    paragraphs.map((p, i) => (i === 1 && inner ? `${inner}\n<p>${p}</p>` : `<p>${p}</p>`)).join('\n') +
    `\n</body></html>\n`
  );
}

/**
 * The update email: that the notice changed, the update's words (the operator's, no tenant data)
 * and the inbox link. Like the notice email, it names no exposed data.
 */
export function renderUpdateEmail(e: RevisionEmailInput & { texts: UpdateTexts }): RenderedEmail {
  const s = stringsOf(e.locale);
  const id = { id: e.noticeId };
  const url = inboxUrl(e.publicBaseUrl);
  const markdown = updateMarkdown(e.texts, e.locale);
  const text = [
    fill(s.updateIntro, id),
    '',
    plain(markdown),
    '',
    fill(s.messageId, id),
    fill(s.openInbox, { url }),
    '',
    fill(s.contactUs, id),
  ].join('\n');
  const link = `<a href="${escapeHtml(url)}">${escapeHtml(url)}</a>`;
  const html = emailHtml(
    e.locale,
    [
      escapeHtml(fill(s.updateIntro, id)),
      escapeHtml(fill(s.messageId, id)),
      fill(escapeHtml(s.openInbox), { url: link }),
      escapeHtml(fill(s.contactUs, id)),
    ],
    `<blockquote>${renderMarkdown(markdown)}</blockquote>`,
  );
  return { subject: fill(s.updateSubject, id), html, text: `${text}\n` };
}

/** The withdrawal email: the notice was sent in error, nothing of theirs is concerned. */
export function renderWithdrawalEmail(e: RevisionEmailInput): RenderedEmail {
  const s = stringsOf(e.locale);
  const id = { id: e.noticeId };
  const url = inboxUrl(e.publicBaseUrl);
  const text = [fill(s.withdrawalIntro, id), '', fill(s.messageId, id), fill(s.openInbox, { url })].join('\n');
  const link = `<a href="${escapeHtml(url)}">${escapeHtml(url)}</a>`;
  const html = emailHtml(e.locale, [
    escapeHtml(fill(s.withdrawalIntro, id)),
    escapeHtml(fill(s.messageId, id)),
    fill(escapeHtml(s.openInbox), { url: link }),
  ]);
  return { subject: fill(s.withdrawalSubject, id), html, text: `${text}\n` };
}
