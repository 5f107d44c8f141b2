// Flow control against a real SQS server: a handler that reports its dependency down pauses its
// queue (no ReceiveMessage while the gate is down, buffered messages given back), the gate's
// owner resumes it without any message, and a message whose last receive fails only because the
// dependency is down is requeued with a fresh receive budget instead of dead-lettered.
import { Controller } from '@nestjs/common';
import { Ctx, Payload } from '@nestjs/microservices';
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { DownstreamGate, SqsClient, SqsContext, SqsEventPattern } from '../../src/sqs/index.js';
import { eventually } from '../support/eventually.js';
import { SqsTestBackend } from '../support/sqs-backend.js';
import { startTestMicroservice, type TestMicroservice } from '../support/test-microservice.js';

const gate = new DownstreamGate('billing-api');
const handled: Array<{ n: number; receiveCount: number; messageId: string }> = [];
let attempts = 0;
/** When set, a handler on its receive `n` marks the gate down again before failing. */
let failOnReceive: number | undefined;

@Controller()
class BillingController {
  @SqsEventPattern('charge')
  async charge(@Payload() data: { n: number }, @Ctx() ctx: SqsContext) {
    attempts += 1;
    if (failOnReceive !== undefined && ctx.getReceiveCount() === failOnReceive)
      gate.markDown('billing API answers 503');
    if (gate.isDown) throw gate.unavailable('billing API is down');
    handled.push({ n: data.n, receiveCount: ctx.getReceiveCount(), messageId: ctx.getMessageId() });
  }
}

describe(`pause while a downstream is down (${process.env.SQS_TEST_BACKEND ?? 'fauxqs'})`, () => {
  let sqs: SqsTestBackend;
  let service: TestMicroservice | undefined;

  before(async () => {
    sqs = await SqsTestBackend.start();
  });

  after(async () => {
    await service?.close();
    await sqs?.stop();
  });

  it('stops receiving while the gate is down, gives back what it buffered, and resumes when the gate is up', async (t) => {
    const queue = await sqs.createQueue('pause', { maxReceiveCount: 5 });
    const producer = new SqsClient({ queueUrl: queue.url, client: sqs.clientConfig() });
    handled.length = 0;
    attempts = 0;
    failOnReceive = undefined;
    gate.markDown('billing API answers 503');
    let receives = 0;
    const events: string[] = [];
    service = await startTestMicroservice({
      controllers: [BillingController],
      // Product defaults but a 1 s long poll, so an idle receive comes back within the test.
      server: {
        client: sqs.clientConfig(),
        queues: [{ url: queue.url }],
        waitTimeSeconds: 1,
        backoff: { baseSeconds: 1, maxSeconds: 2 },
      },
    });
    const server = service.server;
    server.on('receive', () => (receives += 1));
    server.on('intake_paused', (url, dependency, reason) => events.push(`paused ${dependency}: ${reason}`));
    server.on('intake_resumed', (url, dependency) => events.push(`resumed ${dependency}`));
    server.pauseWhileDown(gate);
    await producer.emitBatch(
      'charge',
      Array.from({ length: 20 }, (_, n) => ({ n })),
    );

    // The long poll in flight when the gate was tied is let finish (its messages are held, not
    // given back): wait it out (1 s) before counting.
    await sleep(2_000);
    const receivesWhenPaused = receives;
    await sleep(3_000);
    assert.equal(receives, receivesWhenPaused, 'no ReceiveMessage while the gate is down');
    assert.equal(attempts, 0, 'no message was spent');
    assert.deepEqual(
      server.getSnapshot().paused.map((p) => p.dependency),
      ['billing-api'],
    );

    gate.markUp();
    await eventually(() => handled.length === 20, 'every message handled once the gate is up', 30_000);
    await eventually(() => sqs.isEmpty(queue.url), 'queue empty');
    assert.deepEqual(events, ['paused billing-api: billing API answers 503', 'resumed billing-api']);
    assert.deepEqual(server.getSnapshot().paused, []);
    assert.ok(
      handled.every((h) => h.receiveCount === 1),
      'each handled on its first receive',
    );
    t.diagnostic(
      `ReceiveMessage calls while paused: 0 of ${receives} in all (${receives - receivesWhenPaused} after the gate came up)`,
    );
    await service.close();
    await producer.close();
    service = undefined;
  });

  it('a handler that reports the gate down pauses its own queue; a last receive during the outage is requeued, not dead-lettered', async () => {
    const queue = await sqs.createQueue('requeue', { maxReceiveCount: 2 });
    const producer = new SqsClient({ queueUrl: queue.url, client: sqs.clientConfig() });
    handled.length = 0;
    attempts = 0;
    gate.markUp();
    failOnReceive = 1;
    let paused = 0;
    service = await startTestMicroservice({
      controllers: [BillingController],
      server: {
        client: sqs.clientConfig(),
        queues: [{ url: queue.url }],
        waitTimeSeconds: 1,
        backoff: { baseSeconds: 1, maxSeconds: 1 },
      },
    });
    service.server.on('intake_paused', () => (paused += 1));
    const original = String(await producer.emit('charge', { n: 1 }).toPromise());
    await eventually(() => paused === 1, 'the failing handler paused its queue');
    // Receive 2 is the last (maxReceiveCount 2): it fails with the gate down again.
    failOnReceive = 2;
    gate.markUp();
    await eventually(() => paused === 2 && attempts === 2, 'the last receive failed with the gate down', 20_000);
    failOnReceive = undefined;
    gate.markUp();
    await eventually(() => handled.length === 1, 'the requeued copy handled once the gate is up', 30_000);
    await eventually(() => sqs.isEmpty(queue.url), 'queue empty');
    assert.equal((await sqs.counts(queue.dlqUrl!)).visible, 0, 'nothing in the dead-letter queue');
    assert.notEqual(handled[0]!.messageId, original, 'a fresh copy');
    assert.equal(handled[0]!.receiveCount, 1, 'with a fresh receive count');
    await service.close();
    await producer.close();
    service = undefined;
  });
});
