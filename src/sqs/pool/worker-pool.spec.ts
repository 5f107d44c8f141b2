import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import type { HeldMessage } from '../core/held-message.js';
import { MessageBuffer } from '../buffer/message-buffer.js';
import { fakeHeld } from '../../../test/support/held-messages.js';
import { WorkerPool } from './worker-pool.js';

function enqueue(pool: { buffer: MessageBuffer }, bodies: Array<number | string>) {
  const messages = bodies.map((d) => fakeHeld({ body: String(d) }));
  pool.buffer.push(messages, 0);
  return messages;
}

describe('WorkerPool', () => {
  it('never runs more than `size` messages at once and uses all of them', async () => {
    const buffer = new MessageBuffer(100);
    let running = 0;
    let max = 0;
    const pool = new WorkerPool(4, buffer, async () => {
      running += 1;
      max = Math.max(max, running);
      await sleep(5);
      running -= 1;
    });
    pool.start();
    enqueue({ buffer }, Array(40).fill(5));
    while (buffer.size > 0 || pool.inFlight.size > 0) await sleep(5);
    assert.equal(max, 4);
  });

  // The cases below wait on events (a handler started, a count reached), never on a timer racing
  // the pool, so a loaded machine makes them slower, not red.
  it('lets fast messages pass a slow one: a worker takes the next as soon as its own is done', async () => {
    const buffer = new MessageBuffer(100);
    const done: string[] = [];
    const slow = Promise.withResolvers<void>();
    const fiveFast = Promise.withResolvers<void>();
    const pool = new WorkerPool(2, buffer, async (m: HeldMessage) => {
      if (m.message.Body === 'slow') await slow.promise;
      done.push(m.message.Body!);
      if (done.length === 5) fiveFast.resolve();
    });
    pool.start();
    enqueue({ buffer }, ['slow', 'fast', 'fast', 'fast', 'fast', 'fast']);
    await fiveFast.promise;
    assert.deepEqual(done, ['fast', 'fast', 'fast', 'fast', 'fast'], 'five fast ones done while the slow one runs');
    slow.resolve();
    buffer.close();
    assert.equal(await pool.drain(10_000), true);
    assert.equal(done.at(-1), 'slow');
  });

  it('keeps its size when a message throws', async () => {
    const buffer = new MessageBuffer(100);
    let handled = 0;
    const allThree = Promise.withResolvers<void>();
    const pool = new WorkerPool(1, buffer, async () => {
      handled += 1;
      if (handled === 3) allThree.resolve();
      throw new Error('boom');
    });
    pool.start();
    enqueue({ buffer }, ['a', 'b', 'c']);
    // One worker: the second and third run only if the first throw did not end it.
    await allThree.promise;
    assert.equal(handled, 3);
    buffer.close();
    assert.equal(await pool.drain(10_000), true);
  });

  it('drain() reports false when running messages outlast the timeout, and names them', async () => {
    const buffer = new MessageBuffer(10);
    const started = Promise.withResolvers<void>();
    const finish = Promise.withResolvers<void>();
    const pool = new WorkerPool(1, buffer, async () => {
      started.resolve();
      await finish.promise;
    });
    pool.start();
    const [slow] = enqueue({ buffer }, ['held']);
    await started.promise;
    buffer.close();
    // The handler cannot finish before `finish` resolves, so any timeout is outlasted.
    assert.equal(await pool.drain(50), false);
    assert.deepEqual([...pool.inFlight], [slow]);
    finish.resolve();
    assert.equal(await pool.drain(10_000), true);
  });
});
