// The gentle return after an outage, against a real SQS server: a gate already down when the
// server starts costs no receive (the tie is made before listen), and when it comes up the
// queue's handlers come back a few at a time (the slow start: 2, doubling while they succeed,
// up to the concurrency), with the transport's defaults.
import { Controller } from '@nestjs/common';
import { Payload } from '@nestjs/microservices';
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { DownstreamGate, SqsClient, SqsEventPattern } from '../../src/sqs/index.js';
import { eventually } from '../support/eventually.js';
import { SqsTestBackend } from '../support/sqs-backend.js';
import { startTestMicroservice, type TestMicroservice } from '../support/test-microservice.js';

const HANDLER_MS = 100;
const gate = new DownstreamGate('directory');
/** Handlers running when each message started, in start order. */
const runningAtStart: number[] = [];
let running = 0;

@Controller()
class DirectoryController {
  @SqsEventPattern('sync')
  async sync(@Payload() _data: { n: number }) {
    if (gate.isDown) throw gate.unavailable();
    runningAtStart.push(++running);
    await sleep(HANDLER_MS);
    running--;
  }
}

describe(`a gentle return after an outage (${process.env.SQS_TEST_BACKEND ?? 'fauxqs'})`, () => {
  let sqs: SqsTestBackend;
  let service: TestMicroservice | undefined;

  before(async () => {
    sqs = await SqsTestBackend.start();
  });
  after(async () => {
    await service?.close();
    await sqs?.stop();
  });

  it('starts paused without a receive when the gate is down at start-up, then ramps 2, 4, 8 to 10', async (t) => {
    const queue = await sqs.createQueue('gentle', { maxReceiveCount: 5 });
    const producer = new SqsClient({ queueUrl: queue.url, client: sqs.clientConfig() });
    await producer.emitBatch(
      'sync',
      Array.from({ length: 40 }, (_, n) => ({ n })),
    );
    gate.markDown('directory answers 503');
    let receives = 0;
    service = await startTestMicroservice({
      controllers: [DirectoryController],
      // Transport defaults (concurrency 10, slow start 2) but a 1 s long poll, so the test ends soon.
      server: { client: sqs.clientConfig(), queues: [{ url: queue.url }], waitTimeSeconds: 1 },
      beforeListen: (server) => {
        server.on('receive', () => (receives += 1));
        server.pauseWhileDown(gate);
      },
    });
    await sleep(2_000);
    assert.equal(receives, 0, 'no ReceiveMessage while the gate was down from the start');
    assert.equal(service.server.getSnapshot().paused[0]?.dependency, 'directory');

    gate.markUp();
    await eventually(() => runningAtStart.length === 40, 'every message handled', 30_000);
    await eventually(() => sqs.isEmpty(queue.url), 'queue empty');
    const most = (n: number) => Math.max(...runningAtStart.slice(0, n));
    t.diagnostic(`handlers running at each start: ${runningAtStart.join(' ')}`);
    // Upper bounds only: each step is reached once as many succeeded, whatever the machine's speed.
    assert.ok(most(2) <= 2, 'the first 2 ran 2 at a time');
    assert.ok(most(6) <= 4, 'the next 4 at most 4 at a time');
    assert.ok(most(14) <= 8, 'the next 8 at most 8 at a time');
    assert.ok(Math.max(...runningAtStart) <= 10, 'never above the concurrency');
    await service.close();
    await producer.close();
    service = undefined;
  });
});
