// A start-up blip must not switch off the retry accounting: when the first GetQueueAttributes
// fails, maxReceiveCount is said unknown (snapshot, readiness, one log line), read again with
// backoff, and once known a failing message's last receive is moved with its reason.
import { GetQueueAttributesCommand, SQSClient } from '@aws-sdk/client-sqs';
import { Controller } from '@nestjs/common';
import { Ctx, Payload } from '@nestjs/microservices';
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { DLQ_REASON_ATTRIBUTE, SqsContext, SqsEventPattern } from '../../src/sqs/index.js';
import { eventually } from '../support/eventually.js';
import { Recorder } from '../support/recorder.js';
import { SqsTestBackend, type TestQueue } from '../support/sqs-backend.js';
import { startTestMicroservice, type TestMicroservice } from '../support/test-microservice.js';

const recorder = new Recorder();

@Controller()
class FailingController {
  @SqsEventPattern('always.fails')
  fail(@Payload() data: unknown, @Ctx() ctx: SqsContext) {
    recorder.start('always.fails', data, ctx);
    throw new Error('downstream keeps failing');
  }
}

/** A client whose first GetQueueAttributes fails as a throttled call would. */
function clientFailingFirstRead(sqs: SqsTestBackend): SQSClient {
  const client = new SQSClient(sqs.clientConfig());
  let failed = false;
  client.middlewareStack.add(
    (next, context) => async (args) => {
      if (!failed && context.commandName === GetQueueAttributesCommand.name) {
        failed = true;
        throw Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' });
      }
      return next(args);
    },
    { step: 'initialize', name: 'failFirstGetQueueAttributes' },
  );
  return client;
}

describe(`redrive policy read at start-up (${process.env.SQS_TEST_BACKEND ?? 'fauxqs'})`, () => {
  let sqs: SqsTestBackend;
  let queue: TestQueue;
  let service: TestMicroservice | undefined;

  before(async () => {
    sqs = await SqsTestBackend.start();
    queue = await sqs.createQueue('redrive-blip', { maxReceiveCount: 2 });
  });

  after(async () => {
    await service?.close();
    await sqs?.stop();
  });

  it('a first GetQueueAttributes that fails is read again; the last receive is then moved with its reason', async () => {
    const client = clientFailingFirstRead(sqs);
    service = await startTestMicroservice({
      controllers: [FailingController],
      server: { client, queues: [{ url: queue.url }], waitTimeSeconds: 1, backoff: { baseSeconds: 0, maxSeconds: 0 } },
    });
    assert.deepEqual(service.server.getSnapshot().redrivePolicyUnknown, [queue.url], 'said unknown at first');
    await eventually(() => service!.server.getSnapshot().redrivePolicyUnknown?.length === 0, 'read again', 20_000);

    const id = await sqs.send(queue.url, JSON.stringify({ n: 1 }), { pattern: 'always.fails' });
    const [moved] = await eventually(
      async () => {
        const found = await sqs.drain(queue.dlqUrl!, 1, 1_000);
        return found.length ? found : undefined;
      },
      'moved to the DLQ',
      30_000,
    );
    assert.equal(moved!.MessageAttributes?.[DLQ_REASON_ATTRIBUTE]?.StringValue, 'max-receives');
    assert.deepEqual(
      recorder.callsFor(id).map((c) => c.receiveCount),
      [1, 2],
    );
    await service.close();
    client.destroy();
    service = undefined;
  });
});
