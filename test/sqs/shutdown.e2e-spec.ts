// Graceful shutdown: receiving stops at once, buffered messages are released (visible again
// without waiting for the visibility timeout), running handlers finish, nothing is lost.
import { Controller } from '@nestjs/common';
import { Ctx, Payload } from '@nestjs/microservices';
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { SqsClient, SqsContext, SqsStatus, SqsEventPattern } from '../../src/sqs/index.js';
import { eventually } from '../support/eventually.js';
import { Recorder } from '../support/recorder.js';
import { SqsTestBackend, type TestQueue } from '../support/sqs-backend.js';
import { startTestMicroservice } from '../support/test-microservice.js';

const recorder = new Recorder();

@Controller()
class WorkController {
  @SqsEventPattern('work')
  async work(@Payload() data: { ms: number }, @Ctx() ctx: SqsContext) {
    await recorder.around('work', data, ctx, () => sleep(data.ms));
  }
}

describe(`graceful shutdown (${process.env.SQS_TEST_BACKEND ?? 'fauxqs'})`, () => {
  let sqs: SqsTestBackend;
  let queue: TestQueue;
  let producer: SqsClient;

  before(async () => {
    sqs = await SqsTestBackend.start();
    queue = await sqs.createQueue('shutdown', { maxReceiveCount: 5 });
    producer = new SqsClient({ queueUrl: queue.url, client: sqs.clientConfig() });
  });

  after(async () => {
    await producer?.close();
    await sqs?.stop();
  });

  it('closes an idle server once its pending long poll has answered, within the grace period', async () => {
    const service = await startTestMicroservice({
      controllers: [WorkController],
      server: {
        client: sqs.clientConfig(),
        queues: [{ url: queue.url }],
        waitTimeSeconds: 3,
        shutdownGraceSeconds: 25,
      },
    });
    await eventually(() => service.server.getSnapshot().status === SqsStatus.Connected, 'connected');
    await sleep(200);
    const started = performance.now();
    await service.close();
    const elapsed = performance.now() - started;
    // The long poll is let answer (an aborted one may lose an answer SQS already gave, spending
    // its messages' receives): close() takes up to waitTimeSeconds, not the 25 s grace.
    assert.ok(elapsed < 15_000, `close() waited for the long poll only (${Math.round(elapsed)} ms)`);
    assert.equal(service.server.getSnapshot().status, SqsStatus.Closed);
  });

  it('finishes running handlers, releases buffered messages at once, and loses nothing', async () => {
    recorder.reset();
    // A fresh queue, so the counts below are this case's alone.
    queue = await sqs.createQueue('shutdown-busy', { maxReceiveCount: 5 });
    await producer.close();
    producer = new SqsClient({ queueUrl: queue.url, client: sqs.clientConfig() });
    await producer.emitBatch(
      'work',
      Array.from({ length: 12 }, () => ({ ms: 1_500 })),
    );
    const service = await startTestMicroservice({
      controllers: [WorkController],
      server: {
        client: sqs.clientConfig(),
        queues: [{ url: queue.url }],
        waitTimeSeconds: 1,
        visibilityTimeout: 120,
        concurrency: 2,
        prefetch: 10,
        shutdownGraceSeconds: 10,
      },
    });
    // Receivers reserve room for a whole batch, so with two taken the buffer settles at eight.
    await eventually(
      () => recorder.running === 2 && service.server.getSnapshot().buffered === 8,
      'two running, eight buffered',
    ).catch(async (err) => {
      await service.close();
      throw err;
    });
    const running = recorder.calls.map((c) => c.messageId);
    await service.close();
    // Both running handlers completed before close() returned.
    assert.deepEqual(
      recorder.calls
        .filter((c) => c.finishedAt)
        .map((c) => c.messageId)
        .sort(),
      running.sort(),
    );
    assert.equal(recorder.calls.length, 2, 'no buffered message was started after close()');
    // The eight released with visibility 0 are visible now, not in 120 s, beside the two never received.
    const counts = await sqs.counts(queue.url);
    assert.equal(counts.visible, 10, `released messages visible at once (${JSON.stringify(counts)})`);
    assert.equal(counts.inFlight, 0, 'nothing left in flight: the two finished ones were deleted');

    // A new instance picks up exactly the rest: nothing lost, nothing run twice.
    const next = await startTestMicroservice({
      controllers: [WorkController],
      server: { client: sqs.clientConfig(), queues: [{ url: queue.url }], waitTimeSeconds: 1, concurrency: 10 },
    });
    try {
      await eventually(() => recorder.calls.filter((c) => c.finishedAt).length === 12, 'all twelve handled', 30_000);
      assert.equal(new Set(recorder.calls.map((c) => c.messageId)).size, 12, 'each message handled once');
    } finally {
      await next.close();
    }
  });
});
