import { chmod, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import PostalMime from 'postal-mime';
import { OutboxMailTransport } from './outbox-mail.transport.js';
import { deterministicOperationId, type OutgoingEmail } from './mail-transport.js';

const SENDER = 'DoNotReply@notify.example.com';
const DATE = new Date('2026-03-04T05:06:07Z');
let n = 0;
/** postal-mime keeps the line break that precedes a part's boundary (RFC 2046 gives it to the boundary) */
const body = (s?: string) => s?.replace(/\r?\n$/, '');

function email(over: Partial<OutgoingEmail> = {}): OutgoingEmail {
  n++;
  return {
    operationId: deterministicOperationId('campaign-outbox', `contact-${n}`),
    to: { address: `jürgen.admin${n}@contoso.com`.replace('ü', 'u'), displayName: 'Jürgen Müller, IT' },
    subject: 'Datenschutzhinweis MC123456 wartet im Message Center – bitte lesen',
    text: `Hallo,\nein Hinweis (MC123456) wartet auf Sie.\nFragen: +49 30 1234 \n\n= Ende =`,
    html: `<p>Hallo,</p><p>ein Hinweis <b>MC123456</b> wartet auf Sie. ${'Sehr lange Zeile ohne Umbruch, '.repeat(12)}</p>`,
    ...over,
  };
}

describe('OutboxMailTransport', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'outbox-'));
  });
  afterEach(async () => {
    await chmod(dir, 0o700).catch(() => undefined);
    await rm(dir, { recursive: true, force: true });
  });
  const outbox = (sub = 'out') =>
    new OutboxMailTransport({ dir: join(dir, sub), senderAddress: SENDER, now: () => DATE });

  it('writes one RFC 5322 multipart/alternative file that parses back to what was sent', async () => {
    const t = outbox();
    const e = email({ headers: { 'X-Campaign-Ref': 'CMP-2026-001' } });
    const r = await t.send(e);
    const messageId = `<${e.operationId}@notify.example.com>`;
    expect(r).toEqual({ status: 'succeeded', providerMessageId: messageId });
    expect(await readdir(join(dir, 'out'))).toEqual([`${e.operationId}.eml`]);

    const raw = await readFile(t.pathOf(e.operationId));
    const text = raw.toString('utf8');
    // 7-bit, CRLF line ends, no line over 998 characters (RFC 5322 §2.1.1); QP keeps bodies under 77
    expect([...raw].every((b) => b < 128)).toBe(true);
    expect(text.replace(/\r\n/g, '')).not.toMatch(/[\r\n]/);
    expect(Math.max(...text.split('\r\n').map((l) => l.length))).toBeLessThanOrEqual(78);
    expect(text).toMatch(/^MIME-Version: 1\.0\r$/m);
    expect(text).toMatch(/^Content-Type: multipart\/alternative;(\r\n)? boundary="=_alt-[0-9a-f]+-Part_1"\r$/m);

    const parsed = await PostalMime.parse(raw);
    expect(parsed.from).toMatchObject({ address: SENDER });
    expect(parsed.to).toEqual([{ address: e.to.address, name: e.to.displayName }]);
    expect(parsed.subject).toBe(e.subject);
    expect(parsed.messageId).toBe(messageId);
    expect(new Date(parsed.date!).toISOString()).toBe(DATE.toISOString());
    expect(body(parsed.text)).toBe(e.text);
    expect(body(parsed.html)).toBe(e.html);
    const header = (k: string) => parsed.headers.find((h) => h.key === k)?.value;
    expect(header('x-operation-id')).toBe(e.operationId);
    expect(header('x-campaign-ref')).toBe('CMP-2026-001');
    // both parts present, text first and html last
    const types = [...text.matchAll(/^Content-Type: (text\/[a-z]+); charset=utf-8\r$/gm)].map((m) => m[1]);
    expect(types).toEqual(['text/plain', 'text/html']);
  });

  it('a second send of the same operation id writes nothing and answers the first result', async () => {
    const t = outbox();
    const e = email();
    const first = await t.send(e);
    const before = await readFile(t.pathOf(e.operationId), 'utf8');
    const second = await outbox().send({ ...e, subject: 'changed', html: '<p>changed</p>', text: 'changed' });
    expect(second).toEqual(first);
    expect(await readdir(join(dir, 'out'))).toHaveLength(1);
    expect(await readFile(t.pathOf(e.operationId), 'utf8')).toBe(before);
  });

  it('concurrent sends of one operation leave exactly one complete file and no temporary files', async () => {
    const e = email();
    const results = await Promise.all(
      Array.from({ length: 20 }, (_, i) => outbox().send({ ...e, text: `attempt ${i}`, html: `<p>attempt ${i}</p>` })),
    );
    expect(new Set(results.map((r) => JSON.stringify(r))).size).toBe(1);
    expect(results[0]!.status).toBe('succeeded');
    const files = await readdir(join(dir, 'out'));
    expect(files).toEqual([`${e.operationId}.eml`]);
    const parsed = await PostalMime.parse(await readFile(join(dir, 'out', files[0]!)));
    expect(body(parsed.text)).toMatch(/^attempt \d+$/);
    expect(body(parsed.html)).toBe(`<p>${body(parsed.text)}</p>`);
  });

  it('different operations make different files', async () => {
    const t = outbox();
    await t.send(email());
    await t.send(email());
    expect(await readdir(join(dir, 'out'))).toHaveLength(2);
  });

  it('an operation id that is not a UUID cannot name a file', async () => {
    const r = await outbox().send(email({ operationId: '../../etc/passwd' }));
    expect(r).toMatchObject({ status: 'failed', permanent: true });
    expect(await readdir(dir)).toEqual([]);
  });

  it('line breaks in values cannot add headers', async () => {
    const t = outbox();
    const e = email({
      subject: 'Hello\r\nBcc: victim@example.com',
      to: { address: 'a@contoso.com', displayName: 'Eve\r\nBcc: other@example.com' },
      headers: { 'X-Note': 'one\nBcc: third@example.com' },
    });
    expect((await t.send(e)).status).toBe('succeeded');
    const parsed = await PostalMime.parse(await readFile(t.pathOf(e.operationId)));
    expect(parsed.bcc).toBeUndefined();
    expect(parsed.headers.filter((h) => h.key === 'bcc')).toEqual([]);
    expect(parsed.subject).toBe('Hello Bcc: victim@example.com');
    expect(parsed.to).toEqual([{ address: 'a@contoso.com', name: 'Eve Bcc: other@example.com' }]);
    expect(parsed.headers.find((h) => h.key === 'x-note')?.value).toBe('one Bcc: third@example.com');
  });

  it('refuses custom headers that are malformed or that the writer owns', async () => {
    const t = outbox();
    const cases: Record<string, string>[] = [
      { 'Bad Name': 'x' },
      { 'X-A:B': 'x' },
      { From: 'evil@example.com' },
      { 'content-type': 'text/plain' },
    ];
    for (const headers of cases) {
      const r = await t.send(email({ headers }));
      expect(r).toMatchObject({ status: 'failed', permanent: true });
    }
    await expect(readdir(join(dir, 'out'))).rejects.toThrow(); // nothing was even created
  });

  it('a folder it cannot write to is a transient failure and leaves nothing behind', async () => {
    if (process.getuid?.() === 0) {
      // root ignores permissions: make the outbox path a file instead
      await writeFile(join(dir, 'out'), 'not a folder');
    } else {
      await chmod(dir, 0o500);
    }
    const r = await outbox().send(email());
    expect(r).toMatchObject({ status: 'failed', permanent: false });
    expect(r.status === 'failed' && r.reason).toMatch(/cannot write/);
  });
});
