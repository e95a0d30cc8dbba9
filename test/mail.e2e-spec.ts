import { randomBytes } from 'node:crypto';
import { Test } from '@nestjs/testing';
import type { DynamicModule } from '@nestjs/common';
import { APP_CONFIG, loadConfig, type AppConfig } from '../libs/config/config.js';
import { AcsMailTransport, type AcsMailTransportOptions } from '../libs/mail/acs-mail.transport.js';
import { MailModule } from '../libs/mail/mail.module.js';
import {
  MAIL_TRANSPORT,
  deterministicOperationId,
  type MailTransport,
  type OutgoingEmail,
} from '../libs/mail/mail-transport.js';
import { AcsEmulator } from './support/acs-emulator.js';

/**
 * The real @azure/communication-email EmailClient, through AcsMailTransport, against the ACS
 * emulator. Retry delays of the SDK are shortened (not removed) so the SDK's own retry rounds run.
 */
/** APP_CONFIG as the global ConfigModule provides it, with chosen values. */
function globalConfig(config: AppConfig): DynamicModule {
  class TestConfigModule {}
  return {
    module: TestConfigModule,
    global: true,
    providers: [{ provide: APP_CONFIG, useValue: config }],
    exports: [APP_CONFIG],
  };
}

const SENDER = 'DoNotReply@notify.example.com';
const run = randomBytes(4).toString('hex');
let seq = 0;

function email(over: Partial<OutgoingEmail> = {}): OutgoingEmail {
  const n = ++seq;
  return {
    operationId: deterministicOperationId('campaign', run, `contact-${n}`),
    to: { address: `admin${n}@contoso-${run}.com`, displayName: `Admin ${n}` },
    subject: `A data-privacy notice is waiting in your Message Center (${n})`,
    html: `<p>Notice MC${n} is waiting.</p>`,
    text: `Notice MC${n} is waiting.`,
    ...over,
  };
}

describe('AcsMailTransport with the real EmailClient against the ACS emulator', () => {
  let emu: AcsEmulator;
  const transport = (over: Partial<AcsMailTransportOptions> = {}) =>
    new AcsMailTransport({
      connectionString: emu.connectionString,
      senderAddress: SENDER,
      pollIntervalMs: 50,
      clientOptions: { retryOptions: { retryDelayInMs: 5, maxRetryDelayInMs: 20 } },
      ...over,
    });

  beforeAll(async () => {
    emu = await AcsEmulator.start();
  });
  beforeEach(() => emu.reset());
  afterAll(() => emu.close());

  it('sends, polls until Succeeded and is recorded once with what we sent', async () => {
    emu.setRunningPolls(3);
    const e = email({ headers: { 'X-Campaign-Ref': 'CMP-1' } });
    const r = await transport().send(e);
    expect(r).toEqual({ status: 'succeeded', providerMessageId: e.operationId });
    const msgs = emu.messages();
    expect(msgs).toHaveLength(1);
    expect(msgs[0]).toMatchObject({
      operationId: e.operationId,
      clientOperationId: true,
      sender: SENDER,
      to: [e.to.address],
      recipients: [e.to.address.toLowerCase()],
      subject: e.subject,
      html: e.html,
      text: e.text,
      headers: { 'X-Campaign-Ref': 'CMP-1' },
      userEngagementTrackingDisabled: true,
      outcome: 'Succeeded',
    });
    expect(msgs[0]!.receivedAt).toBeInstanceOf(Date);
    // Running for three reads, then Succeeded: the transport waited for the final status
    expect(emu.stats()).toMatchObject({ sendRequests: 1, statusRequests: 4, accepted: 1 });
    expect(emu.operationStatus(e.operationId)).toBe('Succeeded');
  });

  it('records the same operation id once, however often it is sent', async () => {
    const t = transport();
    const e = email();
    const first = await t.send(e);
    const second = await t.send(e);
    const third = await transport().send({ ...e, subject: 'changed on retry' });
    expect(first).toEqual({ status: 'succeeded', providerMessageId: e.operationId });
    expect(second).toEqual(first);
    expect(third).toEqual(first);
    expect(emu.messages()).toHaveLength(1);
    expect(emu.messages()[0]!.subject).toBe(e.subject);
    expect(emu.countByOperationId().get(e.operationId)).toBe(1);
    expect(emu.countByRecipient().get(e.to.address.toLowerCase())).toBe(1);
    expect(emu.stats()).toMatchObject({ accepted: 1, duplicates: 2 });
  });

  it('a wrong access key is refused with 401 and is a permanent failure', async () => {
    const wrong = randomBytes(32).toString('base64');
    const r = await transport({ connectionString: emu.connectionStringWithKey(wrong) }).send(email());
    expect(r).toMatchObject({ status: 'failed', permanent: true });
    expect(r.status === 'failed' && r.reason).toMatch(/401 Denied/);
    expect(emu.messages()).toHaveLength(0);
    expect(emu.stats().authFailures).toBe(1);
  });

  it('429 with Retry-After beyond the SDK retries is throttled for the time the service asked', async () => {
    // the SDK honours Retry-After itself up to 3 times; the 4th 429 reaches us
    emu.failNext(4, { status: 429, retryAfterSeconds: 1 });
    const started = Date.now();
    const r = await transport().send(email());
    expect(r).toMatchObject({ status: 'throttled', retryAfterMs: 1000 });
    expect(r.status === 'throttled' && r.reason).toMatch(/429 TooManyRequests/);
    expect(Date.now() - started).toBeGreaterThanOrEqual(2900); // the SDK did wait 3 × 1 s
    expect(emu.stats()).toMatchObject({ sendRequests: 4, injectedFaults: 4, accepted: 0 });
    expect(emu.messages()).toHaveLength(0);
  });

  it('reads retry-after-ms before Retry-After', async () => {
    emu.failNext(4, { status: 429, retryAfterMs: 30, retryAfterSeconds: 7 });
    const r = await transport().send(email());
    expect(r).toMatchObject({ status: 'throttled', retryAfterMs: 30 });
  });

  it('a 429 the SDK absorbed with its own retries ends in one sent message', async () => {
    emu.failNext(2, { status: 429, retryAfterMs: 10 });
    const e = email();
    expect(await transport().send(e)).toEqual({ status: 'succeeded', providerMessageId: e.operationId });
    expect(emu.stats()).toMatchObject({ sendRequests: 3, accepted: 1 });
    expect(emu.messages()).toHaveLength(1);
  });

  it('a 429 without Retry-After is not retried by the SDK and waits the default 60 s', async () => {
    emu.failNext(1, { status: 429 });
    const r = await transport().send(email());
    expect(r).toMatchObject({ status: 'throttled', retryAfterMs: 60_000 });
    expect(emu.stats().sendRequests).toBe(1);
  });

  it('the quota mode answers 429 with the Retry-After of the window', async () => {
    emu.setQuotaPerMinute(2);
    const t = transport({ clientOptions: { retryOptions: { maxRetries: 0 } } });
    expect((await t.send(email())).status).toBe('succeeded');
    expect((await t.send(email())).status).toBe('succeeded');
    const r = await t.send(email());
    expect(r.status).toBe('throttled');
    expect(r.status === 'throttled' && r.retryAfterMs).toBeGreaterThan(55_000);
    expect(r.status === 'throttled' && r.retryAfterMs).toBeLessThanOrEqual(60_000);
    expect(emu.stats()).toMatchObject({ accepted: 2, quotaRejections: 1 });
    expect(emu.peakAccepted()).toBe(2);
  });

  it('503 after the SDK retries is a transient failure, and a resend later sends once', async () => {
    emu.failNext(4, { status: 503 });
    const e = email();
    const r = await transport().send(e);
    expect(r).toMatchObject({ status: 'failed', permanent: false });
    expect(r.status === 'failed' && r.reason).toMatch(/503/);
    expect(emu.stats()).toMatchObject({ sendRequests: 4, accepted: 0 });
    expect(await transport().send(e)).toEqual({ status: 'succeeded', providerMessageId: e.operationId });
    expect(emu.messages()).toHaveLength(1);
  });

  it('a 5xx while polling is transient; the retry finds the accepted operation and sends nothing twice', async () => {
    emu.failNext(4, { status: 500, on: 'status' });
    const e = email();
    const r = await transport().send(e);
    expect(r).toMatchObject({ status: 'failed', permanent: false });
    expect(emu.messages()).toHaveLength(1); // accepted before the status reads failed
    expect(await transport().send(e)).toEqual({ status: 'succeeded', providerMessageId: e.operationId });
    expect(emu.messages()).toHaveLength(1);
    expect(emu.stats().duplicates).toBe(1);
  });

  it('a dropped connection is a transient failure', async () => {
    emu.failNext(4, { drop: true });
    const r = await transport().send(email());
    expect(r).toMatchObject({ status: 'failed', permanent: false });
    expect(r.status === 'failed' && r.reason).toMatch(/ECONNRESET|socket hang up/);
    expect(emu.stats()).toMatchObject({ sendRequests: 4, accepted: 0 }); // the SDK retried network errors 3 times
    expect(emu.messages()).toHaveLength(0);
  });

  it('an operation that ends Failed for an address is a permanent failure with the reason', async () => {
    const bad = email();
    const good = email();
    emu.failAddresses([bad.to.address.toUpperCase()]);
    const t = transport();
    const r = await t.send(bad);
    expect(r).toMatchObject({ status: 'failed', permanent: true, providerMessageId: bad.operationId });
    expect(r.status === 'failed' && r.reason).toMatch(
      /Failed: EmailDroppedAllRecipientsSuppressed: .*admin\d+@contoso/,
    );
    expect((await t.send(good)).status).toBe('succeeded');
    // a retry of the failed operation answers the same failure and sends nothing
    expect(await t.send(bad)).toEqual(r);
    expect(emu.messages().map((m) => m.outcome)).toEqual(['Failed', 'Succeeded']);
    expect(emu.countByRecipient().has(bad.to.address.toLowerCase())).toBe(false);
    expect(emu.countByRecipient({ includeFailed: true }).get(bad.to.address.toLowerCase())).toBe(1);
  });

  it('an operation id that is not a UUID is refused before anything is sent', async () => {
    const r = await transport().send(email({ operationId: 'campaign-1/contact-2' }));
    expect(r).toMatchObject({ status: 'failed', permanent: true });
    expect(emu.stats().requests).toBe(0);
  });

  it('gives up waiting after maxWaitMs with a transient failure', async () => {
    emu.setRunningPolls(1_000_000);
    const r = await transport({ maxWaitMs: 300 }).send(email());
    expect(r).toMatchObject({ status: 'failed', permanent: false });
    expect(r.status === 'failed' && r.reason).toMatch(/no final status/);
  });

  it('MailModule builds the ACS transport from MAIL_TRANSPORT=acs', async () => {
    const config = loadConfig({
      MAIL_TRANSPORT: 'acs',
      ACS_CONNECTION_STRING: emu.connectionString,
      ACS_POLL_INTERVAL_MS: '20',
      NODE_ENV: 'development',
    });
    const mod = await Test.createTestingModule({ imports: [globalConfig(config), MailModule] }).compile();
    const t = mod.get<MailTransport>(MAIL_TRANSPORT);
    expect(t.kind).toBe('acs');
    const e = email();
    expect(await t.send(e)).toEqual({ status: 'succeeded', providerMessageId: e.operationId });
    expect(emu.messages()[0]!.sender).toBe('DoNotReply@notify.example.com');
    await mod.close();
  });
});

describe('ACS emulator protocol', () => {
  let emu: AcsEmulator;
  beforeAll(async () => {
    emu = await AcsEmulator.start();
  });
  afterAll(() => emu.close());

  it('refuses an unsigned request with 401 in the ACS error shape', async () => {
    const res = await fetch(`${emu.endpoint}/emails:send?api-version=2025-09-01`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        senderAddress: SENDER,
        content: { subject: 's', plainText: 't' },
        recipients: { to: [{ address: 'a@b.com' }] },
      }),
    });
    expect(res.status).toBe(401);
    expect(res.headers.get('x-ms-error-code')).toBe('Denied');
    const body = (await res.json()) as { error: { code: string; message: string } };
    expect(body.error.code).toBe('Denied');
    expect(body.error.message).toMatch(/Authorization/);
    expect(emu.messages()).toHaveLength(0);
  });
});
