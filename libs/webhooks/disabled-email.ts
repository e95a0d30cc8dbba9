/** HTML-escapes text for the email body (the URL and the reason come from the tenant and its endpoint). */
const esc = (s: string) =>
  s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

/**
 * The one email a tenant's privileged admins get when one of their webhook endpoints is disabled:
 * which endpoint, the last failure, and where to turn it back on. English only (the endpoint's
 * own settings are English too); no exposed data.
 */
export function disabledEmail(v: {
  tenantName: string;
  url: string;
  reason: string;
  inboxUrl: string;
  afterMs: number;
}): {
  subject: string;
  html: string;
  text: string;
} {
  const reason = v.reason.slice(0, 300);
  const who = v.tenantName ? ` of ${v.tenantName}` : '';
  const span =
    v.afterMs >= 3_600_000 ? `${Math.round(v.afterMs / 3_600_000)} hours` : `${Math.round(v.afterMs / 1000)} seconds`;
  const text = [
    `A webhook endpoint${who} has been disabled because its deliveries failed without a success for ${span}:`,
    '',
    `  ${v.url}`,
    '',
    `Last failure: ${reason}`,
    '',
    `Nothing more is sent to it until it is enabled again in the message center (${v.inboxUrl}, "Webhooks").`,
  ].join('\n');
  const html = `<p>A webhook endpoint${esc(who)} has been disabled because its deliveries failed without a success for ${span}:</p>
<p><code>${esc(v.url)}</code></p>
<p>Last failure: ${esc(reason)}</p>
<p>Nothing more is sent to it until it is enabled again in the <a href="${esc(v.inboxUrl)}">message center</a> ("Webhooks").</p>`;
  return { subject: 'A webhook endpoint was disabled', html, text };
}
