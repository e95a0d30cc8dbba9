/**
 * Splits an email body into the sender's own text and the earlier message it quotes, so that a
 * reply or forward can join the cluster of the message it carries (docs/deduplication.md).
 */

export interface MessageParts {
  /** the body without quoted text and signature, folded (spacing collapsed, case-folded) */
  own: string;
  /** the quoted earlier message's own text, folded; '' when nothing is quoted */
  quoted: string;
}

const REPLY_HEADER = /^on\b.{0,300}\bwrote:\s*$/i;
const GERMAN_REPLY_HEADER = /^am\b.{0,300}\bschrieb\b.{0,200}:\s*$/i;
const FORWARD_MARKERS = [
  /^-{2,}\s*original message\s*-{2,}$/i,
  /^-{2,}\s*forwarded message\s*-{2,}$/i,
  /^-{2,}\s*ursprüngliche nachricht\s*-{2,}$/i,
  /^begin forwarded message:?$/i,
];
const HEADER_LINE = /^(from|sent|date|to|cc|bcc|subject|von|gesendet|an|betreff|datum)\s*:/i;
const SIGNATURE_START = [/^--\s*$/, /^sent from my\b/i, /^get outlook for\b/i, /^von meinem .* gesendet$/i];

// The fast paths below skip a replace that would change nothing: a global replace rebuilds the
// string even then, and these run several times per record of a data set.

/** CRLF/CR to LF, trailing spaces per line removed. */
export function normalizeNewlines(text: string): string {
  // `$` with the m flag also ends a line before U+2028/U+2029
  const clean =
    !text.includes('\r') &&
    !text.includes('\t') &&
    !text.includes(' \n') &&
    !text.endsWith(' ') &&
    !text.includes('\u2028') &&
    !text.includes('\u2029');
  return clean ? text : text.replace(/\r\n?/g, '\n').replace(/[ \t]+$/gm, '');
}

/** Any whitespace other than a single space. */
const UNUSUAL_SPACING = /[^\S ]| {2}/;
const NON_ASCII = /[^\x00-\x7f]/;

/** Spacing collapsed, case-folded, NFKC: the form texts are compared in. */
export function foldText(text: string): string {
  const nfkc = NON_ASCII.test(text) ? text.normalize('NFKC') : text;
  return (UNUSUAL_SPACING.test(nfkc) ? nfkc.replace(/\s+/g, ' ') : nfkc).trim().toLowerCase();
}

/** Index into SIGNATURE_START of the pattern a trimmed line can match, by its first character. */
function signatureCandidate(c: number): number {
  if (c === 0x2d) return 0; // -
  const lower = c | 0x20;
  return lower === 0x73 ? 1 : lower === 0x67 ? 2 : lower === 0x76 ? 3 : -1; // s, g, v
}

function stripSignature(lines: string[]): string[] {
  for (let i = 0; i < lines.length; i++) {
    // Every pattern is anchored at a letter or '-': if the line as written matches, its trimmed
    // form does too, so the trimmed form alone decides.
    const l = lines[i]!.trim();
    const k = signatureCandidate(l.charCodeAt(0));
    if (k >= 0 && SIGNATURE_START[k]!.test(l)) return lines.slice(0, i);
  }
  return lines;
}

function dropHeaderBlock(lines: string[]): string[] {
  let i = 0;
  while (i < lines.length && (lines[i]!.trim() === '' || HEADER_LINE.test(lines[i]!.trim()))) i++;
  return lines.slice(i);
}

/** Own text and quoted text of a message body. */
export function splitMessage(body: string): MessageParts {
  const lines = normalizeNewlines(body).split('\n');
  let cut = lines.length;
  let quotedLines: string[] = [];
  for (let i = 0; i < lines.length; i++) {
    const t = lines[i]!.trim();
    // the patterns start with a fixed ASCII letter or '-' (case-insensitive only for ASCII)
    const c = t.charCodeAt(0);
    const lower = c | 0x20;
    if ((lower === 0x6f && REPLY_HEADER.test(t)) || (lower === 0x61 && GERMAN_REPLY_HEADER.test(t))) {
      cut = i;
      quotedLines = lines.slice(i + 1).map(unquote);
      break;
    }
    if ((c === 0x2d || lower === 0x62) && FORWARD_MARKERS.some((re) => re.test(t))) {
      cut = i;
      quotedLines = dropHeaderBlock(lines.slice(i + 1).map(unquote));
      break;
    }
    if (t.startsWith('>')) {
      cut = i;
      quotedLines = lines
        .slice(i)
        .filter((l) => l.trim().startsWith('>'))
        .map(unquote);
      break;
    }
  }
  const own = foldText(stripSignature(lines.slice(0, cut)).join('\n'));
  // The quoted message may itself be a reply: its own part is what it is matched on.
  const quoted = quotedLines.length ? splitMessage(quotedLines.join('\n')).own : '';
  return { own, quoted };
}

function unquote(line: string): string {
  return line.replace(/^\s?>\s?/, '');
}

export function wordCount(folded: string): number {
  if (!folded) return 0;
  let n = 1;
  for (let i = 0; i < folded.length; i++) if (folded.charCodeAt(i) === 32) n++;
  return n;
}
