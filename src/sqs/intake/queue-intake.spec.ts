import type { Message, SQSClient } from '@aws-sdk/client-sqs';
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { standardQueue } from '../../../test/support/held-messages.js';
import { toHeldMessage } from '../core/held-message.js';
import { IntakeSizer } from './intake-sizer.js';
import { MessageBuffer } from '../buffer/message-buffer.js';
import { QueueIntake, ReceiveTimeoutError, type IntakeOptions } from './queue-intake.js';

/**
 * A queue behind a network: every ReceiveMessage answers after `latencyMs` with up to the
 * requested number of its `depth` messages, or empty after `emptyWaitMs` (a long poll on an
 * empty queue). Aborts are honoured like the SDK's.
 */
class FakeSqs {
  receives = 0;
  inFlight = 0;
  maxInFlight = 0;
  private sequence = 0;

  constructor(
    public depth: number,
    private readonly latencyMs: number,
    private readonly emptyWaitMs = 30,
    public silent = false,
  ) {}

  get client(): SQSClient {
    return {
      send: (command: { input: { MaxNumberOfMessages: number } }, options: { abortSignal: AbortSignal }) =>
        this.receive(command.input.MaxNumberOfMessages, options.abortSignal),
    } as unknown as SQSClient;
  }

  private async receive(max: number, signal: AbortSignal): Promise<{ Messages: Message[] }> {
    this.receives += 1;
    this.inFlight += 1;
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
    try {
      if (this.silent) await sleep(3_600_000, undefined, { signal });
      await sleep(this.depth > 0 ? this.latencyMs : this.emptyWaitMs, undefined, { signal });
      const count = Math.min(max, this.depth);
      this.depth -= count;
      return {
        Messages: Array.from({ length: count }, () => ({
          MessageId: `m${++this.sequence}`,
          ReceiptHandle: 'rh',
          Body: '{}',
        })),
      };
    } finally {
      this.inFlight -= 1;
    }
  }
}

const options: IntakeOptions = {
  batchSize: 10,
  waitTimeSeconds: 20,
  visibilityTimeout: 30,
  minReceivers: 1,
  maxReceivers: 8,
  receiveDeadlineMs: 25_000,
};

/** An intake, its sizer and a pool of ten workers (instant, or `workMs` each), as the server wires them. */
function pipeline(sqs: FakeSqs, intakeOptions: Partial<IntakeOptions> = {}, prefetch = 1_000, workMs = 0) {
  const errors: Error[] = [];
  let handled = 0;
  const late: { sizer?: IntakeSizer } = {};
  const buffer = new MessageBuffer(prefetch, () => late.sizer?.onStarved());
  const intake = new QueueIntake(
    sqs.client,
    standardQueue,
    buffer,
    { ...options, ...intakeOptions },
    {
      onReceived: (queue, messages, reserved) =>
        buffer.push(
          messages.map((m) => toHeldMessage(m, queue, Date.now())),
          reserved,
        ),
      onError: (_queue, error) => errors.push(error),
      onResized: () => late.sizer?.resize(),
    },
  );
  const sizer = (late.sizer = new IntakeSizer([intake], buffer, { batchSize: options.batchSize, staleAfterMs: 5_000 }));
  const abort = new AbortController();
  const workers = Array.from({ length: 10 }, async () => {
    for (;;) {
      const message = await buffer.take();
      if (!message) return;
      handled += 1;
      if (workMs > 0) await sleep(workMs);
      else await new Promise((resolve) => setImmediate(resolve));
      buffer.complete(message);
    }
  });
  sizer.start();
  const running = intake.run(abort.signal);
  return {
    intake,
    buffer,
    errors,
    handled: () => handled,
    async stop() {
      abort.abort();
      sizer.stop();
      buffer.close();
      await running;
      await Promise.all(workers);
    },
  };
}

async function until(probe: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!probe()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(5);
  }
}

describe('QueueIntake', () => {
  it('adds receives in flight while workers starve on a busy queue behind a slow network, with full batches only', async () => {
    const sqs = new FakeSqs(2_000, 20);
    const p = pipeline(sqs);
    await until(() => p.handled() === 2_000, 'every message handled');
    const peak = sqs.maxInFlight;
    const receivesForMessages = sqs.receives;
    await p.stop();
    // One receive caps intake at 10 messages per 20 ms round trip; the sizer must have added more.
    assert.ok(peak >= 4, `receives in flight grew to ${peak}`);
    assert.ok(peak <= options.maxReceivers, `never above the bound (${peak})`);
    // Full batches: 200 receives for 2,000 messages, plus the empty answers that retire receivers.
    assert.ok(
      receivesForMessages <= 200 + options.maxReceivers + 1,
      `${receivesForMessages} receives for 2,000 messages`,
    );
  });

  it('doubles the receives it adds while every receive comes back full (a burst at an idle consumer)', async () => {
    const sqs = new FakeSqs(2_000, 20);
    const p = pipeline(sqs);
    const targets: number[] = [];
    const grow = p.intake.grow.bind(p.intake);
    p.intake.grow = () => {
      const grown = grow();
      if (grown) targets.push(p.intake.receivers);
      return grown;
    };
    await until(() => p.handled() === 2_000, 'every message handled');
    await p.stop();
    // From one long poll: 1 + 1, + 2, + 4 reaches the bound of 8 in three round trips (one at a
    // time would take seven).
    assert.deepEqual(targets.slice(0, 3), [2, 4, 8]);
  });

  // W3's tail at loopback: the last full batch said "more", the workers starved, and growth
  // doubled every round trip (2, 4, 8, 16, 20 in 30 ms) while the receives it added waited in
  // long polls on the dry queue.
  it('grows again only once a receive it added came back full', async () => {
    // 1 ms round trips, workers of 20 ms (a few receives keep up), a 60 s wait once the queue
    // is dry. Before: all 8 waiting, 38 receives for 30 batches.
    const sqs = new FakeSqs(300, 1, 60_000);
    const p = pipeline(sqs, {}, 1_000, 20);
    await until(() => p.handled() === 300, 'every message handled');
    await sleep(100);
    const waiting = sqs.inFlight;
    await p.stop();
    assert.ok(waiting <= 3, `${waiting} long polls waiting on the dry queue (the bound is ${options.maxReceivers})`);
  });

  it('shrinks back to one long poll when the queue is idle', async () => {
    const sqs = new FakeSqs(500, 20);
    const p = pipeline(sqs);
    await until(() => p.handled() === 500, 'every message handled');
    await until(() => p.intake.receivers === 1 && sqs.inFlight <= 1, 'one receive left');
    const before = sqs.receives;
    await sleep(100);
    // One long poll answering empty every 30 ms: a few calls, not eight loops' worth.
    assert.ok(sqs.receives - before <= 5, `${sqs.receives - before} receives in 100 ms while idle`);
    await p.stop();
  });

  // W3 of the benchmark (a backlog, workers of 0-100 ms): every loop waited for room, and as
  // the tail drained each sent its long poll as room freed, one empty answer per loop (20 at
  // the default ceiling) for the same idle queue.
  it('sends no receive beside one that already waits on the drained tail of a backlog', async () => {
    // 1 ms round trips, a 60 s wait on an empty queue (SQS's is 20 s), workers that free a
    // batch of room every 250 ms (well past the 100 ms after which a receive counts as
    // waiting, also on a loaded machine): the intake grows to its 8 while the buffer fills,
    // the loops take turns at the room, and the queue runs dry while they do. Before: 8
    // waiting, 28 receives.
    const sqs = new FakeSqs(200, 1, 60_000);
    const p = pipeline(sqs, {}, 80, 250);
    await until(() => p.handled() === 200, 'every message handled');
    await sleep(300);
    const waiting = sqs.inFlight;
    const receives = sqs.receives;
    await p.stop();
    assert.ok(waiting <= 3, `${waiting} long polls waiting on the drained queue`);
    assert.ok(receives <= 20 + 3, `${receives} receives for 200 messages`);
  });

  // Found by the simulation (SIM_SEED=2, at-rest-empty): loops the sizer retired while they
  // waited for room lingered, one long poll each, until room freed in turn.
  it('retires a loop waiting for buffer room as soon as the target drops', async () => {
    const sqs = new FakeSqs(10, 1, 60_000);
    const buffer = new MessageBuffer(10);
    const intake = new QueueIntake(
      sqs.client,
      standardQueue,
      buffer,
      { ...options, maxReceivers: 2 },
      {
        onReceived: (queue, messages, reserved) =>
          buffer.push(
            messages.map((m) => toHeldMessage(m, queue, Date.now())),
            reserved,
          ),
        onError: () => undefined,
        onResized: () => undefined,
      },
    );
    const abort = new AbortController();
    const running = intake.run(abort.signal);
    // No workers: the first full batch fills the buffer and every loop then waits for room.
    await until(() => buffer.size === 10, 'the first batch buffered');
    assert.ok(intake.grow(), 'a full batch says the queue has more');
    await until(() => intake.running === 2, 'two loops');
    intake.shrink();
    await until(() => intake.running === 1, 'the extra loop retired');
    abort.abort();
    buffer.close();
    await running;
  });

  it('keeps the buffer within its bound, whatever the intake wants', async () => {
    const sqs = new FakeSqs(3_000, 20);
    const p = pipeline(sqs, {}, 30);
    let maxBuffered = 0;
    const sampler = setInterval(() => (maxBuffered = Math.max(maxBuffered, p.buffer.size)), 1);
    await until(() => p.handled() === 3_000, 'every message handled');
    clearInterval(sampler);
    await p.stop();
    assert.ok(maxBuffered <= 30, `buffered at most ${maxBuffered}`);
    assert.ok(p.buffer.capacity <= 30);
  });

  it('does not receive while paused, lets the receive in flight finish, and resumes without a message', async () => {
    const sqs = new FakeSqs(0, 20, 200);
    const p = pipeline(sqs);
    await until(() => sqs.inFlight === 1, 'a long poll in flight');
    assert.equal(p.intake.pause('keycloak', 'circuit breaker open'), true);
    // Messages arrive while that long poll waits: it answers with a batch of them. Aborting it
    // instead could throw away an answer SQS already gave (their receives spent for nothing).
    sqs.depth = 50;
    await until(() => sqs.inFlight === 0 && p.handled() === 10, 'the long poll answered with its batch');
    const during = sqs.receives;
    await sleep(100);
    assert.equal(sqs.receives, during, 'no ReceiveMessage while paused');
    assert.equal(p.handled(), 10);
    const pausedMs = p.intake.resume('keycloak');
    assert.ok(pausedMs !== undefined && pausedMs >= 100);
    await until(() => p.handled() === 50, 'messages flow after resume');
    await p.stop();
  });

  it('abandons a receive that gets no answer within its deadline and reports it', async () => {
    const sqs = new FakeSqs(0, 20, 20, true);
    const p = pipeline(sqs, { receiveDeadlineMs: 50 });
    await until(() => p.errors.length > 0, 'a receive error');
    await p.stop();
    assert.ok(p.errors[0] instanceof ReceiveTimeoutError, String(p.errors[0]));
    assert.match(p.errors[0]!.message, /no answer within 50 ms/);
  });
});
