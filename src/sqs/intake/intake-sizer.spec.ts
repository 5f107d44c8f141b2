import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { fakeHeld } from '../../../test/support/held-messages.js';
import { MessageBuffer } from '../buffer/message-buffer.js';
import { IntakeSizer } from './intake-sizer.js';
import type { QueueIntake } from './queue-intake.js';

/** The part of a QueueIntake the sizer uses: a receive count it can lower, and a round trip. */
function fakeIntake(receivers: number, roundTripMs = 1) {
  const intake = {
    receivers,
    roundTripMs,
    grow: () => false,
    shrink: () => (intake.receivers > 1 ? ((intake.receivers -= 1), true) : false),
  };
  return intake;
}

/**
 * A sizer over `intake` with its timer stopped: the spec ticks it with its own clock, the
 * interval starting at `t0` (so a slow machine does not lengthen it).
 */
function sizerOver(intake: ReturnType<typeof fakeIntake>, buffer: MessageBuffer, t0: number) {
  const sizer = new IntakeSizer([intake as unknown as QueueIntake], buffer, { batchSize: 10, staleAfterMs: 5_000 });
  sizer.start();
  sizer.stop();
  sizer.tick(t0);
  return sizer;
}

/** Workers take `count` messages, batch by batch, each of which waited `waitedMs` in the buffer. */
async function takeWaited(buffer: MessageBuffer, count: number, waitedMs: number): Promise<void> {
  const receivedAt = Date.now() - waitedMs;
  for (let batch = 0; batch < count; batch += 10) {
    assert.ok(buffer.tryReserve(10));
    buffer.push(
      Array.from({ length: 10 }, () => fakeHeld({ receivedAt })),
      10,
    );
    for (let i = 0; i < 10; i++) await buffer.take();
  }
}

describe('IntakeSizer', () => {
  // W4 of the benchmark (C = 100, +20 ms per call) kept 16 receives where 9 keep every worker
  // busy: messages fetched long before a worker was free, held invisible for nothing.
  it('retires receives for about half of a standing queue (no worker starved, every message had waited)', async () => {
    const intake = fakeIntake(20);
    const buffer = new MessageBuffer(1_000);
    const t0 = Date.now();
    const sizer = sizerOver(intake, buffer, t0);
    // 500 messages in 100 ms: a batch is 2 ms of the workers' time; each had waited 30 ms, 28 ms
    // (14 batches) beyond the 2-batch headroom (4 ms; the 5 ms floor is longer): retire about 7
    // (a few more if the machine is slow to take them and they wait longer).
    await takeWaited(buffer, 500, 30);
    sizer.tick(t0 + 100);
    assert.ok(intake.receivers >= 10 && intake.receivers <= 14, `${intake.receivers} receives left of 20`);
  });

  it('retires nothing when a worker found the buffer empty during the interval', async () => {
    const intake = fakeIntake(20);
    const buffer = new MessageBuffer(1_000);
    const t0 = Date.now();
    const sizer = sizerOver(intake, buffer, t0);
    await takeWaited(buffer, 500, 30);
    void buffer.take(); // a worker waits: the intake is not ahead of the workers
    sizer.tick(t0 + 100);
    assert.equal(intake.receivers, 20);
    buffer.close();
  });

  it('leaves a standing queue within the headroom alone: two batches, or half a round trip', async () => {
    // 20 messages in 100 ms (a handler of 500 ms at C = 10): a batch is 50 ms; 60 ms of waiting
    // is within two batches.
    const slow = fakeIntake(4);
    const slowBuffer = new MessageBuffer(1_000);
    const t0 = Date.now();
    const slowSizer = sizerOver(slow, slowBuffer, t0);
    await takeWaited(slowBuffer, 20, 60);
    slowSizer.tick(t0 + 100);
    assert.equal(slow.receivers, 4);
    // A 100 ms round trip: 30 ms of waiting covers less than half of one.
    const far = fakeIntake(20, 100);
    const farBuffer = new MessageBuffer(1_000);
    const farSizer = sizerOver(far, farBuffer, t0);
    await takeWaited(farBuffer, 500, 30);
    farSizer.tick(t0 + 100);
    assert.equal(far.receivers, 20);
  });
});
