// Fault 6: a handler three times slower than the visibility timeout. Two consumer processes
// compete for the queue, so a message whose visibility ran out would be picked up by the
// other one and run again (duplicate suppression only works inside one process): the
// heartbeat alone keeps each message with the consumer that runs it, exactly once.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { eventually } from '../support/eventually.js';
import { FaultCase } from './support/fault-case.js';
import { account, type FaultQueue } from './support/queues.js';

const VISIBILITY = 4;
const HANDLER_MS = 3 * VISIBILITY * 1_000;
const MESSAGES = 8;
// Each consumer holds at most four messages and runs them all at once.
const consumerOptions = {
  concurrency: 4,
  prefetch: 4,
  batchSize: 2,
  waitTimeSeconds: 1,
  visibilityTimeout: VISIBILITY,
};

describe('fault: a handler slower than the visibility timeout (3 x visibility)', () => {
  let fc: FaultCase;
  let queue: FaultQueue;

  before(async () => {
    fc = await FaultCase.start('slow');
    // maxReceiveCount 10: this case is about messages held when the process stops, not the retry
    // budget; a redelivery after the stop must never meet the redrive policy mid-count.
    queue = await fc.sqs.createQueue('slow', { maxReceiveCount: 10, visibilityTimeout: VISIBILITY });
  });

  after(async () => {
    await fc?.cleanup();
  });

  it('runs each message exactly once, kept invisible by the heartbeat', async (t) => {
    await Promise.all([
      fc.recordingConsumer('a', queue, consumerOptions),
      fc.recordingConsumer('b', queue, consumerOptions),
    ]);
    const ids = await fc.sqs.sendAll(
      queue.url,
      Array.from({ length: MESSAGES }, (_, i) => ({
        body: JSON.stringify({ i, ms: HANDLER_MS }),
        pattern: 'fault.work',
      })),
    );
    await eventually(
      async () => {
        const done = fc.records().countBy('done');
        return ids.every((id) => done.has(id)) && (await fc.queueEmpty(queue.url));
      },
      'every slow message handled and the queue empty',
      90_000,
      500,
    );

    const records = fc.records();
    const starts = records.of('start');
    const byRun = Object.groupBy(starts, (r) => r.run);
    const durations = records.of('done').map((r) => r.ms as number);
    const extended =
      Math.max(...records.snaps('a').map((s) => s.extended)) + Math.max(...records.snaps('b').map((s) => s.extended));
    t.diagnostic(
      `${MESSAGES} messages of ${HANDLER_MS} ms on a ${VISIBILITY} s visibility: run by a ${byRun.a?.length ?? 0}, b ${byRun.b?.length ?? 0}; ` +
        `handler time ${Math.min(...durations)}-${Math.max(...durations)} ms; visibility extensions ${extended}; ` +
        `duplicates suppressed in-process ${records.of('dupsup').length}`,
    );
    const result = account({ sentIds: ids, records, queueEmpty: true });
    assert.deepEqual(result.lost, [], 'lost messages');
    assert.equal(starts.length, MESSAGES, 'handler runs');
    assert.deepEqual(
      [...records.countBy('start').values()].filter((n) => n !== 1),
      [],
      'messages run more than once',
    );
    assert.ok(
      starts.every((r) => r.rc === 1),
      `receive counts: ${starts.map((r) => r.rc).join(',')}`,
    );
    assert.ok(
      durations.every((ms) => ms >= HANDLER_MS),
      'every handler really outlasted the visibility timeout',
    );
    assert.equal(records.of('dupsup').length, 0, 'SQS redelivered a held message: its visibility lapsed');
    assert.equal(await fc.sqs.depth(queue.dlqUrl), 0);
  });
});
