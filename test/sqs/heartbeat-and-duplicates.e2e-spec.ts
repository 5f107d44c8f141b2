// A handler slower than the visibility timeout runs exactly once thanks to the heartbeat, and
// a redelivery of a message still being worked on is never run a second time.
import { ChangeMessageVisibilityCommand } from '@aws-sdk/client-sqs';
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

const recorder = new Recorder();
let sqs: SqsTestBackend;

@Controller()
class SlowController {
  @SqsEventPattern('slow')
  async slow(@Payload() data: { ms: number }, @Ctx() ctx: SqsContext) {
    await recorder.around('slow', data, ctx, () => sleep(data.ms));
  }

  /** Makes its own message visible again mid-run, as an expired visibility timeout would. */
  @SqsEventPattern('redelivered')
  async redelivered(@Payload() data: unknown, @Ctx() ctx: SqsContext) {
    await recorder.around('redelivered', data, ctx, async () => {
      await sqs.client.send(
        new ChangeMessageVisibilityCommand({
          QueueUrl: ctx.getQueueUrl(),
          ReceiptHandle: ctx.getMessage().ReceiptHandle!,
          VisibilityTimeout: 0,
        }),
      );
      await sleep(2_500);
    });
  }
}

describe(`visibility heartbeat and duplicate suppression (${process.env.SQS_TEST_BACKEND ?? 'fauxqs'})`, () => {
  let queue: TestQueue;
  let service: TestMicroservice;
  let extensions = 0;
  let duplicates = 0;

  before(async () => {
    sqs = await SqsTestBackend.start();
    queue = await sqs.createQueue('heartbeat', { maxReceiveCount: 5 });
    service = await startTestMicroservice({
      controllers: [SlowController],
      server: {
        client: sqs.clientConfig(),
        queues: [{ url: queue.url }],
        waitTimeSeconds: 1,
        visibilityTimeout: 2,
        heartbeatIntervalSeconds: 0.5,
      },
    });
    service.server.on('visibility_extended', () => (extensions += 1));
    service.server.on('duplicate_suppressed', () => (duplicates += 1));
  });

  after(async () => {
    await service?.close();
    await sqs?.stop();
  });

  it('runs a handler three times longer than the visibility timeout exactly once', async () => {
    const id = await sqs.send(queue.url, JSON.stringify({ ms: 6_000 }), { pattern: 'slow' });
    await eventually(() => recorder.callsFor(id)[0]?.finishedAt, 'slow handler finished', 30_000);
    await eventually(() => sqs.isEmpty(queue.url), 'deleted');
    // Long enough for a lost message to have come back.
    await sleep(2_500);
    assert.equal(recorder.callsFor(id).length, 1);
    assert.ok(extensions >= 3, `visibility was extended (${extensions} times)`);
  });

  it('does not run a message twice when SQS redelivers it mid-run, and deletes it with the newest receipt', async () => {
    const id = await sqs.send(queue.url, JSON.stringify({}), { pattern: 'redelivered' });
    await eventually(() => recorder.callsFor(id)[0]?.finishedAt, 'handler finished', 30_000);
    await eventually(() => sqs.isEmpty(queue.url), 'deleted');
    await sleep(2_500);
    assert.equal(recorder.callsFor(id).length, 1);
    assert.ok(duplicates >= 1, 'the redelivery reached the server and was suppressed');
  });
});
