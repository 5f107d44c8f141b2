// The log of the service as an operator reads it, with a real SqsServer on fauxqs: every line a
// handler writes through Nest's Logger carries the message's fields, each outcome that needs a
// look is one line (a success none, by default),
// expected failures stay below error, and start-up names the registered patterns.
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import { SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { Controller, type INestApplication, Logger as NestLogger, Module, UseFilters } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { Payload } from '@nestjs/microservices';
import { startFauxqs, type FauxqsServer } from 'fauxqs';
import { Logger } from 'nestjs-pino';
import { AwsModule } from '../../src/config/aws.module.js';
import { createConfigModule } from '../../src/config/config.module.js';
import { LoggingModule } from '../../src/logging/logging.module.js';
import { NonRetryableError, SqsExceptionFilter, SqsServer, SqsEventPattern } from '../../src/sqs/index.js';
import { SqsTransportModule } from '../../src/sqs-transport.module.js';
import { eventually } from '../support/eventually.js';

const QUEUE = 'log-e2e';
const DLQ = 'log-e2e-dlq';
type Line = Record<string, unknown>;

@Controller()
@UseFilters(new SqsExceptionFilter())
class LoggingController {
  private readonly logger = new NestLogger('LoggingController');

  @SqsEventPattern('log.ok')
  async ok(@Payload() _data: unknown): Promise<void> {
    await new Promise((resolve) => setImmediate(resolve));
    this.logger.log('handler says hello');
  }

  @SqsEventPattern('log.invalid')
  invalid(@Payload() _data: unknown): void {
    this.logger.warn('payload rejected');
    throw new NonRetryableError('email must be an email');
  }
}

describe('message logs a real SqsServer writes', () => {
  let fauxqs: FauxqsServer;
  let app: INestApplication;
  let producer: SQSClient;
  const lines: Line[] = [];
  const savedEnv = { ...process.env };
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString().split('\n').filter(Boolean)) lines.push(JSON.parse(line) as Line);
      done();
    },
  });

  before(async () => {
    fauxqs = await startFauxqs({ port: 0, logger: false, host: '127.0.0.1' });
    fauxqs.createQueue(DLQ);
    fauxqs.createQueue(QUEUE);
    const endpoint = `http://127.0.0.1:${fauxqs.port}`;
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
      SQS_SHUTDOWN_GRACE_SECONDS: '2',
      LOG_LEVEL: 'info',
      KEYCLOAK_URL: 'http://127.0.0.1:8080',
      KEYCLOAK_REALM: 'r',
      KEYCLOAK_CLIENT_ID: 'c',
      KEYCLOAK_CLIENT_SECRET: 'test',
    });
    @Module({
      imports: [
        await createConfigModule(),
        LoggingModule.forRoot({ destination: stream }),
        AwsModule,
        SqsTransportModule,
      ],
      controllers: [LoggingController],
    })
    class TestAppModule {}
    app = await NestFactory.create(TestAppModule, { bufferLogs: true });
    app.useLogger(app.get(Logger));
    app.connectMicroservice({ strategy: app.get(SqsServer) }, { inheritAppConfig: true });
    await app.startAllMicroservices();
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

  const send = async (pattern: string) => {
    const { MessageId } = await producer.send(
      new SendMessageCommand({
        QueueUrl: process.env.SQS_QUEUE_URL,
        MessageBody: '{}',
        MessageAttributes: { pattern: { DataType: 'String', StringValue: pattern } },
      }),
    );
    return MessageId!;
  };
  const about = (id: string) => lines.filter((l) => l.messageId === id);

  it('logs the registered patterns at start-up', async () => {
    const line = await eventually(
      () => lines.find((l) => String(l.msg).startsWith('Registered patterns')),
      'the patterns line',
    );
    assert.deepEqual([...(line.patterns as string[])].sort(), ['log.invalid', 'log.ok']);
  });

  it("stamps the handler's own Logger lines with the message fields; a success writes no outcome line", async () => {
    const processed = new Set<string>();
    app.get(SqsServer).on('processed', (info) => processed.add(info.messageId));
    const id = await send('log.ok');
    // The outcome log listens to the same event, earlier: once it fired, a line would be there.
    await eventually(() => processed.has(id), 'the processed event');
    const own = about(id).find((l) => l.msg === 'handler says hello');
    assert.ok(
      own,
      `the handler's line carries messageId: ${JSON.stringify(lines.filter((l) => l.msg === 'handler says hello'))}`,
    );
    assert.equal(own.pattern, 'log.ok');
    assert.equal(own.queueUrl, process.env.SQS_QUEUE_URL);
    assert.equal(own.receiveCount, 1);
    assert.equal(own.level, 'info');
    assert.deepEqual(
      about(id).filter((l) => l.outcome),
      [],
      'no "handled" line at the default setting (LOG_HANDLED_MESSAGES=false)',
    );
    assert.ok(!('reqId' in own));
  });

  it('logs an expected failure once, below error level, with no stack', async () => {
    const id = await send('log.invalid');
    const dead = await eventually(() => about(id).find((l) => l.outcome === 'dead-lettered'), 'the dead-lettered line');
    assert.equal(dead.level, 'warn');
    assert.equal(dead.reason, 'non-retryable');
    assert.equal(about(id).find((l) => l.msg === 'payload rejected')?.pattern, 'log.invalid');
    assert.equal(about(id).filter((l) => l.outcome).length, 1);
    assert.deepEqual(
      about(id).filter((l) => l.level === 'error'),
      [],
    );
    assert.ok(!about(id).some((l) => 'err' in l || 'stack' in l));
  });
});
