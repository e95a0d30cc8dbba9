import { createHash } from 'node:crypto';
import MailComposer from 'nodemailer/lib/mail-composer';

/**
 * One multipart/alternative message (plain text first, HTML last, as readers prefer the last part
 * they understand) as RFC 5322 text, written by nodemailer's MailComposer: quoted-printable bodies
 * so the files stay readable, RFC 2047 encoded words for non-ASCII headers, folded lines.
 */
export interface EmlInput {
  from: string;
  to: { address: string; displayName?: string };
  subject: string;
  text: string;
  html: string;
  messageId: string;
  date: Date;
  headers?: Record<string, string>;
}

/** Headers the writer owns: a custom header may not replace them. */
const RESERVED = new Set([
  'from',
  'to',
  'cc',
  'bcc',
  'subject',
  'date',
  'message-id',
  'mime-version',
  'sender',
  'reply-to',
  'content-type',
  'content-transfer-encoding',
  'return-path',
  'received',
]);

const FIELD_NAME = /^[!-9;-~]+$/; // printable ASCII except ':' (RFC 5322 ftext)

/**
 * MailComposer already turns CR/LF in a subject or header value into spaces, and encodes them in a
 * display name, where no header can be added either, but then a reader shows the name with a line
 * break (tried with postal-mime: `Eve\r\nBcc: …` came back as the name). Collapsed here, for names.
 */
const oneLine = (s: string) => s.replace(/[\r\n]+/g, ' ');

/** The message as CRLF text; throws on a custom header that is malformed or that the writer owns. */
export async function buildEml(m: EmlInput): Promise<string> {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(m.headers ?? {})) {
    if (!FIELD_NAME.test(name)) throw new Error(`invalid header name: ${JSON.stringify(name)}`);
    if (RESERVED.has(name.toLowerCase()))
      throw new Error(`header ${name} is set by the mailer and cannot be overridden`);
    headers[name] = value;
  }
  const composer = new MailComposer({
    from: m.from,
    to: { address: m.to.address.trim(), name: oneLine(m.to.displayName ?? '') },
    subject: m.subject,
    // as Buffers: MailComposer leaves out a part whose string is empty, and both parts are always written
    text: Buffer.from(m.text, 'utf8'),
    html: Buffer.from(m.html, 'utf8'),
    messageId: m.messageId,
    date: m.date,
    headers,
    // bodies are ours and inline: nothing may be read from a path or a URL
    disableFileAccess: true,
    disableUrlAccess: true,
    encoding: 'quoted-printable',
    newline: 'win',
    // the same message gives the same file
    baseBoundary: createHash('sha256').update(m.messageId).digest('hex').slice(0, 24),
    boundaryPrefix: '=_alt',
  });
  return (await composer.compile().build()).toString('utf8');
}
