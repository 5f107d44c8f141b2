import { Global, Module } from '@nestjs/common';
import { SQS_SERVER_OPTIONS } from './config/aws.module.js';
import { SQS_SERVER_TOKEN, SqsServer, type SqsServerOptions } from './sqs/index.js';

/**
 * The service's `SqsServer` as a provider built from configuration, so that health checks and
 * metrics inject the very instance `main.ts` connects as the microservice strategy.
 */
@Global()
@Module({
  providers: [
    {
      provide: SqsServer,
      inject: [SQS_SERVER_OPTIONS],
      useFactory: (options: SqsServerOptions) => new SqsServer(options),
    },
    { provide: SQS_SERVER_TOKEN, useExisting: SqsServer },
  ],
  exports: [SqsServer, SQS_SERVER_TOKEN],
})
export class SqsTransportModule {}
