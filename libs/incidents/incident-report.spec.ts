import { createHash } from 'node:crypto';
import { markdownText, REPORT_CSP, reportHtml, reportMarkdown, type ReportFacts } from './incident-report.js';
import { notificationClock } from './notification-clock.js';

const AWARE = new Date('2026-11-01T08:00:00Z');
const WORDS = {
  summary: 'A storage endpoint answered **without authentication**.',
  consequences: 'Names and business email addresses could be read.',
  measures: '- We closed the endpoint.\n- We rotated its keys.',
  actions: 'Be alert to phishing.',
  contact: 'Data-protection officer: <dpo@example.com>',
};

function facts(over: Partial<ReportFacts> = {}): ReportFacts {
  return {
    incident: {
      incidentId: '0d9f3c52-7d5e-4d3c-9a51-3b1e2f4a5c6d',
      title: 'Open endpoint',
      awareAt: AWARE.toISOString(),
    },
    clock: notificationClock(AWARE, [], new Date('2026-11-02T08:00:00Z')),
    words: WORDS,
    datasets: [
      {
        datasetId: 'd1',
        name: 'endpoint dump',
        status: 'ready',
        scope: {
          lines: 3767,
          records: 3760,
          quarantined: 7,
          uniqueItems: 921,
          uniqueEmailAddresses: 812,
          uniquePeople: 790,
          uniquePhoneNumbers: 640,
          phoneNumbersNotValid: 3,
          uniqueFiles: 310,
          uniqueProjects: 150,
        },
      },
    ],
    campaigns: [
      {
        campaignId: 'c1',
        title: 'Endpoint notice',
        status: 'completed',
        datasetId: 'd1',
        analysis: {
          tenants: { affected: 126, notAffected: 294, needsReview: 3 },
          affectedItems: 880,
          categories: [
            { category: 'Names', tenants: 120 },
            { category: 'Email addresses', tenants: 126 },
          ],
        },
        sending: { noticesPosted: 126, noticesExpected: 126, emailsSent: 250, emailsFailed: 2, emailsPending: 0 },
      },
    ],
    generatedAt: '2026-11-02T08:00:00.000Z',
    ...over,
  };
}

describe('the draft notification to the supervisory authority', () => {
  it('gives approximate numbers as unique counts after deduplication, never the lines read, and says how they were counted', () => {
    const md = reportMarkdown(facts());
    expect(md).toContain('Data subjects concerned: approximately **790** people');
    expect(md).toContain('approximately **921** unique items (records after deduplication), read from 3,767 lines');
    expect(md).not.toMatch(/approximately \*\*3,?7[66][07]\*\*/);
    expect(md).toContain('never lines');
    expect(md).toContain(
      '| endpoint dump | 3,767 lines, 7 quarantined | 921 | 790 | 812 | 640 (3 not valid) | 310 | 150 |',
    );
    expect(md).toContain('- Email addresses: for 126 affected customer organization(s)');
    expect(md).toContain(
      '126 customer organization(s) affected, 3 still in review, 294 not affected; 880 unique items',
    );
    expect(md).toContain('notices posted to 126 of 126 affected organization(s); emails sent 250, failed 2, pending 0');
    expect(md).not.toContain('to be completed');
  });

  it('adds the data sets up and says so when there are several', () => {
    const one = facts().datasets[0]!;
    const md = reportMarkdown(facts({ datasets: [one, { ...one, datasetId: 'd2', name: 'second' }] }));
    expect(md).toContain('approximately **1,580** people named in the exposed records (added up over 2 data sets');
    expect(md).toContain('approximately **1,842** unique items');
  });

  it('shows the clock: deadline, time left, filings, and the reasons for a delay as a gap to fill', () => {
    expect(reportMarkdown(facts())).toContain(
      '- Deadline (72 hours after awareness, GDPR Art. 33(1)): 2026-11-04T08:00:00.000Z',
    );
    const overdue = reportMarkdown(facts({ clock: notificationClock(AWARE, [], new Date('2026-11-05T08:00:00Z')) }));
    expect(overdue).toContain('**Warning:** more than 72 hours since awareness');
    expect(overdue).toContain('**\\[to be completed: the reasons for the delay (GDPR Art. 33(1))\\]**');
    const filed = reportMarkdown(
      facts({
        clock: notificationClock(
          AWARE,
          [{ filedAt: new Date('2026-11-03T08:00:00Z'), reference: 'DPA <2026>' }],
          new Date(),
        ),
      }),
    );
    expect(filed).toContain('  - 2026-11-03T08:00:00.000Z: DPA \\<2026\\>');
    expect(filed).not.toContain('Warning');
    const unknown = reportMarkdown(facts({ clock: notificationClock(null, [], new Date()) }));
    expect(unknown).toContain('unknown: the 72-hour clock cannot run without an aware-at time');
    expect(unknown).toContain('[to be completed: when the provider became aware');
  });

  it('shows every missing piece as a visible placeholder: no words, no analysis, no scope, no data set', () => {
    const md = reportMarkdown(
      facts({
        words: null,
        datasets: [{ datasetId: 'd1', name: 'dump', status: 'ingesting', scope: null }],
        campaigns: [{ ...facts().campaigns[0]!, analysis: null }],
      }),
    );
    for (const gap of [
      'what happened (the incident has no en-US words',
      'the contact point',
      'the likely consequences',
      'the measures taken or proposed',
      'what the affected customers should do',
      'the analysis (`campaigns analyze`)',
      'the categories of personal data (no campaign of the incident is analyzed yet',
      'a data set has no scope report yet',
      'scope report',
    ])
      expect(md).toContain(`[to be completed: ${gap}`);
    const html = reportHtml(facts({ words: null }));
    expect(html).toContain('<strong>[to be completed: the contact point');
    const empty = reportMarkdown(facts({ datasets: [], campaigns: [] }));
    expect(empty).toContain('[to be completed: the data sets of the incident (none yet)\\]');
    expect(empty).toContain('[to be completed: the campaigns notifying the affected customers (none yet)\\]');
  });

  it('keeps hostile Markdown in the words and values inert in the HTML, and inside its quote in the Markdown', () => {
    const hostile = {
      summary: "<script>alert('x')</script> [a trap](javascript:alert(1)) ![pixel](https://tracker.example/p.png)",
      consequences: '```\nunclosed fence swallowing the rest',
      measures: '# A heading of its own\n<img src=x onerror=alert(1)>',
      actions: '[to be completed: x]: https://evil.example/\n<iframe src="https://evil.example"></iframe>',
      contact: '<a href="https://evil.example" onclick="alert(1)">dpo</a> [ok](https://ok.example)',
    };
    const f = facts({
      words: hostile,
      incident: { ...facts().incident, title: '</title><script>alert(2)</script>' },
      datasets: [{ ...facts().datasets[0]!, name: '| broken | [x](javascript:1) <b>' }],
    });
    const html = reportHtml(f);
    expect(html).not.toMatch(/<script|<img|<iframe|href="javascript:|<a href="https:\/\/evil|style="/i);
    // no tag has an event handler attribute (written as text, `onerror=` is inert)
    expect(html.replace(/="[^"]*"/g, '=""')).not.toMatch(/<[^>]*\son\w+=/i);
    expect(html).toContain('&lt;script&gt;alert(');
    expect(html).toContain('<title>Draft notification: &lt;/title&gt;&lt;script&gt;');
    expect(html).toContain('<a href="https://ok.example" rel="noopener noreferrer">ok</a>');
    // the unclosed fence ended with its block: the sections after it are still headings
    expect(html).toContain('<h2>4. Measures taken or proposed (Art. 33(3)(d))</h2>');
    expect(html).toContain('<h2>Affected customers and their notification</h2>');
    // a placeholder cannot be turned into a link by a definition in the words
    expect(html).not.toContain('evil.example/"');
    const md = reportMarkdown(f);
    expect(md).toContain('> ```\n> unclosed fence swallowing the rest');
    expect(md).toContain('> # A heading of its own');
    expect(md).toContain('| \\| broken \\| \\[x\\](javascript:1) \\<b\\> |');
  });

  it('is a standalone page with no script and a policy allowing its own stylesheet by hash only', () => {
    const html = reportHtml(facts());
    expect(html.startsWith('<!DOCTYPE html>\n<html lang="en">')).toBe(true);
    expect(html).not.toMatch(/<script|<link|src=|@import|url\(/i);
    const style = /<style>([\s\S]*?)<\/style>/.exec(html)![1]!;
    const hash = createHash('sha256').update(style, 'utf8').digest('base64');
    expect(REPORT_CSP).toBe(`default-src 'none'; style-src 'sha256-${hash}'; base-uri 'none'; form-action 'none'`);
    expect(html).toContain(`<meta http-equiv="Content-Security-Policy" content="${REPORT_CSP}">`);
    expect(html).toContain('<blockquote>\n<p>A storage endpoint answered <strong>without authentication</strong>.</p>');
  });

  it('escapes every character that could start markup in a value', () => {
    expect(markdownText(' a*b_c `d` [e](f) <g> & h!|~#\n i ')).toBe(
      'a\\*b\\_c \\`d\\` \\[e\\](f) \\<g\\> \\& h\\!\\|\\~\\# i',
    );
  });
});
