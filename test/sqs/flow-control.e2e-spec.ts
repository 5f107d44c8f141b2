// The worker pool and back pressure: never more than `concurrency` handlers at once, a bounded
// number of messages held, and a slow message never holding up the others.
import { Controller } from '@nestjs/common';
import { Ctx, Payload } from '@nestjs/microservices';
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { SqsContext, SqsEventPattern } from '../../src/sqs/index.js';
import { eventually } from '../support/eventually.js';
import { Recorder } from '../support/recorder.js';
import { SqsTestBackend, type TestQueue } from '../support/sqs-backend.js';
import { startTestMicroservice, type TestMicroservice } from '../support/test-microservice.js';
import { SqsClient } from '../../src/sqs/index.js';

const recorder = new Recorder();
// A `{ hold: true }` message runs until the spec resolves this: "slow" by an event, not a timer.
let held = Promise.withResolvers<void>();

@Controller()
class WorkController {
  @SqsEventPattern('work')
  async work(@Payload() data: { ms?: number; hold?: boolean }, @Ctx() ctx: SqsContext) {
    await recorder.around('work', data, ctx, () => (data.hold ? held.promise : sleep(data.ms ?? 0)));
  }
}

describe(`worker pool and back pressure (${process.env.SQS_TEST_BACKEND ?? 'fauxqs'})`, () => {
  let sqs: SqsTestBackend;
  let queue: TestQueue;
  let service: TestMicroservice;
  let producer: SqsClient;

  before(async () => {
    sqs = await SqsTestBackend.start();
    queue = await sqs.createQueue('flow', { maxReceiveCount: 5 });
    producer = new SqsClient({ queueUrl: queue.url, client: sqs.clientConfig() });
  });

  after(async () => {
    await service?.close();
    await producer?.close();
    await sqs?.stop();
  });

  it('keeps at most `concurrency` handlers running and at most `prefetch` messages buffered', async () => {
    await producer.emitBatch(
      'work',
      Array.from({ length: 120 }, () => ({ ms: 40 })),
    );
    service = await startTestMicroservice({
      controllers: [WorkController],
      server: {
        client: sqs.clientConfig(),
        queues: [{ url: queue.url }],
        waitTimeSeconds: 1,
        concurrency: 4,
        batchSize: 5,
        prefetch: 5,
      },
    });
    let maxBuffered = 0;
    let maxInFlightAtSqs = 0;
    const sampler = setInterval(() => {
      maxBuffered = Math.max(maxBuffered, service.server.getSnapshot().buffered);
    }, 5);
    try {
      while (recorder.calls.filter((c) => c.finishedAt).length < 120) {
        const counts = await sqs.counts(queue.url);
        maxInFlightAtSqs = Math.max(maxInFlightAtSqs, counts.inFlight);
        await sleep(50);
      }
    } finally {
      clearInterval(sampler);
    }
    assert.ok(recorder.maxRunning <= 4, `never more than 4 at once (saw ${recorder.maxRunning})`);
    assert.equal(recorder.maxRunning, 4, 'the pool was used fully');
    assert.ok(maxBuffered <= 5, `buffer bounded by prefetch (saw ${maxBuffered})`);
    // Held = running + buffered + one receive's worth in transit + handled messages whose delete
    // waits for its batch of ten to fill (at most nine); the other 100 or so stay in SQS.
    assert.ok(maxInFlightAtSqs <= 4 + 5 + 5 + 9, `messages held from SQS stay bounded (saw ${maxInFlightAtSqs})`);
    await service.close();
  });

  it('lets fast messages pass a slow one (no wait-for-the-whole-batch step)', async () => {
    recorder.reset();
    // A fresh queue: see the note in shutdown.e2e-spec.ts on aborted long polls.
    queue = await sqs.createQueue('flow-slow', { maxReceiveCount: 5 });
    await producer.close();
    producer = new SqsClient({ queueUrl: queue.url, client: sqs.clientConfig() });
    service = await startTestMicroservice({
      controllers: [WorkController],
      server: { client: sqs.clientConfig(), queues: [{ url: queue.url }], waitTimeSeconds: 1, concurrency: 3 },
    });
    held = Promise.withResolvers<void>();
    const slow = await producer.emit('work', { hold: true }).toPromise();
    await eventually(() => recorder.calls.length === 1, 'slow message started');
    await producer.emitBatch(
      'work',
      Array.from({ length: 30 }, () => ({ ms: 20 })),
    );
    await eventually(() => recorder.calls.filter((c) => c.finishedAt).length >= 30, 'fast messages done', 20_000);
    const slowCall = recorder.callsFor(String(slow))[0] ?? recorder.calls[0]!;
    assert.equal(slowCall.finishedAt, undefined, 'thirty fast messages finished while the slow one still ran');
    held.resolve();
    await eventually(() => slowCall.finishedAt, 'slow message done');
  });
});
