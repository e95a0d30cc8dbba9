import { Global, Module } from '@nestjs/common';
import { BullModule } from '@nestjs/bullmq';
import { APP_CONFIG, type AppConfig } from '../config/config.js';
import { QUEUE, redisConnection } from './queues.js';

@Global()
@Module({
  imports: [
    BullModule.forRootAsync({
      inject: [APP_CONFIG],
      useFactory: (config: AppConfig) => ({ connection: redisConnection(config), prefix: config.QUEUE_PREFIX }),
    }),
    BullModule.registerQueue(
      { name: QUEUE.analysis },
      { name: QUEUE.notices },
      { name: QUEUE.emails },
      { name: QUEUE.webhooks },
    ),
  ],
  exports: [BullModule],
})
export class QueueModule {}
