// The whole service's cost per message, not the bare transport's: the application's own modules
// (validated config, pino JSON logs with redaction and the outcome log, the Prometheus metrics
// binder, the SQS transport from AwsModule) wired as main.ts wires them, with a `bench` handler in
// place of the Keycloak one (Keycloak's round trip is not what is measured). Logs go to stdout,
// which the orchestrator reads and drops, as a log shipper would read it.
import 'reflect-metadata';
import { Controller, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { MessagePattern, Payload } from '@nestjs/microservices';
import { Logger } from 'nestjs-pino';
import { AwsModule } from '../../src/config/aws.module.js';
import { createConfigModule } from '../../src/config/config.module.js';
import { LoggingModule } from '../../src/logging/logging.module.js';
import { MetricsModule } from '../../src/metrics/metrics.module.js';
import { SqsTransportModule } from '../../src/sqs-transport.module.js';
import { SqsExceptionFilter, SqsServer } from '../../src/sqs/index.js';
import { config, CREDENTIALS, fail, handle, ready, type BenchPayload } from '../lib/harness.js';

@Controller()
class BenchController {
  @MessagePattern('bench')
  handle(@Payload() data: BenchPayload): Promise<void> {
    return handle(data);
  }
}

async function main(): Promise<void> {
  const { otlpEndpoint } = (config.options ?? {}) as { otlpEndpoint?: string };
  Object.assign(process.env, {
    APP_ENV: 'local',
    SQS_ENDPOINT: config.endpoint,
    SQS_QUEUE_URL: config.queueUrl,
    // Local mode reads environment keys only; the key id tells the server whose requests they are
    // (the idle workload counts by it).
    AWS_ACCESS_KEY_ID: CREDENTIALS.accessKeyId,
    AWS_SECRET_ACCESS_KEY: CREDENTIALS.secretAccessKey,
    SQS_CONCURRENCY: String(config.concurrency),
    SQS_WAIT_TIME_SECONDS: String(config.waitTimeSeconds),
    SQS_VISIBILITY_TIMEOUT: String(config.visibilityTimeout),
    SQS_SHUTDOWN_GRACE_SECONDS: String(config.shutdownGraceSeconds),
    LOG_LEVEL: 'info',
    KEYCLOAK_URL: 'http://127.0.0.1:9',
    KEYCLOAK_REALM: 'bench',
    KEYCLOAK_CLIENT_ID: 'bench',
    KEYCLOAK_CLIENT_SECRET: 'bench',
  });
  if (otlpEndpoint) {
    // As main.ts does it, before the consumer starts. (A dynamic import: a build of a checkout
    // without it, for before/after runs, compiles this file too.)
    process.env.OTEL_EXPORTER_OTLP_ENDPOINT = otlpEndpoint;
    const { startOtelSdk } = await import('../../src/lifecycle/otel-sdk.js');
    await startOtelSdk(process.env);
  }
  @Module({
    imports: [
      await createConfigModule(),
      LoggingModule.forRoot(),
      AwsModule,
      SqsTransportModule,
      MetricsModule.forRoot(),
    ],
    controllers: [BenchController],
  })
  class BenchAppModule {}
  const app = await NestFactory.create(BenchAppModule, { bufferLogs: true, abortOnError: false });
  app.useLogger(app.get(Logger));
  app.useGlobalFilters(new SqsExceptionFilter(app.getHttpAdapter()));
  app.connectMicroservice({ strategy: app.get(SqsServer) }, { inheritAppConfig: true });
  app.enableShutdownHooks(['SIGTERM']);
  await app.init();
  app.flushLogs();
  await app.startAllMicroservices();
  ready();
}

main().catch(fail);
