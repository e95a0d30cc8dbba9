import { Module } from '@nestjs/common';
import { APP_CONFIG, type AppConfig } from '../config/config.js';
import { AcsMailTransport } from './acs-mail.transport.js';
import { MAIL_TRANSPORT, type MailTransport } from './mail-transport.js';
import { OutboxMailTransport } from './outbox-mail.transport.js';

/** The transport named by MAIL_TRANSPORT (never by NODE_ENV). */
export function createMailTransport(config: AppConfig): MailTransport {
  switch (config.MAIL_TRANSPORT) {
    case 'acs':
      // loadConfig already refused start-up without a valid connection string
      return new AcsMailTransport({
        connectionString: config.ACS_CONNECTION_STRING!,
        senderAddress: config.MAIL_SENDER,
        pollIntervalMs: config.ACS_POLL_INTERVAL_MS,
        // A 429 goes straight back to the queue, which pauses for its Retry-After (worker.rateLimit)
        // instead of one send sleeping through the SDK's own retries.
        clientOptions: { retryOptions: { maxRetries: 0 } },
      });
    case 'outbox':
      return new OutboxMailTransport({ dir: config.OUTBOX_DIR, senderAddress: config.MAIL_SENDER });
  }
}

@Module({
  providers: [{ provide: MAIL_TRANSPORT, inject: [APP_CONFIG], useFactory: createMailTransport }],
  exports: [MAIL_TRANSPORT],
})
export class MailModule {}
