// The engine's delivery contract, end to end over an in-process SQS with a redrive policy:
// a receive is spent only by an attempt (docs/delivery-guarantees.md names these tests).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { startEngine, until } from '../../../test/support/engine-harness.js';
import { MiniSqs } from '../../../test/support/mini-sqs.js';
import { DownstreamGate, DownstreamUnavailableError } from '../core/downstream-gate.js';

const work = (n: number) => JSON.stringify({ pattern: 'work', data: { n } });

/** A handler that parks every call until `open()`; records each run's n and receive count. */
function parkedHandler() {
  const runs: Array<{ n: number; receiveCount: number }> = [];
  let open!: () => void;
  const gate = new Promise<void>((resolve) => (open = resolve));
  return {
    runs,
    open: () => open(),
    handler: async (data: unknown, held: { info: { receiveCount: number } }) => {
      runs.push({ n: (data as { n: number }).n, receiveCount: held.info.receiveCount });
      await gate;
    },
  };
}

describe('delivery contract: a receive is spent only by an attempt', () => {
  it('drain: buffered messages of a standard queue go back as fresh copies, in one batch call', async () => {
    const sqs = new MiniSqs(5);
    for (let n = 0; n < 6; n++) sqs.send(work(n));
    const parked = parkedHandler();
    const h = await startEngine(sqs, parked.handler, { concurrency: 1 });
    await until(() => parked.runs.length === 1 && h.engine.snapshot().buffered === 5, 'one running, five buffered');
    const closing = h.close();
    parked.open();
    await closing;
    assert.equal(sqs.calls.filter((c) => c === 'SendMessageBatch').length, 1, 'five copies in one call');
    assert.deepEqual(
      sqs.left.map((m) => m.receiveCount),
      [0, 0, 0, 0, 0],
      'the five untried messages are back with no receive spent; the one that ran is deleted',
    );
    assert.equal(h.eventsOf('requeued').length, 5);
    assert.ok(h.eventsOf('requeued').every((args) => args[2] === 'shutdown'));
    assert.equal(h.eventsOf('released').length, 5);
  });

  it('drain with maxReceiveCount 2: a message buffered on its last receive is not dead-lettered (issue 16 repro)', async () => {
    const sqs = new MiniSqs(2);
    for (let n = 0; n < 3; n++) sqs.send(work(n));
    // Each message has been received once already (a crash, a retry): this receive is its last.
    for (const m of sqs.left) m.receiveCount = 1;
    const parked = parkedHandler();
    const first = await startEngine(sqs, parked.handler, { concurrency: 1 });
    await until(() => parked.runs.length === 1 && first.engine.snapshot().buffered === 2, 'one running, two buffered');
    const closing = first.close();
    parked.open();
    await closing;
    const handled: number[] = [];
    const second = await startEngine(sqs, async (data) => void handled.push((data as { n: number }).n));
    await until(() => sqs.left.length === 0 && handled.length === 2, 'the two given back are handled');
    await second.close();
    assert.deepEqual(sqs.deadLetters, [], 'nothing dead-lettered');
  });

  it('a receive answered as close() begins: its batch goes back as fresh copies', async () => {
    const sqs = new MiniSqs(5);
    for (let n = 0; n < 3; n++) sqs.send(work(n));
    let closing!: () => void;
    const closeBegan = new Promise<void>((resolve) => (closing = resolve));
    // The server answers the long poll just as the consumer closes.
    sqs.hooks.set('ReceiveMessage', () => closeBegan);
    const h = await startEngine(sqs, async () => assert.fail('nothing runs after close()'));
    const closed = h.close();
    closing();
    await closed;
    assert.deepEqual(
      sqs.left.map((m) => m.receiveCount),
      [0, 0, 0],
    );
    assert.ok(h.eventsOf('requeued').every((args) => args[2] === 'shutdown'));
    assert.equal(h.eventsOf('requeued').length, 3);
  });

  it('a long poll in flight at close() is let answer, and what it brings goes back as fresh copies', async () => {
    const sqs = new MiniSqs(5);
    const h = await startEngine(sqs, async () => assert.fail('nothing runs after close()'));
    await until(() => sqs.calls.includes('ReceiveMessage'), 'a long poll in flight');
    const closed = h.close();
    // A message arrives while that poll waits: aborted, the poll could lose an answer SQS gave.
    sqs.send(work(1));
    await closed;
    assert.equal(h.eventsOf('requeued').length, 1);
    assert.deepEqual(
      sqs.left.map((m) => m.receiveCount),
      [0],
    );
  });

  it('pause: buffered messages are held, not given back, and run with no receive spent when the gate is up', async () => {
    const sqs = new MiniSqs(5);
    for (let n = 0; n < 5; n++) sqs.send(work(n));
    const gate = new DownstreamGate('keycloak');
    gate.markDown('keycloak answers 503');
    const runs: Array<{ n: number; receiveCount: number }> = [];
    const h = await startEngine(
      sqs,
      async (data, held) => {
        runs.push({ n: (data as { n: number }).n, receiveCount: held.info.receiveCount });
        if (gate.isDown) throw new DownstreamUnavailableError(gate, 'keycloak answers 503');
      },
      { concurrency: 1, backoff: { baseSeconds: 0, maxSeconds: 0 } },
    );
    // The first failure ties the queue to the gate and pauses it; the rest are buffered by then.
    await until(() => h.eventsOf('intake_paused').length === 1 && runs.length >= 1, 'paused after a failure');
    gate.markUp();
    await until(() => sqs.left.length === 0, 'every message handled');
    await h.close();
    assert.equal(h.eventsOf('released').length, 0, 'nothing was given back by the pause');
    const untried = runs.filter((r) => r.n !== runs[0]!.n);
    assert.ok(
      untried.every((r) => r.receiveCount === 1),
      `held messages ran on their first receive: ${JSON.stringify(runs)}`,
    );
    assert.deepEqual(sqs.deadLetters, []);
  });

  it('pause held longer than pauseHoldSeconds: the held messages go back as fresh copies', async () => {
    const sqs = new MiniSqs(5);
    for (let n = 0; n < 4; n++) sqs.send(work(n));
    const gate = new DownstreamGate('keycloak');
    gate.markDown('down for good');
    const h = await startEngine(sqs, async () => undefined, { pauseHoldSeconds: 0 });
    // Paused before the first receive answers: the receive in flight is let finish and held.
    h.engine.pauseWhileDown(gate);
    await until(() => h.eventsOf('requeued').length === 4, 'the hold expired and the four were copied');
    await h.close();
    assert.ok(h.eventsOf('requeued').every((args) => args[2] === 'pause-hold-expired'));
    assert.deepEqual(
      sqs.left.map((m) => m.receiveCount),
      [0, 0, 0, 0],
    );
  });

  it('grace period: counted from close(), even when giving back the buffer is slow', async () => {
    const sqs = new MiniSqs(5);
    for (let n = 0; n < 3; n++) sqs.send(work(n));
    const parked = parkedHandler();
    const h = await startEngine(sqs, parked.handler, { concurrency: 1, shutdownGraceSeconds: 0.2 });
    await until(() => parked.runs.length === 1 && h.engine.snapshot().buffered === 2, 'one running, two buffered');
    let unstall!: () => void;
    const stalled = new Promise<void>((resolve) => (unstall = resolve));
    sqs.hooks.set('SendMessageBatch', () => stalled);
    const closing = h.close();
    // Event-driven: the grace ends while the give-back of the buffer is still unanswered.
    await until(() => h.logs.some((l) => l.msg.startsWith('Grace period of 0.2s over')), 'the grace period ended');
    unstall();
    parked.open();
    await closing;
    assert.equal(sqs.calls.filter((c) => c === 'SendMessageBatch').length, 1, 'the two buffered were copied');
    // The straggler's handler ran: its receive was spent by that attempt, so it goes back as it is.
    assert.equal(h.eventsOf('released').length, 3);
    assert.equal(h.eventsOf('requeued').length, 2);
  });

  it('internal error: an exception in a step of the engine itself is logged once, counted, and the message retried', async () => {
    const sqs = new MiniSqs(5);
    sqs.send(work(1));
    let thrown = 0;
    const handled: number[] = [];
    const h = await startEngine(
      sqs,
      async (_data, held) => void handled.push(held.info.receiveCount),
      { backoff: { baseSeconds: 0, maxSeconds: 0 } },
      (event) => {
        // A bug in the dispatch wrapper, once: the handler is never reached on that receive.
        if (event === 'processing_started' && thrown++ === 0) throw new Error('wrapper bug');
      },
    );
    await until(() => sqs.left.length === 0, 'handled on its next receive');
    await h.close();
    assert.deepEqual(handled, [2]);
    assert.equal(h.eventsOf('internal_error').length, 1);
    assert.equal(h.logs.filter((l) => l.msg.includes('internal error while processing the message')).length, 1);
  });

  it('internal error on the last receive: dead-lettered with internal-error, never left invisible', async () => {
    const sqs = new MiniSqs(2);
    sqs.send(work(1));
    const h = await startEngine(
      sqs,
      async () => undefined,
      { backoff: { baseSeconds: 0, maxSeconds: 0 } },
      (event) => {
        if (event === 'processing_started') throw new Error('wrapper bug');
      },
    );
    await until(() => sqs.deadLetters.length === 1, 'dead-lettered');
    await h.close();
    assert.equal(sqs.deadLetters[0]!.attributes?.['dlq-reason']?.StringValue, 'internal-error');
    assert.deepEqual(
      h.eventsOf('dead_lettered').map((args) => args[1]),
      ['internal-error'],
    );
    assert.equal(h.eventsOf('internal_error').length, 2);
  });

  it('maxReceiveCount: a failed first read is retried until known, and said unknown meanwhile', async () => {
    const sqs = new MiniSqs(5);
    let failures = 0;
    sqs.hooks.set('GetQueueAttributes', () => {
      if (failures++ === 0) throw Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' });
    });
    const h = await startEngine(sqs, async () => undefined);
    assert.deepEqual(h.engine.snapshot().redrivePolicyUnknown, [sqs.queueUrl]);
    assert.equal(h.logs.filter((l) => l.msg.startsWith(`maxReceiveCount of ${sqs.queueUrl} is unknown`)).length, 1);
    await until(() => h.engine.snapshot().redrivePolicyUnknown?.length === 0, 'read again', 15_000);
    await h.close();
    assert.ok(h.logs.some((l) => l.msg === `maxReceiveCount of ${sqs.queueUrl} is known: 5`));
  });
});
