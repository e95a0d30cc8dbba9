import type { NoticeRenderer, RenderedEmail } from '../notices/notice-renderer.js';
import { cleanText, mailLink, optionalText, plainText, webLink, type SafeLink } from '../notices/notice-values.js';

/** What a reminder email says: like the notice's email it carries no exposed data and no tenant name. */
export interface ReminderEmailInput {
  noticeId: string;
  locale: string;
  /** the notice's act-by date */
  actionRequiredBy: Date;
  support: { url: string | null; phone: string | null; email: string | null };
  /** PUBLIC_BASE_URL: the email links to the inbox page under it */
  publicBaseUrl: string;
}

interface ReminderWords {
  subject: string;
  intro: string;
  actBy: string;
  read: string;
  support: string;
  footer: string;
}

/** `{id}` is the notice's id, `{date}` its act-by date written in the locale's way. */
export const REMINDER_WORDS: Record<string, ReminderWords> = {
  'en-US': {
    subject: 'Reminder: data privacy notice {id} asks for action by {date}',
    intro: 'Nobody in your organization has read data privacy notice {id} in your Message Center yet.',
    actBy: 'The notice asks you to act by {date}.',
    read: 'Sign in to read it in your Message Center:',
    support: 'Questions? Contact us:',
    footer:
      'For your protection this email carries no details of the exposed data: they are only in the notice, for the administrators allowed to read data privacy notices.',
  },
  'de-DE': {
    subject: 'Erinnerung: Datenschutzhinweis {id} erfordert Maßnahmen bis {date}',
    intro: 'In Ihrer Organisation hat noch niemand den Datenschutzhinweis {id} in Ihrem Message Center gelesen.',
    actBy: 'Der Hinweis bittet Sie, bis {date} zu handeln.',
    read: 'Melden Sie sich an, um ihn im Message Center zu lesen:',
    support: 'Fragen? So erreichen Sie uns:',
    footer:
      'Zu Ihrem Schutz enthält diese E-Mail keine Einzelheiten zu den offengelegten Daten: Sie stehen nur im Hinweis, für die Administratoren, die Datenschutzhinweise lesen dürfen.',
  },
  'es-ES': {
    subject: 'Recordatorio: el aviso de privacidad de datos {id} requiere que actúe antes del {date}',
    intro: 'Nadie en su organización ha leído todavía el aviso de privacidad de datos {id} de su Centro de mensajes.',
    actBy: 'El aviso le pide que actúe antes del {date}.',
    read: 'Inicie sesión para leerlo en su Centro de mensajes:',
    support: '¿Tiene preguntas? Póngase en contacto con nosotros:',
    footer:
      'Para su protección, este correo no incluye detalles de los datos expuestos: solo figuran en el aviso, para los administradores autorizados a leer avisos de privacidad de datos.',
  },
  'fr-FR': {
    subject: 'Rappel : la notification relative à la protection des données {id} demande une action avant le {date}',
    intro:
      'Personne dans votre organisation n’a encore lu la notification relative à la protection des données {id} dans votre Centre de messages.',
    actBy: 'La notification vous demande d’agir avant le {date}.',
    read: 'Connectez-vous pour la lire dans votre Centre de messages :',
    support: 'Des questions ? Contactez-nous :',
    footer:
      'Pour votre protection, cet e-mail ne contient aucun détail sur les données exposées : ils figurent uniquement dans la notification, pour les administrateurs autorisés à lire les notifications relatives à la protection des données.',
  },
  'it-IT': {
    subject: 'Promemoria: l’avviso sulla privacy dei dati {id} richiede un intervento entro il {date}',
    intro: 'Nessuno nella tua organizzazione ha ancora letto l’avviso sulla privacy dei dati {id} nel Centro messaggi.',
    actBy: 'L’avviso ti chiede di intervenire entro il {date}.',
    read: 'Accedi per leggerlo nel Centro messaggi:',
    support: 'Domande? Contattaci:',
    footer:
      'Per la tua protezione, questa email non contiene dettagli sui dati esposti: si trovano solo nell’avviso, per gli amministratori autorizzati a leggere gli avvisi sulla privacy dei dati.',
  },
  'ja-JP': {
    subject: 'リマインダー: データ プライバシーに関するお知らせ ({id}) の対応期限は {date} です',
    intro:
      'メッセージ センターのデータ プライバシーに関するお知らせ ({id}) は、貴組織ではまだどなたにも読まれていません。',
    actBy: 'このお知らせでは、{date} までの対応をお願いしています。',
    read: 'サインインして、メッセージ センターでお読みください:',
    support: 'ご不明な点は、こちらまでお問い合わせください:',
    footer:
      'お客様の保護のため、このメールには漏えいしたデータの詳細は含まれていません。詳細はお知らせの中にのみ記載されており、データ プライバシーに関するお知らせを閲覧する権限を持つ管理者だけが確認できます。',
  },
  'nl-NL': {
    subject: 'Herinnering: privacymelding {id} vraagt om actie vóór {date}',
    intro: 'Nog niemand in uw organisatie heeft privacymelding {id} in het Berichtencentrum gelezen.',
    actBy: 'De melding vraagt u om vóór {date} actie te ondernemen.',
    read: 'Meld u aan om de melding in het Berichtencentrum te lezen:',
    support: 'Vragen? Neem contact met ons op:',
    footer:
      'Voor uw bescherming bevat deze e-mail geen details over de blootgestelde gegevens: die staan alleen in de melding, voor de beheerders die privacymeldingen mogen lezen.',
  },
  'pt-BR': {
    subject: 'Lembrete: o aviso de privacidade de dados {id} pede uma ação até {date}',
    intro: 'Ninguém na sua organização leu ainda o aviso de privacidade de dados {id} no seu Centro de mensagens.',
    actBy: 'O aviso pede que você aja até {date}.',
    read: 'Entre para lê-lo no seu Centro de mensagens:',
    support: 'Dúvidas? Fale conosco:',
    footer:
      'Para sua proteção, este email não traz detalhes dos dados expostos: eles estão apenas no aviso, para os administradores autorizados a ler avisos de privacidade de dados.',
  },
  'zh-CN': {
    subject: '提醒：数据隐私通知 {id} 要求在 {date} 前采取行动',
    intro: '您的组织中尚无人阅读消息中心里的数据隐私通知 {id}。',
    actBy: '该通知要求您在 {date} 前采取行动。',
    read: '请登录后在消息中心阅读：',
    support: '如有疑问，请联系我们：',
    footer:
      '为保护您的安全，本邮件不包含所泄露数据的任何详细信息：详细信息仅在通知中提供，且仅限有权阅读数据隐私通知的管理员查看。',
  },
};

const escapeHtml = (s: string) =>
  s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');

const fill = (template: string, values: { id: string; date: string }) =>
  // functions, so a `$` in a value is never read as a replacement pattern
  template.replace('{id}', () => values.id).replace('{date}', () => values.date);

/** The act-by date in the reader's language; the UTC calendar day, as the notice shows it. */
export function reminderDate(locale: string, at: Date): string {
  return new Intl.DateTimeFormat(locale, { dateStyle: 'long', timeZone: 'UTC' }).format(at);
}

const linkHtml = (l: SafeLink) =>
  l.href ? `<a href="${escapeHtml(l.href)}">${escapeHtml(l.text)}</a>` : escapeHtml(l.text);

/**
 * The reminder an admin gets when the act-by date nears and nobody of their tenant has read the
 * notice: its id, the date, the inbox link and whom to ask. In the recipient's template locale
 * (en-US when there is none for it), every value cleaned and escaped like the notice's email.
 */
export function renderReminderEmail(
  renderer: Pick<NoticeRenderer, 'resolveLocale'>,
  e: ReminderEmailInput,
): RenderedEmail {
  const locale = renderer.resolveLocale(e.locale);
  const words = REMINDER_WORDS[locale] ?? REMINDER_WORDS['en-US']!;
  const values = { id: plainText(e.noticeId), date: reminderDate(locale, e.actionRequiredBy) };
  const inbox = webLink(`${e.publicBaseUrl.replace(/\/$/, '')}/inbox`);
  const support = [webLink(e.support.url), optionalText(e.support.phone), mailLink(e.support.email)].filter(
    (x) => x !== null,
  );
  const subject = cleanText(fill(words.subject, values));
  const textLines = [
    fill(words.intro, values),
    fill(words.actBy, values),
    '',
    ...(inbox ? [words.read, plainText(inbox.text)] : []),
    ...(support.length
      ? ['', words.support, ...support.map((s) => plainText(typeof s === 'string' ? s : s.text))]
      : []),
    '',
    words.footer,
  ];
  const htmlValues = { id: escapeHtml(values.id), date: escapeHtml(values.date) };
  const html = [
    `<!DOCTYPE html><html lang="${escapeHtml(locale)}"><head><meta charset="utf-8"><title>${escapeHtml(subject)}</title></head><body>`,
    `<p>${fill(escapeHtml(words.intro), htmlValues)}</p>`,
    `<p><strong>${fill(escapeHtml(words.actBy), htmlValues)}</strong></p>`,
    inbox ? `<p>${escapeHtml(words.read)} ${linkHtml(inbox)}</p>` : '',
    support.length
      ? `<p>${escapeHtml(words.support)}<br>${support.map((s) => (typeof s === 'string' ? escapeHtml(s) : linkHtml(s))).join('<br>')}</p>`
      : '',
    `<p><small>${escapeHtml(words.footer)}</small></p>`,
    '</body></html>',
  ].join('\n');
  return { subject, html, text: textLines.join('\n') };
}
