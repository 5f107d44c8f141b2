// Fault (issue 16): a rolling restart while a backlog retries. Five times, a new consumer starts
// and the previous one gets SIGTERM (a Deployment's RollingUpdate with maxSurge 1), while some
// handlers fail retryably. Each drain gives back what the stopping consumer had buffered; before
// issue 16 each give-back cost an untried receive, so a message that had failed twice and then
// sat in five drains was moved to the DLQ by the redrive policy with no reason. Now a receive is
// spent only by an attempt: no valid message is dead-lettered, none without a reason. (This
// case also caught a long poll aborted by close() just as the server answered it: the message
// it brought, on its last receive, was moved by the redrive policy. close() now lets the poll
// in flight answer.)
//
// What the test sets, and why; everything else is the product default (SqsServer's defaults:
// concurrency 10, batches of 10, adaptive prefetch, visibility 30 s, backoff 2 s..900 s,
// shutdownGraceSeconds 25):
// - maxReceiveCount 5, the default SQS_MAX_RECEIVE_COUNT: the budget five restarts would spend;
// - handlers of 200-800 ms (FAULT_HANDLER_MS) and a backlog of 600: the backlog outlasts the five
//   restarts (about 16 messages/s with ten workers), so every stop finds a full buffer;
// - every 4th message fails on its first four receives and succeeds on its fifth, the last the
//   budget allows (a valid message behind a flaky downstream); every 7th fails on its first:
//   retryable failures spend receives by attempts, and one untried give-back more would push
//   a message past its budget;
// - a restart every 6 s once the new consumer is up: quicker than a real rollout, so that five
//   fit in the backlog and the case stays near a minute.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { eventually } from '../support/eventually.js';
import { describeExit, FaultCase } from './support/fault-case.js';
import type { NodeProcess } from './support/processes.js';
import { account, type FaultQueue } from './support/queues.js';

const DEFAULT_MAX_RECEIVE_COUNT = 5;
const BACKLOG = 600;
const RESTARTS = 5;
const RESTART_EVERY_MS = 6_000;

/** How many of its receives a message fails: every 4th four, every 7th one, the rest none. */
const failUntil = (i: number) => (i % 4 === 0 ? DEFAULT_MAX_RECEIVE_COUNT - 1 : i % 7 === 0 ? 1 : 0);

describe('fault: rolling restart during a retrying backlog, product defaults', () => {
  let fc: FaultCase;
  let queue: FaultQueue;

  before(async () => {
    fc = await FaultCase.start('rolling-restart');
    queue = await fc.sqs.createQueue('rolling', { maxReceiveCount: DEFAULT_MAX_RECEIVE_COUNT });
  });

  after(async () => {
    await fc?.cleanup();
  });

  it('five SIGTERM-and-restart cycles dead-letter no valid message and lose none', async (t) => {
    const ids = await fc.sqs.sendAll(
      queue.url,
      Array.from({ length: BACKLOG }, (_, i) => ({
        body: JSON.stringify({ i, failUntil: failUntil(i) }),
        pattern: 'fault.work',
      })),
    );
    const env = { FAULT_HANDLER_MS: '200-800' };
    let current: NodeProcess = await fc.recordingConsumer('run-0', queue, {}, env);
    const exits: string[] = [];
    for (let n = 1; n <= RESTARTS; n++) {
      await sleep(RESTART_EVERY_MS);
      const next = await fc.recordingConsumer(`run-${n}`, queue, {}, env);
      current.signal('SIGTERM');
      await current.exited;
      exits.push(describeExit(current));
      current = next;
    }
    // Settled: each message handled or in the DLQ (moved by the service or, with no reason, by
    // the redrive policy), and the queue empty; the assertions below say which.
    await eventually(
      async () => {
        const done = fc.records().countBy('done');
        const handled = ids.filter((id) => done.has(id)).length;
        return handled + (await fc.sqs.depth(queue.dlqUrl)) >= ids.length && (await fc.queueEmpty(queue.url));
      },
      'every message handled or dead-lettered, and the queue empty',
      180_000,
      1_000,
    );
    await current.stop();

    const records = fc.records();
    const requeued = records.of('req').length;
    const released = records.of('rel').length;
    const deadLettered = records.of('dlq');
    const dlqDepth = await fc.sqs.depth(queue.dlqUrl);
    const result = account({ sentIds: ids, records, queueEmpty: true });
    t.diagnostic(
      `${RESTARTS} restarts (exits: ${exits.join('; ')}); given back ${released}, of them ${requeued} as fresh copies; ` +
        `sent ${result.sent}, deleted ${result.deleted}, lost ${result.lost.length}, completed twice ${result.duplicates}; ` +
        `dead-lettered ${deadLettered.length}, DLQ depth ${dlqDepth}`,
    );
    for (const exit of exits) assert.ok(/code 0|signal SIGTERM/.test(exit), `a graceful exit: ${exit}`);
    assert.deepEqual(
      deadLettered.map((r) => `${r.id} ${r.reason}`),
      [],
      'dead-lettered by the service',
    );
    assert.equal(dlqDepth, 0, 'messages in the dead-letter queue (a redrive move has no reason)');
    assert.deepEqual(result.lost, [], 'lost messages');
    assert.ok(requeued > 0, 'the drains gave buffered messages back');
  });
});
