import type { AppConfig } from '../config/config.js';
import type { IncidentsService } from '../incidents/incidents.service.js';
import type { MailTransport, OutgoingEmail, SendOutcome } from '../mail/mail-transport.js';
import { Metrics } from '../observability/metrics.js';
import { NoticeRenderer } from '../notices/notice-renderer.js';
import { TemplateEngine } from '../notices/template-engine.js';
import type { CampaignCompletion } from './campaign-completion.js';
import type { NoticesRepository, EmailContext } from '../notices/notices.repository.js';
import type { DispatchQueues } from './dispatch-queues.js';
import type { EvalClient } from './dispatch.send-rate.js';
import type { RecipientsService } from '../recipients/recipients.service.js';
import { EmailJob } from './email-job.js';
import { NoIdentifiedImpactError } from './identified-impact.js';
import { PAUSED_RECHECK_MS } from './step-outcome.js';

const C = '6f1e2d3c-4b5a-4978-8695-a4b3c2d1e0f9';
const OP = '0f4c2b1a-9e8d-4c7b-a6f5-e4d3c2b1a098';

/** A delivery of an affected tenant's GlobalAdmin, waiting to be sent. */
function delivery(
  over: Partial<EmailContext> = {},
  status = 'sending',
  decision: string | null = 'affected',
): EmailContext {
  return {
    id: 7n,
    campaignId: C,
    tenantId: '00000000-0000-4000-8000-000000000001',
    noticeId: 'MC1001',
    address: 'ana@fabrikam.example',
    role: 'GlobalAdmin',
    locale: 'en-US',
    operationId: OP,
    state: 'queued',
    kind: 'notice',
    actionRequiredBy: null,
    noticeRead: false,
    revision: 0,
    campaign: { id: C, status, supportUrl: 'https://support.example.com', supportPhone: null, supportEmail: null },
    decision,
    tenantName: 'Fabrikam',
    ...over,
  };
}

/** The delivery row in memory: the claim before a send and the recorded result. */
class FakeDeliveries {
  row: EmailContext | null = delivery();
  results: { state: string; lastError: string | null; attemptsDelta?: number }[] = [];
  claims = 0;
  emailContext = async () => this.row && { ...this.row };
  updateOfRevision = async () => '5d0c8a52-5a0e-4d5b-9a43-8d1f1e0b7c11';
  claimForSend = async (_id: bigint, from: string[]) => {
    if (!this.row || !from.includes(this.row.state)) return false;
    this.claims++;
    this.row.state = 'sending';
    return true;
  };
  recordSendResult = async (_id: bigint, r: { state: EmailContext['state']; lastError: string | null }) => {
    this.results.push(r);
    if (this.row) this.row.state = r.state;
  };
  recentSendAttempts = async () => [];
}

/** A send-rate log that grants (0) or asks to wait (n ms), and counts releases. */
function rateStore(answer: number) {
  const calls = { released: 0 };
  const client: EvalClient = {
    eval: async (script: string) => {
      if (script.includes("redis.call('TIME')")) return answer;
      if (script.includes("redis.call('ZREM'")) return ++calls.released;
      return 1;
    },
  };
  return { calls, store: { client: async () => client, key: 'test:send-rate' } };
}

function setup(outcome: SendOutcome, opts: { rateWaitMs?: number } = {}) {
  const repo = new FakeDeliveries();
  const sent: OutgoingEmail[] = [];
  const mail: MailTransport = { kind: 'outbox', send: async (e) => (sent.push(e), outcome) };
  const rate = rateStore(opts.rateWaitMs ?? 0);
  const queues = { sendRateStore: () => rate.store } as unknown as DispatchQueues;
  const completion = { touch: () => undefined } as unknown as CampaignCompletion;
  const config = { MAIL_RATE_PER_MINUTE: 30, PUBLIC_BASE_URL: 'https://notify.example.com/' } as AppConfig;
  const job = new EmailJob(
    repo as unknown as NoticesRepository,
    new NoticeRenderer(new TemplateEngine()),
    mail,
    config,
    queues,
    completion,
    new Metrics(),
    // directory contacts only here: a tenant's own recipients are covered by test/recipients.e2e-spec.ts
    { deliveryRefusal: async () => null } as unknown as RecipientsService,
    {
      wordsOfCampaign: async () => new Map(),
      findUpdate: async () => ({ texts: { 'en-US': 'We found **more** records.', 'de-DE': 'Wir fanden mehr.' } }),
    } as unknown as IncidentsService,
  );
  return { job, repo, sent, rate };
}

const ok: SendOutcome = { status: 'succeeded', providerMessageId: 'acs-1' };

describe('EmailJob', () => {
  it('sends once, with the delivery’s deterministic operation id, and records it sent', async () => {
    const s = setup(ok);
    await expect(s.job.sendEmail(7n, false)).resolves.toEqual({ kind: 'done' });
    expect(s.sent).toHaveLength(1);
    expect(s.sent[0]).toMatchObject({ operationId: OP, to: { address: 'ana@fabrikam.example' } });
    expect(s.sent[0]!.html).toContain('https://notify.example.com/inbox');
    expect(s.sent[0]!.text).toContain('MC1001');
    expect(s.repo.results).toEqual([expect.objectContaining({ state: 'sent', lastError: null })]);
    // the job again (a duplicate delivery of the same job): the row says sent, nothing goes out
    await expect(s.job.sendEmail(7n, false)).resolves.toEqual({ kind: 'skipped', reason: 'already sent' });
    expect(s.sent).toHaveLength(1);
  });

  it.each(['not_affected', 'needs_review', null])(
    'never mails a tenant whose decision is %s, even with a delivery row',
    async (decision) => {
      const s = setup(ok);
      s.repo.row = delivery({}, 'sending', decision);
      await expect(s.job.sendEmail(7n, false)).rejects.toBeInstanceOf(NoIdentifiedImpactError);
      expect(s.sent).toEqual([]);
      expect(s.repo.claims).toBe(0);
    },
  );

  it('never mails a contact whose role may not read data-privacy notices', async () => {
    const s = setup(ok);
    s.repo.row = delivery({ role: 'BillingAdmin' });
    await expect(s.job.sendEmail(7n, false)).resolves.toMatchObject({ kind: 'permanent' });
    expect(s.sent).toEqual([]);
  });

  it('retries a transient failure, keeping the row retrying', async () => {
    const s = setup({ status: 'failed', permanent: false, reason: 'connection reset' });
    await expect(s.job.sendEmail(7n, false)).resolves.toEqual({ kind: 'retry', reason: 'connection reset' });
    expect(s.repo.results).toEqual([{ state: 'retrying', lastError: 'connection reset' }]);
  });

  it('fails a delivery for good on a permanent failure, or a transient one on the last attempt', async () => {
    const permanent = setup({ status: 'failed', permanent: true, reason: 'recipient refused' });
    await expect(permanent.job.sendEmail(7n, false)).resolves.toEqual({
      kind: 'permanent',
      reason: 'recipient refused',
    });
    expect(permanent.repo.results).toEqual([{ state: 'failed', lastError: 'recipient refused' }]);
    const last = setup({ status: 'failed', permanent: false, reason: 'timeout' });
    await expect(last.job.sendEmail(7n, true)).resolves.toEqual({ kind: 'permanent', reason: 'timeout' });
    expect(last.repo.results).toEqual([{ state: 'failed', lastError: 'timeout' }]);
  });

  it('a provider throttle is no attempt: the slot is given back and the queue waits the Retry-After', async () => {
    const s = setup({ status: 'throttled', retryAfterMs: 30_000, reason: '429' });
    await expect(s.job.sendEmail(7n, false)).resolves.toEqual({ kind: 'throttled', ms: 30_000 });
    expect(s.rate.calls.released).toBe(1);
    expect(s.repo.results).toEqual([{ state: 'retrying', lastError: '429', attemptsDelta: -1 }]);
  });

  it('waits for the send rate before claiming or sending anything', async () => {
    const s = setup(ok, { rateWaitMs: 1200 });
    await expect(s.job.sendEmail(7n, false)).resolves.toEqual({ kind: 'throttled', ms: 1200 });
    expect(s.repo.claims).toBe(0);
    expect(s.sent).toEqual([]);
  });

  it('sends nothing for a paused, cancelled or vanished campaign, a finished or missing delivery, or a lost claim', async () => {
    const s = setup(ok);
    s.repo.row = delivery({}, 'paused');
    await expect(s.job.sendEmail(7n, false)).resolves.toEqual({ kind: 'deferred', ms: PAUSED_RECHECK_MS });
    s.repo.row = delivery({}, 'cancelled');
    await expect(s.job.sendEmail(7n, false)).resolves.toEqual({ kind: 'skipped', reason: 'campaign is cancelled' });
    s.repo.row = delivery({ campaign: null });
    await expect(s.job.sendEmail(7n, false)).resolves.toEqual({ kind: 'skipped', reason: 'campaign gone' });
    s.repo.row = delivery({ state: 'failed' });
    await expect(s.job.sendEmail(7n, false)).resolves.toEqual({ kind: 'skipped', reason: 'already failed' });
    s.repo.row = null;
    await expect(s.job.sendEmail(7n, false)).resolves.toEqual({ kind: 'skipped', reason: 'delivery gone' });
    // another worker finished it between the read and the claim
    s.repo.row = delivery();
    s.repo.claimForSend = async () => false;
    await expect(s.job.sendEmail(7n, false)).resolves.toEqual({ kind: 'skipped', reason: 'finished meanwhile' });
    expect(s.sent).toEqual([]);
  });

  describe('a reminder', () => {
    const soon = new Date(Date.now() + 86_400_000);
    const reminder = (over: Partial<EmailContext> = {}, status = 'completed') =>
      delivery({ kind: 'reminder', actionRequiredBy: soon, locale: 'fr-FR', ...over }, status);

    it('goes out in a completed campaign, in the recipient language, with the act-by date and the inbox link', async () => {
      const s = setup(ok);
      s.repo.row = reminder();
      await expect(s.job.sendEmail(7n, false)).resolves.toEqual({ kind: 'done' });
      const day = new Intl.DateTimeFormat('fr-FR', { dateStyle: 'long', timeZone: 'UTC' }).format(soon);
      expect(s.sent[0]).toMatchObject({ operationId: OP, to: { address: 'ana@fabrikam.example' } });
      expect(s.sent[0]!.subject).toBe(
        `Rappel : la notification relative à la protection des données MC1001 demande une action avant le ${day}`,
      );
      expect(s.sent[0]!.text).toContain('https://notify.example.com/inbox');
      // a notice email of a completed campaign would not go out
      s.repo.row = delivery({}, 'completed');
      await expect(s.job.sendEmail(7n, false)).resolves.toEqual({ kind: 'skipped', reason: 'campaign is completed' });
      expect(s.sent).toHaveLength(1);
    });

    it('waits while its campaign is paused and ends with a cancelled one', async () => {
      const s = setup(ok);
      s.repo.row = reminder({}, 'paused');
      await expect(s.job.sendEmail(7n, false)).resolves.toEqual({ kind: 'deferred', ms: PAUSED_RECHECK_MS });
      s.repo.row = reminder({}, 'cancelled');
      await expect(s.job.sendEmail(7n, false)).resolves.toEqual({ kind: 'skipped', reason: 'campaign is cancelled' });
      expect(s.sent).toEqual([]);
    });

    it('is not sent once someone read the notice or the act-by date passed, and says why on the row', async () => {
      const read = setup(ok);
      read.repo.row = reminder({ noticeRead: true });
      await expect(read.job.sendEmail(7n, false)).resolves.toEqual({
        kind: 'skipped',
        reason: 'the notice was read meanwhile',
      });
      expect(read.repo.results).toEqual([{ state: 'failed', lastError: 'not sent: the notice was read meanwhile' }]);
      const past = setup(ok);
      past.repo.row = reminder({ actionRequiredBy: new Date(Date.now() - 1000) });
      await expect(past.job.sendEmail(7n, false)).resolves.toEqual({
        kind: 'skipped',
        reason: 'the act-by date has passed',
      });
      expect([...read.sent, ...past.sent]).toEqual([]);
    });

    it('is never sent to a tenant without an identified impact', async () => {
      const s = setup(ok);
      s.repo.row = { ...reminder(), decision: 'not_affected' };
      await expect(s.job.sendEmail(7n, false)).rejects.toBeInstanceOf(NoIdentifiedImpactError);
      expect(s.sent).toEqual([]);
    });
  });

  it('an update email carries the update in the recipient’s language and goes out of a completed campaign', async () => {
    const s = setup(ok);
    s.repo.row = delivery({ kind: 'update', revision: 2, locale: 'de-DE' }, 'completed');
    await expect(s.job.sendEmail(7n, false)).resolves.toEqual({ kind: 'done' });
    expect(s.sent).toHaveLength(1);
    expect(s.sent[0]!.subject).toContain('Aktualisierung der Datenschutzmitteilung MC1001');
    expect(s.sent[0]!.text).toContain('Wir fanden mehr.');
    expect(s.sent[0]!.text).toContain('https://notify.example.com/inbox');
  });

  it('a withdrawal email says the notice was sent in error; a paused campaign puts it off; an unknown kind is refused', async () => {
    const s = setup(ok);
    s.repo.row = delivery({ kind: 'withdrawal', revision: 1, locale: 'fr-FR' }, 'paused');
    await expect(s.job.sendEmail(7n, false)).resolves.toEqual({ kind: 'deferred', ms: PAUSED_RECHECK_MS });
    s.repo.row = delivery({ kind: 'withdrawal', revision: 1, locale: 'fr-FR' }, 'completed');
    await expect(s.job.sendEmail(7n, false)).resolves.toEqual({ kind: 'done' });
    expect(s.sent[0]!.subject).toContain('envoyée par erreur');
    expect(s.sent[0]!.text).not.toContain('Wir fanden');
    s.repo.row = delivery({ kind: 'fax' as EmailContext['kind'] }, 'completed');
    await expect(s.job.sendEmail(7n, false)).resolves.toMatchObject({ kind: 'permanent' });
    expect(s.sent).toHaveLength(1);
  });
});
