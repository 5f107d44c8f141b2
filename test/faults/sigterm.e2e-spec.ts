// Fault 2: SIGTERM under steady load. The running handlers finish and their messages are
// deleted, the buffered ones are released at once (visible again without waiting for the
// visibility timeout; on this standard queue as fresh copies, which the records follow back to
// the ids sent), the process exits within the grace period, and a second consumer
// started afterwards never runs a message the first one already ran.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { eventually } from '../support/eventually.js';
import { describeExit, FaultCase } from './support/fault-case.js';
import { account, type FaultQueue } from './support/queues.js';

// Long, so that "visible again at once" cannot be confused with "its visibility ran out".
const VISIBILITY = 30;
const GRACE = 15;
// "At once", with room for a loaded 2-core machine: far below VISIBILITY, so a message the
// consumer sat on until its visibility ran out cannot pass.
const RELEASE_BOUND_MS = 5_000;
// A fixed intake of 4 receives (40 buffered at most): the case needs a full buffer at SIGTERM,
// which the adaptive default, sized to what the workers need next, does not keep.
const consumerOptions = {
  concurrency: 10,
  prefetch: 40,
  receiversPerQueue: 4,
  waitTimeSeconds: 2,
  visibilityTimeout: VISIBILITY,
  shutdownGraceSeconds: GRACE,
};

describe('fault: SIGTERM under steady load', () => {
  let fc: FaultCase;
  let queue: FaultQueue;

  before(async () => {
    fc = await FaultCase.start('sigterm');
    // maxReceiveCount 10: this case is about messages held when the process stops, not the retry
    // budget; a redelivery after the stop must never meet the redrive policy mid-count.
    queue = await fc.sqs.createQueue('sigterm', { maxReceiveCount: 10 });
  });

  after(async () => {
    await fc?.cleanup();
  });

  it('finishes running handlers, releases the buffer at once, exits within the grace period, runs nothing twice', async (t) => {
    const ids: string[] = [];
    let producing = true;
    let seq = 0;
    // Steady load: 10 messages every 200 ms (50/s) against a consumer doing about 11/s.
    const producer = (async () => {
      while (producing) {
        const batch = Array.from({ length: 10 }, () => ({ body: JSON.stringify({ i: seq++ }), pattern: 'fault.work' }));
        ids.push(...(await fc.sqs.sendAll(queue.url, batch, 1)));
        await sleep(200);
      }
    })();

    const first = await fc.recordingConsumer('first', queue, consumerOptions, {
      FAULT_HANDLER_MS: '300-1500',
      FAULT_SNAP_MS: '100',
    });
    await eventually(
      () => {
        const snap = fc.records().snaps('first').at(-1);
        return snap && snap.inFlight === consumerOptions.concurrency && snap.buffered >= 20 && snap.processed >= 20;
      },
      'the first consumer busy with a full buffer',
      60_000,
    );
    const sigtermAt = Date.now();
    first.signal('SIGTERM');
    const exit = await first.exited;
    producing = false;
    await producer;
    const exitMs = exit.at - sigtermAt;
    const afterExit = await fc.sqs.counts(queue.url);

    let records = fc.records();
    const startedFirst = records.countBy('start', 'first');
    const doneFirst = records.countBy('done', 'first');
    const released = records.of('rel', 'first').map((r) => r.id!);
    const statuses = records.of('status', 'first').map((r) => r.s);
    t.diagnostic(
      `exit ${exitMs} ms after SIGTERM (${describeExit(first)}); running handlers finished: ${doneFirst.size}/${startedFirst.size} started; ` +
        `released ${released.length}; server right after exit: ${afterExit.visible} visible, ${afterExit.inFlight} in flight`,
    );
    // Nest's shutdown hook closes the app, then re-raises SIGTERM: a graceful exit shows as that.
    assert.ok(exit.code === 0 || exit.signal === 'SIGTERM', `exit: ${describeExit(first)}\n${first.tail()}`);
    assert.ok(exitMs < GRACE * 1_000, `exited ${exitMs} ms after SIGTERM; grace period ${GRACE} s`);
    assert.deepEqual(statuses.slice(-2), ['draining', 'closed']);
    // Every handler that was running when SIGTERM came finished (and nothing new started).
    assert.deepEqual(
      [...startedFirst.keys()].filter((id) => !doneFirst.has(id)),
      [],
      'handlers cut short',
    );
    assert.ok(released.length >= 20, `buffered messages released: ${released.length}`);
    assert.equal(records.of('delerr', 'first').length, 0, 'delete errors');
    // Nothing stays held once the process is gone: running messages were deleted, buffered ones
    // given back, visible again at once (or replaced by visible fresh copies; either way none is
    // in flight). Measured from the exit, within seconds, not the visibility timeout.
    const noneHeldAt = await eventually(
      async () => (await fc.sqs.counts(queue.url)).inFlight === 0 && Date.now(),
      'no message in flight after the exit',
      RELEASE_BOUND_MS,
    );
    t.diagnostic(`nothing in flight ${noneHeldAt - exit.at} ms after the exit`);
    assert.ok(noneHeldAt - exit.at < RELEASE_BOUND_MS, `messages held ${noneHeldAt - exit.at} ms after the exit`);

    // A second consumer then runs every message, the released ones among them.
    const second = await fc.recordingConsumer('second', queue, consumerOptions, { FAULT_HANDLER_MS: '5-20' });
    await eventually(
      async () => {
        const done = fc.records().countBy('done');
        return ids.every((id) => done.has(id)) && (await fc.queueEmpty(queue.url));
      },
      'every message handled and the queue empty',
      120_000,
      500,
    );
    await second.stop();

    records = fc.records();
    const firstStartOfSecond = new Map<string, number>();
    for (const r of records.of('start', 'second'))
      if (!firstStartOfSecond.has(r.id!)) firstStartOfSecond.set(r.id!, r.t);
    const releasedLatency = released.map((id) => (firstStartOfSecond.get(id) ?? Infinity) - sigtermAt);
    t.diagnostic(
      `released messages picked up by the second consumer ${Math.min(...releasedLatency)}-${Math.max(...releasedLatency)} ms after SIGTERM`,
    );
    assert.deepEqual(
      released.filter((id) => !firstStartOfSecond.has(id)),
      [],
      'released messages the second consumer never ran',
    );

    const started = records.countBy('start');
    const twice = [...started].filter(([, n]) => n > 1).map(([id]) => id);
    const result = account({ sentIds: ids, records, queueEmpty: true });
    t.diagnostic(
      `sent ${result.sent}, deleted ${result.deleted}, lost ${result.lost.length}, handled twice ${twice.length}`,
    );
    assert.deepEqual(twice, [], 'messages run twice because of the shutdown');
    assert.deepEqual(result.lost, [], 'lost messages');
    assert.equal(await fc.sqs.depth(queue.dlqUrl), 0);
  });
});
