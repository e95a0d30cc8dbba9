/**
 * The draft notification of an incident to the supervisory authority (GDPR Art. 33(3)), written
 * from what the service knows: the incident and its 72-hour clock, its data sets' scope reports
 * (unique counts after deduplication, never lines), its campaigns' analyses and sending, and the
 * operator's own en-US words. A piece that is missing is a visible "[to be completed: …]", never a
 * silent gap. Pure: no database, no Nest.
 *
 * The operator's words are quoted blocks of their own: in the Markdown an unclosed code fence or a
 * heading inside them ends with the quote, and the HTML renders each block separately with the
 * notices' renderer (raw HTML off, links only to http(s) and mailto), so nothing they hold can
 * reach the structure around them.
 */
import { createHash } from 'node:crypto';
import { renderMarkdown, type IncidentSections } from '../notices/incident-words.js';
import type { NotificationClock } from './notification-clock.js';

/** A data set's scope report, as `datasets show` gives it (null before the ingest finished). */
export interface ReportScope {
  lines: number;
  records: number;
  quarantined: number;
  uniqueItems: number;
  uniqueEmailAddresses: number;
  uniquePeople: number;
  uniquePhoneNumbers: number;
  phoneNumbersNotValid?: number;
  uniqueFiles: number;
  uniqueProjects: number;
}

export interface ReportDataset {
  datasetId: string;
  name: string;
  status: string;
  scope: ReportScope | null;
}

export interface ReportCampaign {
  campaignId: string;
  title: string;
  status: string;
  datasetId: string;
  /** null until the campaign was analyzed */
  analysis: {
    tenants: { affected: number; notAffected: number; needsReview: number };
    /** unique items (after deduplication) touching at least one affected tenant */
    affectedItems: number;
    /** each data category named for affected tenants, with how many of them */
    categories: { category: string; tenants: number }[];
  } | null;
  sending: {
    noticesPosted: number;
    noticesExpected: number;
    emailsSent: number;
    emailsFailed: number;
    emailsPending: number;
  };
}

export interface ReportFacts {
  incident: { incidentId: string; title: string; awareAt: string | null };
  clock: NotificationClock;
  /** the operator's en-US words, or null when there are none */
  words: IncidentSections | null;
  datasets: ReportDataset[];
  campaigns: ReportCampaign[];
  generatedAt: string;
}

/** One part of the report: written here, or the operator's words (quoted, rendered on their own). */
interface Block {
  markdown: string;
}

/** Text placed inside generated Markdown: one line, with every character that could start markup escaped. */
export function markdownText(value: string): string {
  return value
    .replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]+/g, ' ')
    .replace(/\s+/g, ' ')
    .trim()
    .replace(/[\\`*_[\]<>&!|~#]/g, (c) => `\\${c}`);
}

/** A visible gap the operator has to fill before the notification is sent. */
export const toBeCompleted = (what: string) => `**\\[to be completed: ${what}\\]**`;

const n = (value: number) => value.toLocaleString('en-US');

/** The operator's Markdown as a quoted block: whatever it holds ends where the quote ends. */
function quoted(markdown: string): string {
  return markdown
    .replace(/\r\n?/g, '\n')
    .split('\n')
    .map((l) => (l.trim() === '' ? '>' : `> ${l}`))
    .join('\n');
}

function section(title: string, body: string): Block {
  return { markdown: `## ${title}\n\n${body}` };
}

function words(facts: ReportFacts, key: keyof IncidentSections, missing: string): Block {
  if (!facts.words)
    return { markdown: toBeCompleted(`${missing} (the incident has no en-US words: \`incidents text\`)`) };
  return { markdown: quoted(facts.words[key]) };
}

function clockBlock(facts: ReportFacts): Block[] {
  const c = facts.clock;
  const lines = [
    `- Aware since: ${c.awareAt ?? toBeCompleted('when the provider became aware of the breach (the incident has no awareAt)')}`,
    `- Deadline (72 hours after awareness, GDPR Art. 33(1)): ${c.deadline ?? 'unknown: the 72-hour clock cannot run without an aware-at time'}`,
    `- Status: ${markdownText(c.summary)}`,
  ];
  if (c.filings.length) {
    lines.push('- Notifications filed with the supervisory authority:');
    for (const f of c.filings) lines.push(`  - ${f.filedAt}: ${markdownText(f.reference)}`);
  }
  const blocks = [section('Notification deadline', lines.join('\n'))];
  if (c.warning) blocks.push({ markdown: `**Warning:** ${markdownText(c.warning)}` });
  if (c.state === 'overdue' || c.state === 'filedLate')
    blocks.push({ markdown: toBeCompleted('the reasons for the delay (GDPR Art. 33(1))') });
  return blocks;
}

/** The data sets' unique counts added up; null when any data set has no scope report yet. */
function totals(datasets: readonly ReportDataset[]) {
  if (!datasets.length || datasets.some((d) => !d.scope)) return null;
  const sum = (k: keyof ReportScope) => datasets.reduce((t, d) => t + (d.scope![k] ?? 0), 0);
  return {
    lines: sum('lines'),
    uniqueItems: sum('uniqueItems'),
    uniquePeople: sum('uniquePeople'),
    uniqueEmailAddresses: sum('uniqueEmailAddresses'),
    uniquePhoneNumbers: sum('uniquePhoneNumbers'),
    uniqueFiles: sum('uniqueFiles'),
  };
}

function natureBlocks(facts: ReportFacts): Block[] {
  const out: Block[] = [
    section('1. Nature of the breach (Art. 33(3)(a))', "In the controller's words:"),
    words(facts, 'summary', 'what happened'),
  ];
  const t = totals(facts.datasets);
  const across =
    facts.datasets.length > 1
      ? ` (added up over ${facts.datasets.length} data sets: someone in two data sets counts in each)`
      : '';
  const approx = [
    '### Approximate numbers',
    '',
    t
      ? `- Data subjects concerned: approximately **${n(t.uniquePeople)}** people named in the exposed records${across}.`
      : `- Data subjects concerned: ${toBeCompleted(facts.datasets.length ? 'a data set has no scope report yet' : 'the incident has no data set yet (a campaign names its data set)')}`,
    t
      ? `- Personal data records concerned: approximately **${n(t.uniqueItems)}** unique items (records after deduplication), read from ${n(t.lines)} lines${across}.`
      : `- Personal data records concerned: ${toBeCompleted('the unique items of every data set')}`,
    '',
    'Every number here counts unique things after deduplication, never lines: copies of the same item (backup folders, case and spacing variants, line-ending differences, replies and forwards quoting an earlier message) count once; a person counts once per email address, else per name and phone number, else per name; an email address once after case-folding and normalizing its domain; a phone number once in its international form; a file once per SHA-256 hash, else per file name.',
  ];
  out.push({ markdown: approx.join('\n') });
  out.push({ markdown: categoriesBlock(facts) });
  out.push({ markdown: datasetsBlock(facts) });
  return out;
}

function categoriesBlock(facts: ReportFacts): string {
  const analyzed = facts.campaigns.filter((c) => c.analysis);
  const head = '### Categories of personal data';
  if (!analyzed.length)
    return `${head}\n\n${toBeCompleted('the categories of personal data (no campaign of the incident is analyzed yet: `campaigns analyze`)')}`;
  const byCategory = new Map<string, number>();
  for (const c of analyzed)
    for (const k of c.analysis!.categories) byCategory.set(k.category, (byCategory.get(k.category) ?? 0) + k.tenants);
  const lines = [...byCategory.entries()].map(
    ([k, v]) => `- ${markdownText(k)}: for ${n(v)} affected customer organization(s)`,
  );
  const pending = facts.campaigns.length - analyzed.length;
  return [
    head,
    '',
    lines.length ? lines.join('\n') : '- none named for an affected customer organization',
    ...(pending ? ['', toBeCompleted(`the categories of ${pending} campaign(s) not analyzed yet`)] : []),
    '',
    'Categories of data subjects: people named in the exposed records of the affected customer organizations (their staff and business contacts).',
  ].join('\n');
}

function datasetsBlock(facts: ReportFacts): string {
  const head = '### Data sets (scope reports)';
  if (!facts.datasets.length) return `${head}\n\n${toBeCompleted('the data sets of the incident (none yet)')}`;
  const rows = facts.datasets.map((d) => {
    const s = d.scope;
    if (!s)
      return `| ${markdownText(d.name)} | ${markdownText(d.status)} | ${toBeCompleted('scope report')} | | | | | |`;
    const phones = s.phoneNumbersNotValid
      ? `${n(s.uniquePhoneNumbers)} (${n(s.phoneNumbersNotValid)} not valid)`
      : n(s.uniquePhoneNumbers);
    return `| ${markdownText(d.name)} | ${n(s.lines)} lines, ${n(s.quarantined)} quarantined | ${n(s.uniqueItems)} | ${n(s.uniquePeople)} | ${n(s.uniqueEmailAddresses)} | ${phones} | ${n(s.uniqueFiles)} | ${n(s.uniqueProjects)} |`;
  });
  return [
    head,
    '',
    '| Data set | Read | Unique items | Unique people | Unique email addresses | Unique phone numbers | Unique files | Unique projects |',
    // no alignment markers: markdown-it writes them as style attributes, which the page's policy refuses
    '| --- | --- | --- | --- | --- | --- | --- | --- |',
    ...rows,
  ].join('\n');
}

function campaignsBlock(facts: ReportFacts): Block {
  const head = '## Affected customers and their notification';
  if (!facts.campaigns.length)
    return { markdown: `${head}\n\n${toBeCompleted('the campaigns notifying the affected customers (none yet)')}` };
  const lines = facts.campaigns.map((c) => {
    const a = c.analysis;
    const s = c.sending;
    const analysis = a
      ? `${n(a.tenants.affected)} customer organization(s) affected, ${n(a.tenants.needsReview)} still in review, ${n(a.tenants.notAffected)} not affected; ${n(a.affectedItems)} unique items touch an affected organization`
      : toBeCompleted('the analysis (`campaigns analyze`)');
    const sending = `notices posted to ${n(s.noticesPosted)} of ${n(s.noticesExpected)} affected organization(s); emails sent ${n(s.emailsSent)}, failed ${n(s.emailsFailed)}, pending ${n(s.emailsPending)}`;
    return `- ${markdownText(c.title)} (campaign ${c.campaignId}, status ${markdownText(c.status)}): ${analysis}; ${sending}.`;
  });
  return { markdown: `${head}\n\n${lines.join('\n')}` };
}

/** The report as Markdown blocks, in the order of Art. 33(3). */
function blocks(facts: ReportFacts): Block[] {
  const i = facts.incident;
  return [
    {
      markdown: [
        `# Draft notification to the supervisory authority: ${markdownText(i.title)}`,
        '',
        `Personal data breach notification under GDPR Art. 33. Incident ${i.incidentId}; draft generated ${facts.generatedAt}. Review every part before it is sent.`,
      ].join('\n'),
    },
    ...clockBlock(facts),
    ...natureBlocks(facts),
    section(
      '2. Contact point (Art. 33(3)(b))',
      'Name and contact details of the data protection officer or other contact point:',
    ),
    words(facts, 'contact', 'the contact point'),
    section('3. Likely consequences (Art. 33(3)(c))', "In the controller's words:"),
    words(facts, 'consequences', 'the likely consequences'),
    section('4. Measures taken or proposed (Art. 33(3)(d))', "In the controller's words:"),
    words(facts, 'measures', 'the measures taken or proposed'),
    { markdown: 'Recommended to the affected customers, to mitigate possible adverse effects:' },
    words(facts, 'actions', 'what the affected customers should do'),
    campaignsBlock(facts),
  ];
}

/** The draft as one Markdown document. */
export function reportMarkdown(facts: ReportFacts): string {
  return `${blocks(facts)
    .map((b) => b.markdown)
    .join('\n\n')}\n`;
}

/** A stylesheet that prints well; inline, so the page stands alone, and allowed by its hash only. */
const STYLE = [
  'body{font:11pt/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:#111;margin:0}',
  'main{max-width:48rem;margin:2rem auto;padding:0 1rem}',
  'h1{font-size:1.5rem}h2{font-size:1.2rem;margin-top:2rem;border-bottom:1px solid #ccc}h3{font-size:1.05rem}',
  'blockquote{margin:0.5rem 0;padding:0.25rem 1rem;border-left:4px solid #888;background:#f6f6f6}',
  'table{border-collapse:collapse;font-size:0.9rem}th,td{border:1px solid #bbb;padding:0.25rem 0.5rem}td+td+td{text-align:right}',
  'strong{font-weight:600}a{color:#0645ad}',
  '@media print{main{margin:0;max-width:none}a{color:inherit}h2{break-after:avoid}}',
].join('');

const STYLE_HASH = `sha256-${createHash('sha256').update(STYLE, 'utf8').digest('base64')}`;

/** The policy the page declares and the API sends with it: its own inline stylesheet, nothing else. */
export const REPORT_CSP = [
  "default-src 'none'",
  `style-src '${STYLE_HASH}'`,
  "base-uri 'none'",
  "form-action 'none'",
].join('; ');

const escapeHtml = (s: string) =>
  s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

/**
 * The draft as a standalone printable HTML page: each block rendered on its own by the notices'
 * Markdown renderer, no script, a stylesheet allowed by its hash (REPORT_CSP).
 */
export function reportHtml(facts: ReportFacts): string {
  const body = blocks(facts)
    .map((b) => renderMarkdown(b.markdown))
    .join('');
  return [
    '<!DOCTYPE html>',
    '<html lang="en">',
    '<head>',
    '<meta charset="utf-8">',
    `<meta http-equiv="Content-Security-Policy" content="${REPORT_CSP}">`,
    '<meta name="referrer" content="no-referrer">',
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    `<title>Draft notification: ${escapeHtml(facts.incident.title)}</title>`,
    `<style>${STYLE}</style>`,
    '</head>',
    '<body>',
    `<main>${body}</main>`,
    '</body>',
    '</html>',
    '',
  ].join('\n');
}
