// FIFO queues: each message group strictly in order, one at a time; groups in parallel; a
// failure keeps the group's order on redelivery.
import { Controller } from '@nestjs/common';
import { Ctx, Payload } from '@nestjs/microservices';
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { SqsContext, SqsEventPattern } from '../../src/sqs/index.js';
import { eventually } from '../support/eventually.js';
import { SqsTestBackend, type TestQueue } from '../support/sqs-backend.js';
import { startTestMicroservice, type TestMicroservice } from '../support/test-microservice.js';

const completed = new Map<string, number[]>();
const runningPerGroup = new Map<string, number>();
let overlapWithinGroup = false;
let running = 0;
let maxRunning = 0;
const failedOnce = new Set<string>();

@Controller()
class FifoController {
  @SqsEventPattern('step')
  async step(@Payload() data: { group: string; seq: number; failOnce?: boolean }, @Ctx() ctx: SqsContext) {
    const inGroup = (runningPerGroup.get(data.group) ?? 0) + 1;
    runningPerGroup.set(data.group, inGroup);
    if (inGroup > 1) overlapWithinGroup = true;
    running += 1;
    maxRunning = Math.max(maxRunning, running);
    try {
      await sleep(5 + ((data.seq * 7) % 20));
      const key = `${data.group}:${data.seq}`;
      if (data.failOnce && !failedOnce.has(key)) {
        failedOnce.add(key);
        throw new Error('fail once');
      }
      assert.equal(ctx.getMessageGroupId(), data.group);
      completed.set(data.group, [...(completed.get(data.group) ?? []), data.seq]);
    } finally {
      runningPerGroup.set(data.group, runningPerGroup.get(data.group)! - 1);
      running -= 1;
    }
  }
}

describe(`FIFO ordering (${process.env.SQS_TEST_BACKEND ?? 'fauxqs'})`, () => {
  let sqs: SqsTestBackend;
  let queue: TestQueue;
  let service: TestMicroservice;

  before(async () => {
    sqs = await SqsTestBackend.start();
    queue = await sqs.createQueue('ordered', { fifo: true, maxReceiveCount: 5 });
  });

  after(async () => {
    await service?.close();
    await sqs?.stop();
  });

  it('handles each group in order, one at a time, and groups in parallel, also across a failure', async () => {
    const groups = ['a', 'b', 'c', 'd'];
    const perGroup = 8;
    for (let seq = 0; seq < perGroup; seq++) {
      for (const group of groups) {
        const failOnce = group === 'b' && seq === 3;
        await sqs.send(queue.url, JSON.stringify({ group, seq, failOnce }), { pattern: 'step', groupId: group });
      }
    }
    // Started after the queue is filled, so that a first receive brings several messages of one
    // group: the rest of the group then reaches idle workers only as each one finishes.
    service = await startTestMicroservice({
      controllers: [FifoController],
      server: {
        client: sqs.clientConfig(),
        queues: [{ url: queue.url }],
        waitTimeSeconds: 1,
        backoff: { baseSeconds: 1, maxSeconds: 1 },
      },
    });

    await eventually(
      () => groups.every((g) => completed.get(g)?.length === perGroup),
      'all groups complete',
      60_000,
    ).catch(async (err: Error) => {
      const counts = await sqs.counts(queue.url);
      throw new Error(
        `${err.message}; completed: ${JSON.stringify(Object.fromEntries(completed))}; ` +
          `server: ${JSON.stringify(service.server.getSnapshot())}; queue: ${JSON.stringify(counts)}`,
      );
    });
    for (const g of groups) assert.deepEqual(completed.get(g), [...Array(perGroup).keys()], `group ${g} in order`);
    assert.equal(overlapWithinGroup, false, 'never two messages of one group at once');
    assert.ok(maxRunning > 1, `groups ran in parallel (max ${maxRunning} at once)`);
    assert.ok(failedOnce.has('b:3'), 'the failure happened');
  });
});
