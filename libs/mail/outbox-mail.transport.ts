import { randomUUID } from 'node:crypto';
import { access, link, mkdir, open, rename, rm } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { buildEml } from './eml.js';
import { isUuid, type MailTransport, type OutgoingEmail, type SendOutcome } from './mail-transport.js';

export interface OutboxMailTransportOptions {
  /** folder the .eml files go to; created on the first send */
  dir: string;
  senderAddress: string;
  /** clock for the Date header (tests pin it) */
  now?: () => Date;
}

const errno = (e: unknown) => (e as NodeJS.ErrnoException)?.code;

/**
 * Development transport: each email becomes `<operationId>.eml` in the outbox folder. A file that
 * exists means the operation was sent, so a second send of the same operation id writes nothing
 * and answers what the first one answered.
 */
export class OutboxMailTransport implements MailTransport {
  readonly kind = 'outbox' as const;
  readonly dir: string;
  private readonly domain: string;
  private readonly now: () => Date;

  constructor(private readonly options: OutboxMailTransportOptions) {
    this.dir = resolve(options.dir);
    this.domain = options.senderAddress.split('@').pop() || 'localhost';
    this.now = options.now ?? (() => new Date());
  }

  /** Where the file of an operation goes. */
  pathOf(operationId: string): string {
    return join(this.dir, `${operationId.toLowerCase()}.eml`);
  }

  async send(email: OutgoingEmail): Promise<SendOutcome> {
    // the id becomes a file name: only a UUID may, so nothing can escape the folder
    if (!isUuid(email.operationId)) {
      return { status: 'failed', permanent: true, reason: `operation id is not a UUID: ${email.operationId}` };
    }
    const id = email.operationId.toLowerCase();
    const providerMessageId = `<${id}@${this.domain}>`;
    const target = this.pathOf(id);
    const sent: SendOutcome = { status: 'succeeded', providerMessageId };
    if (await exists(target)) return sent;

    let eml: string;
    try {
      eml = await buildEml({
        from: this.options.senderAddress,
        to: email.to,
        subject: email.subject,
        text: email.text,
        html: email.html,
        messageId: providerMessageId,
        date: this.now(),
        headers: { 'X-Operation-Id': id, ...email.headers },
      });
    } catch (e) {
      return { status: 'failed', permanent: true, reason: `cannot build the message: ${(e as Error).message}` };
    }

    const tmp = join(this.dir, `.${id}.${randomUUID()}.tmp`);
    try {
      await mkdir(this.dir, { recursive: true });
      const fh = await open(tmp, 'wx');
      try {
        await fh.writeFile(eml, 'utf8');
        await fh.sync();
      } finally {
        await fh.close();
      }
      // link() publishes the complete file atomically and fails if it is already there, so two
      // concurrent sends of one operation leave exactly one file (the first); rename() would replace it.
      try {
        await link(tmp, target);
      } catch (e) {
        if (errno(e) === 'EEXIST') return sent;
        if (!['EPERM', 'ENOTSUP', 'EOPNOTSUPP', 'ENOSYS'].includes(errno(e) ?? '')) throw e;
        // a file system without hard links: rename is still atomic, only the race degrades to last-wins
        if (await exists(target)) return sent;
        await rename(tmp, target);
      }
      return sent;
    } catch (e) {
      // disk full, permissions, ...: nothing was published, a retry may succeed
      return { status: 'failed', permanent: false, reason: `cannot write ${target}: ${(e as Error).message}` };
    } finally {
      await rm(tmp, { force: true }).catch(() => undefined);
    }
  }
}

async function exists(path: string): Promise<boolean> {
  try {
    await access(path);
    return true;
  } catch {
    return false;
  }
}
