// The HTTP side of the service (/health/*, /metrics) against a real SqsServer consuming a real
// SQS server (fauxqs) on loopback: readiness follows the SQS server going away and coming back,
// and the metrics move with real messages.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { Controller, type INestApplication, Module, UseFilters } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { Payload } from '@nestjs/microservices';
import { startFauxqs, type FauxqsServer } from 'fauxqs';
import { AwsModule } from '../../src/config/aws.module.js';
import { createConfigModule } from '../../src/config/config.module.js';
import { HealthModule, ReadinessRegistry } from '../../src/health/index.js';
import { LoggingModule } from '../../src/logging/logging.module.js';
import { MetricsModule } from '../../src/metrics/metrics.module.js';
import { NonRetryableError, SqsExceptionFilter, SqsServer, SqsEventPattern } from '../../src/sqs/index.js';
import { SqsTransportModule } from '../../src/sqs-transport.module.js';
import { eventually } from '../support/eventually.js';

const QUEUE = 'app-e2e';
const DLQ = 'app-e2e-dlq';

// Controller-scoped: the hybrid app shares one ApplicationConfig (inheritAppConfig), and a
// global RPC filter would also catch the HTTP side's exceptions (the 503s of /health/ready).
@Controller()
@UseFilters(new SqsExceptionFilter())
class PingController {
  @SqsEventPattern('test.ping')
  ping(@Payload() _data: unknown): void {}

  @SqsEventPattern('test.reject')
  reject(@Payload() _data: unknown): void {
    throw new NonRetryableError('rejected on purpose');
  }
}

describe('health and metrics endpoints against a real SQS server', () => {
  let fauxqs: FauxqsServer;
  let port: number;
  let app: INestApplication;
  let baseUrl: string;
  let producer: SQSClient;
  const savedEnv = { ...process.env };

  async function startSqs(): Promise<void> {
    fauxqs = await startFauxqs({ port, logger: false, host: '127.0.0.1' });
    port = fauxqs.port;
    fauxqs.createQueue(DLQ);
    fauxqs.createQueue(QUEUE);
  }

  const get = async (path: string) => {
    const response = await fetch(`${baseUrl}${path}`);
    return { status: response.status, text: await response.text(), type: response.headers.get('content-type') ?? '' };
  };
  const json = async (path: string) => {
    const { status, text } = await get(path);
    return {
      status,
      body: JSON.parse(text) as {
        status: string;
        error?: Record<string, { reason?: string }>;
        details: Record<string, { status: string; reason?: string }>;
      },
    };
  };

  before(async () => {
    port = 0;
    await startSqs();
    const endpoint = `http://127.0.0.1:${port}`;
    Object.assign(process.env, {
      APP_ENV: 'local',
      AWS_ACCESS_KEY_ID: 'test',
      AWS_SECRET_ACCESS_KEY: 'test',
      AWS_REGION: 'us-east-1',
      SQS_ENDPOINT: endpoint,
      SQS_QUEUE_URL: `${endpoint}/000000000000/${QUEUE}`,
      SQS_DLQ_URL: `${endpoint}/000000000000/${DLQ}`,
      SQS_WAIT_TIME_SECONDS: '1',
      SQS_RECEIVE_REQUEST_TIMEOUT_MS: '6000',
      SQS_CONNECTION_TIMEOUT_MS: '1000',
      SQS_VISIBILITY_TIMEOUT: '10',
      SQS_HEARTBEAT_INTERVAL_SECONDS: '3',
      SQS_SHUTDOWN_GRACE_SECONDS: '2',
      LOG_LEVEL: process.env.TEST_LOGS ? 'debug' : 'silent',
      KEYCLOAK_URL: 'http://127.0.0.1:8080',
      KEYCLOAK_REALM: 'nest-sqs-worker',
      KEYCLOAK_CLIENT_ID: 'nest-sqs-worker',
      KEYCLOAK_CLIENT_SECRET: 'test',
    });
    @Module({
      imports: [
        await createConfigModule(),
        LoggingModule.forRoot(),
        AwsModule,
        SqsTransportModule,
        HealthModule.forRoot(),
        MetricsModule.forRoot(),
      ],
      controllers: [PingController],
    })
    class TestAppModule {}
    app = await NestFactory.create(TestAppModule, { logger: process.env.TEST_LOGS ? undefined : false });
    app
      .get(ReadinessRegistry)
      .register({ key: 'keycloak', check: () => ({ status: 'degraded', details: { breaker: 'open' } }) });
    app.connectMicroservice({ strategy: app.get(SqsServer) }, { inheritAppConfig: true });
    await app.startAllMicroservices();
    await app.listen(0, '127.0.0.1');
    baseUrl = await app.getUrl();
    baseUrl = baseUrl.replace('[::1]', '127.0.0.1');
    producer = new SQSClient({
      endpoint,
      region: 'us-east-1',
      credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
    });
  });

  after(async () => {
    producer?.destroy();
    await app?.close();
    await fauxqs?.stop();
    process.env = savedEnv;
  });

  it('is ready once the server is Connected; a degraded contributor does not fail readiness', async () => {
    const ready = await eventually(async () => {
      const response = await json('/health/ready');
      return response.status === 200 ? response : false;
    }, 'readiness');
    assert.equal(ready.body.status, 'degraded');
    assert.equal(ready.body.details.sqs!.status, 'up');
    assert.equal(ready.body.details.credentials!.status, 'up');
    assert.equal(ready.body.details.keycloak!.status, 'degraded');
    assert.equal((await json('/health')).status, 200);
    assert.equal((await json('/health/live')).status, 200);
    // The autoscaler's pause signal (the fleet fault case shows it paused).
    assert.deepEqual((await json('/health/intake')).body, { paused: 0, pausedQueues: 0, queues: 1 });
  });

  it('/metrics counts real messages', async () => {
    const queueUrl = process.env.SQS_QUEUE_URL!;
    const send = (pattern: string) =>
      producer.send(
        new SendMessageCommand({
          QueueUrl: queueUrl,
          MessageBody: '{}',
          MessageAttributes: { pattern: { DataType: 'String', StringValue: pattern } },
        }),
      );
    await Promise.all([send('test.ping'), send('test.ping'), send('test.ping'), send('test.reject')]);
    const text = await eventually(async () => {
      const { text } = await get('/metrics');
      return /sqs_messages_succeeded_total\{queue="app-e2e",pattern="test.ping"\} 3/.test(text) &&
        /sqs_messages_dead_lettered_total\{queue="app-e2e",pattern="test.reject",reason="non-retryable"\} 1/.test(text)
        ? text
        : false;
    }, 'metrics to count the messages').catch(async (err: Error) => {
      const { text } = await get('/metrics');
      throw new Error(
        `${err.message}\n${text
          .split('\n')
          .filter((line) => line.startsWith('sqs_') && !line.includes('_bucket'))
          .join('\n')}`,
      );
    });
    assert.match(text, /sqs_messages_received_total\{queue="app-e2e"\} 4/);
    assert.match(text, /sqs_messages_failed_total\{queue="app-e2e",pattern="test.reject"\} 1/);
    assert.match(
      text,
      /sqs_handler_duration_seconds_count\{queue="app-e2e",pattern="test.ping",outcome="succeeded"\} 3/,
    );
    assert.match(text, /sqs_message_age_seconds_count\{queue="app-e2e"\} 4/);
    assert.match(text, /sqs_messages_in_flight 0/);
    assert.match(text, /process_cpu_user_seconds_total/);
    assert.match((await get('/metrics')).type, /^text\/plain/);
  });

  it('readiness goes down (naming the check) when the SQS server stops, and up when it returns', async () => {
    await fauxqs.stop();
    const down = await eventually(async () => {
      const response = await json('/health/ready');
      return response.status === 503 ? response : false;
    }, 'readiness to go down');
    assert.equal(down.body.status, 'error');
    assert.ok(down.body.error?.sqs, 'the failing check is named');
    assert.match(down.body.error!.sqs!.reason ?? '', /last SQS call failed/);
    assert.equal(down.body.details.credentials!.status, 'up');
    assert.equal((await json('/health/live')).status, 200, 'an SQS outage is not a stuck process');
    const receiveErrors = Number(
      /sqs_receive_errors_total\{queue="app-e2e"\} (\d+)/.exec((await get('/metrics')).text)?.[1] ?? 0,
    );
    assert.ok(receiveErrors >= 1);

    await startSqs();
    const up = await eventually(
      async () => {
        const response = await json('/health/ready');
        return response.status === 200 ? response : false;
      },
      'readiness to come back',
      45_000,
    );
    assert.equal(up.body.details.sqs!.status, 'up');
  });

  it('readiness goes down while the server drains and after it closed; liveness stays up', async () => {
    const server = app.get(SqsServer);
    const closing = server.close();
    const during = await json('/health/ready');
    assert.equal(during.status, 503);
    assert.match(during.body.error!.sqs!.reason ?? '', /shutting down|closed/);
    await closing;
    assert.equal((await json('/health/ready')).status, 503);
    assert.equal((await json('/health/live')).status, 200);
  });
});
