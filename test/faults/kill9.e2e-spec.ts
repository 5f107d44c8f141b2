// Fault 1: `kill -9` of the consumer while about 500 messages are in flight or buffered.
// The SQS server (a fauxqs process) keeps running; a second consumer started afterwards must
// handle every message at least once. At-least-once means duplicates are allowed (a message
// whose handler finished but whose delete had not reached SQS when the process died): counted
// and reported, never lost.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { eventually } from '../support/eventually.js';
import { FaultCase } from './support/fault-case.js';
import { account, type FaultQueue } from './support/queues.js';

const MESSAGES = 2_000;
const HELD_AT_KILL = 500;
const VISIBILITY = 6;
// A fixed intake of 50 receives (500 buffered at most): the adaptive default holds only what
// the workers need next, and this case needs 500 messages held at the moment of the kill.
const consumerOptions = {
  concurrency: 50,
  prefetch: 500,
  receiversPerQueue: 50,
  waitTimeSeconds: 1,
  visibilityTimeout: VISIBILITY,
};

describe('fault: kill -9 with 500 messages in flight or buffered', () => {
  let fc: FaultCase;
  let queue: FaultQueue;

  before(async () => {
    fc = await FaultCase.start('kill9');
    // maxReceiveCount 10: this case is about messages held when the process stops, not the retry
    // budget; a redelivery after the stop must never meet the redrive policy mid-count.
    queue = await fc.sqs.createQueue('kill9', { maxReceiveCount: 10 });
  });

  after(async () => {
    await fc?.cleanup();
  });

  it('handles every message at least once after a restart (zero lost)', async (t) => {
    const ids = await fc.sqs.sendAll(
      queue.url,
      Array.from({ length: MESSAGES }, (_, i) => ({ body: JSON.stringify({ i }), pattern: 'fault.work' })),
    );
    assert.equal(new Set(ids).size, MESSAGES);

    const first = await fc.recordingConsumer('first', queue, consumerOptions, {
      FAULT_HANDLER_MS: '50-250',
      FAULT_SNAP_MS: '100',
    });
    // Wait for a full house: the buffer at its prefetch and the workers busy, some work done.
    const atKill = await eventually(
      () => {
        const snap = fc.records().snaps('first').at(-1);
        return snap && snap.inFlight + snap.buffered >= HELD_AT_KILL && snap.processed >= 100 ? snap : false;
      },
      `${HELD_AT_KILL} messages held by the first consumer`,
      60_000,
    );
    first.signal('SIGKILL');
    const exit = await first.exited;
    assert.equal(exit.signal, 'SIGKILL');

    // The server still has them: invisible (held by a dead process) until their visibility ends.
    const afterKill = await fc.sqs.counts(queue.url);
    const doneBeforeKill = fc.records().countBy('done', 'first').size;
    t.diagnostic(
      `at kill: ${atKill.inFlight} running + ${atKill.buffered} buffered (last sample); ${doneBeforeKill} done; ` +
        `server: ${afterKill.inFlight} in flight, ${afterKill.visible} visible`,
    );
    // (The sample is up to 100 ms old; the buffer refills as fast as workers drain it.)
    assert.ok(
      afterKill.inFlight >= HELD_AT_KILL * 0.9,
      `messages in flight on the server after the kill: ${afterKill.inFlight}`,
    );

    await fc.recordingConsumer('second', queue, consumerOptions, { FAULT_HANDLER_MS: '5-20' });
    await eventually(
      async () => {
        const done = fc.records().countBy('done');
        return ids.every((id) => done.has(id)) && (await fc.queueEmpty(queue.url));
      },
      'every message handled and the queue empty',
      120_000,
      500,
    );

    const records = fc.records();
    const dlq = await fc.sqs.takeAll(queue.dlqUrl);
    const result = account({
      sentIds: ids,
      records,
      queueEmpty: true,
      deadLetteredIds: new Set(dlq.map((m) => m.MessageId!)),
    });
    const doneFirst = records.countBy('done', 'first');
    const doneSecond = records.countBy('done', 'second');
    const startedFirstOnly = [...records.countBy('start', 'first').keys()].filter((id) => !doneFirst.has(id));
    t.diagnostic(
      `sent ${result.sent}, deleted ${result.deleted}, dead-lettered ${result.deadLettered}, lost ${result.lost.length}; ` +
        `duplicates (completed twice: done before the kill, delete not yet sent) ${result.duplicates}; ` +
        `cut short by the kill and run again ${startedFirstOnly.length}; handled by the first ${doneFirst.size}, by the second ${doneSecond.size}`,
    );
    assert.deepEqual(result.lost, [], 'lost messages');
    assert.equal(result.deadLettered, 0);
    assert.equal(result.deleted, MESSAGES);
    // Every message the first consumer held but had not finished came back to the second.
    for (const id of startedFirstOnly)
      assert.ok(doneSecond.has(id), `${id} cut short by the kill was not handled again`);
    // A duplicate is only ever a message completed just before the kill: bounded by what was held.
    assert.ok(
      result.duplicates <= consumerOptions.concurrency + consumerOptions.prefetch,
      `duplicates: ${result.duplicates}`,
    );
  });
});
