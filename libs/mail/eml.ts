import { createHash } from 'node:crypto';

/**
 * A minimal RFC 5322 / MIME writer for one multipart/alternative message (plain text first,
 * HTML last, as readers prefer the last part they understand). Bodies are quoted-printable so
 * the files stay readable; headers with non-ASCII text use RFC 2047 encoded words.
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

const CRLF = '\r\n';

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
const PRINTABLE_ASCII = /^[\x20-\x7e]*$/;

/** Collapses CR/LF so a value can never start a new header line. */
const oneLine = (s: string) => s.replace(/[\r\n]+/g, ' ');

/** RFC 2047 B-encoded words of whole code points; at most 39 UTF-8 bytes each keeps a word at 64 characters. */
function encodedWords(value: string): string[] {
  const words: string[] = [];
  let chunk = '';
  for (const ch of value) {
    if (chunk && Buffer.byteLength(chunk + ch, 'utf8') > 39) {
      words.push(chunk);
      chunk = '';
    }
    chunk += ch;
  }
  if (chunk) words.push(chunk);
  return words.map((w) => `=?UTF-8?B?${Buffer.from(w, 'utf8').toString('base64')}?=`);
}

/** `Name: tokens...` folded (CRLF + space) before a token that would pass 78 characters. */
function fold(name: string, tokens: string[]): string {
  const lines: string[] = [];
  let line = `${name}:`;
  for (const t of tokens) {
    if (line.length + 1 + t.length > 78 && line.length > name.length + 1) {
      lines.push(line);
      line = '';
    }
    line += ` ${t}`;
  }
  lines.push(line);
  return lines.join(CRLF);
}

/** Unstructured header text: plain when it is printable ASCII, encoded words otherwise. */
function unstructured(name: string, value: string): string {
  const v = oneLine(value);
  if (!PRINTABLE_ASCII.test(v) || /=\?/.test(v)) return fold(name, encodedWords(v));
  return fold(name, v.split(' '));
}

function mailbox(name: string, address: string, displayName?: string): string {
  const addr = oneLine(address).trim();
  if (!displayName) return fold(name, [addr]);
  const display = oneLine(displayName);
  if (!PRINTABLE_ASCII.test(display)) return fold(name, [...encodedWords(display), `<${addr}>`]);
  return fold(name, [`"${display.replace(/(["\\])/g, '\\$1')}"`, `<${addr}>`]);
}

/** RFC 5322 date-time in UTC, e.g. `Sat, 28 Nov 2026 18:20:55 +0000`. */
export function rfc5322Date(d: Date): string {
  return d.toUTCString().replace(/GMT$/, '+0000');
}

/** Quoted-printable (RFC 2045 §6.7) of UTF-8 text with CRLF line breaks and lines of at most 76 characters. */
export function quotedPrintable(text: string): string {
  const hex = (b: number) => `=${b.toString(16).toUpperCase().padStart(2, '0')}`;
  return text
    .replace(/\r\n|\r|\n/g, '\n')
    .split('\n')
    .map((line) => {
      const bytes = Buffer.from(line, 'utf8');
      const tokens: string[] = [];
      bytes.forEach((b, i) => {
        const last = i === bytes.length - 1;
        if ((b === 0x20 || b === 0x09) && last)
          tokens.push(hex(b)); // trailing white space would be stripped in transit
        else if ((b >= 33 && b <= 126 && b !== 61) || b === 0x20 || b === 0x09) tokens.push(String.fromCharCode(b));
        else tokens.push(hex(b));
      });
      const out: string[] = [];
      let cur = '';
      for (const t of tokens) {
        if (cur.length + t.length > 75) {
          out.push(`${cur}=`); // soft line break; never splits an =XX triplet
          cur = '';
        }
        cur += t;
      }
      out.push(cur);
      return out.join(CRLF);
    })
    .join(CRLF);
}

export function buildEml(m: EmlInput): string {
  // '=_' cannot occur in quoted-printable output, so this boundary cannot collide with the body
  const boundary = `=_alt_${createHash('sha256').update(m.messageId).digest('hex').slice(0, 24)}`;
  const head = [
    mailbox('From', m.from),
    mailbox('To', m.to.address, m.to.displayName),
    unstructured('Subject', m.subject),
    `Date: ${rfc5322Date(m.date)}`,
    `Message-ID: ${m.messageId}`,
    'MIME-Version: 1.0',
  ];
  for (const [name, value] of Object.entries(m.headers ?? {})) {
    if (!FIELD_NAME.test(name)) throw new Error(`invalid header name: ${JSON.stringify(name)}`);
    if (RESERVED.has(name.toLowerCase()))
      throw new Error(`header ${name} is set by the mailer and cannot be overridden`);
    head.push(unstructured(name, value));
  }
  head.push(`Content-Type: multipart/alternative;${CRLF} boundary="${boundary}"`);
  const part = (type: string, body: string) =>
    [
      `--${boundary}`,
      `Content-Type: ${type}; charset=utf-8`,
      'Content-Transfer-Encoding: quoted-printable',
      '',
      quotedPrintable(body),
    ].join(CRLF);
  return [
    ...head,
    '',
    'This is a multi-part message in MIME format.',
    '',
    part('text/plain', m.text),
    part('text/html', m.html),
    `--${boundary}--`,
    '',
  ].join(CRLF);
}
