// SqsClient as a producer (emit, batches, SqsRecord options, send() refused) and the server's
// status when SQS cannot be used (a wrong queue URL is an error status, not a quiet loop).
import { SQSClient, type SQSClientConfig } from '@aws-sdk/client-sqs';
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
// System attributes (MessageGroupId, MessageDeduplicationId, ...) of each handled message, by id.
const systemAttributes = new Map<string, Record<string, string>>();

@Controller()
class EchoController {
  @SqsEventPattern('echo')
  echo(@Payload() data: unknown, @Ctx() ctx: SqsContext) {
    systemAttributes.set(ctx.getMessageId(), ctx.getMessage().Attributes ?? {});
    recorder.start('echo', data, ctx);
  }
}

type SentCommand = { command: string; input: Record<string, any> };

/** An SQSClient on the test server that records every command it sends, with its input. */
function observedClient(config: SQSClientConfig): { client: SQSClient; sent: SentCommand[] } {
  const client = new SQSClient(config);
  const sent: SentCommand[] = [];
  client.middlewareStack.add(
    (next, context) => async (args) => {
      sent.push({ command: context.commandName!, input: args.input as Record<string, any> });
      return next(args);
    },
    { step: 'initialize' },
  );
  return { client, sent };
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
    const observed = observedClient(sqs.clientConfig());
    const batcher = new SqsClient({ queueUrl: queue.url, client: observed.client });
    try {
      const ids = await batcher.emitBatch(
        'echo',
        Array.from({ length: 25 }, (_, i) => ({ i })),
      );
      assert.equal(new Set(ids).size, 25);
      assert.deepEqual(
        observed.sent.map((c) => c.command),
        ['SendMessageBatchCommand', 'SendMessageBatchCommand', 'SendMessageBatchCommand'],
        'three batch calls, no single sends',
      );
      const sizes = observed.sent.map((c) => (c.input.Entries as unknown[]).length).sort((a, b) => b - a);
      assert.deepEqual(sizes, [10, 10, 5]);
      await eventually(() => ids.every((id) => recorder.callsFor(id).length === 1), 'all 25 handled');
    } finally {
      await batcher.close();
      observed.client.destroy();
    }
  });

  it('SqsRecord carries FIFO group and deduplication ids and extra attributes', async () => {
    const observed = observedClient(sqs.clientConfig());
    const ordered = new SqsClient({ queueUrl: fifo.url, client: observed.client });
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
      // emit() may go out alone or in a batch; either way the entry carries both ids.
      const entries = observed.sent.flatMap((c) => (c.input.Entries as Array<Record<string, any>>) ?? [c.input]);
      assert.deepEqual(
        entries.map((e) => [e.MessageGroupId, e.MessageDeduplicationId]),
        [['order-42', 'step-1']],
      );
      const received = systemAttributes.get(id)!;
      assert.deepEqual([received.MessageGroupId, received.MessageDeduplicationId], ['order-42', 'step-1']);
    } finally {
      await ordered.close();
      observed.client.destroy();
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
