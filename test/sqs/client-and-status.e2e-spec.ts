// SqsClient as a producer (emit, batches, SqsRecord options, send() refused) and the server's
// status when SQS cannot be used (a wrong queue URL is an error status, not a quiet loop).
import { Controller } from '@nestjs/common';
import { Ctx, Payload } from '@nestjs/microservices';
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { lastValueFrom } from 'rxjs';
import { SqsClient, SqsContext, SqsRecord, SqsServer, SqsStatus, SqsEventPattern } from '../../src/sqs/index.js';
import { eventually } from '../support/eventually.js';
import { Recorder } from '../support/recorder.js';
import { SqsTestBackend, type TestQueue } from '../support/sqs-backend.js';
import { startTestMicroservice, type TestMicroservice } from '../support/test-microservice.js';

const recorder = new Recorder();

@Controller()
class EchoController {
  @SqsEventPattern('echo')
  echo(@Payload() data: unknown, @Ctx() ctx: SqsContext) {
    recorder.start('echo', data, ctx);
  }
}

describe(`SqsClient and server status (${process.env.SQS_TEST_BACKEND ?? 'fauxqs'})`, () => {
  let sqs: SqsTestBackend;
  let queue: TestQueue;
  let fifo: TestQueue;
  let service: TestMicroservice;
  let client: SqsClient;

  before(async () => {
    sqs = await SqsTestBackend.start();
    queue = await sqs.createQueue('client');
    fifo = await sqs.createQueue('client-ordered', { fifo: true });
    client = new SqsClient({ queueUrl: queue.url, client: sqs.clientConfig() });
    service = await startTestMicroservice({
      controllers: [EchoController],
      server: { client: sqs.clientConfig(), queues: [{ url: queue.url }, { url: fifo.url }], waitTimeSeconds: 1 },
    });
  });

  after(async () => {
    await client?.close();
    await service?.close();
    await sqs?.stop();
  });

  it('emit() sends the pattern as an attribute and the payload as the body', async () => {
    const id = await lastValueFrom(client.emit('echo', { hello: 'world' }));
    const [call] = await eventually(() => recorder.callsFor(id).length > 0 && recorder.callsFor(id), 'echo handled');
    assert.deepEqual(call!.data, { hello: 'world' });
  });

  it('emitBatch() sends bursts in SendMessageBatch calls of up to ten', async () => {
    const ids = await client.emitBatch(
      'echo',
      Array.from({ length: 25 }, (_, i) => ({ i })),
    );
    assert.equal(new Set(ids).size, 25);
    await eventually(() => ids.every((id) => recorder.callsFor(id).length === 1), 'all 25 handled');
  });

  it('SqsRecord carries FIFO group and deduplication ids and extra attributes', async () => {
    const ordered = new SqsClient({ queueUrl: fifo.url, client: sqs.clientConfig() });
    try {
      const record = new SqsRecord(
        { step: 1 },
        {
          groupId: 'order-42',
          deduplicationId: 'step-1',
          attributes: { tenant: { DataType: 'String', StringValue: 'acme' } },
        },
      );
      const id = await lastValueFrom(ordered.emit('echo', record));
      const [call] = await eventually(
        () => recorder.callsFor(id).length > 0 && recorder.callsFor(id),
        'FIFO echo handled',
      );
      assert.deepEqual(call!.data, { step: 1 });
      assert.equal((call!.attributes.tenant as { StringValue: string }).StringValue, 'acme');
    } finally {
      await ordered.close();
    }
  });

  it('send() (request/response) is refused with a clear error', async () => {
    await assert.rejects(lastValueFrom(client.send('echo', {})), /does not support send\(\)/);
  });

  it('shows a wrong queue URL as an error status with the reason, and recovers nothing silently', async () => {
    const server = new SqsServer({
      client: sqs.clientConfig(),
      queues: [{ url: `${sqs.endpoint}/000000000000/does-not-exist-${Date.now()}` }],
      waitTimeSeconds: 1,
    });
    assert.throws(() => server.unwrap(), /not initialized/);
    const statuses: SqsStatus[] = [];
    server.status.subscribe((s) => statuses.push(s));
    const errors: Error[] = [];
    server.on('receive_error', (_url, error) => errors.push(error));
    await new Promise<void>((resolve, reject) => server.listen((err?: unknown) => (err ? reject(err) : resolve())));
    try {
      await eventually(
        () => server.getSnapshot().status === SqsStatus.Error && errors.length >= 2,
        'error status and repeated receive errors',
      );
      assert.match(server.getSnapshot().lastError ?? '', /does-not-exist/);
      assert.ok(statuses.includes(SqsStatus.Connecting));
      assert.ok(!statuses.includes(SqsStatus.Connected), 'never reported healthy');
    } finally {
      await server.close();
    }
    assert.equal(server.getSnapshot().status, SqsStatus.Closed);
  });
});
