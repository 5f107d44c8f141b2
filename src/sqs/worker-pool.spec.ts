import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import type { HeldMessage } from './held-message.js';
import { MessageBuffer } from './message-buffer.js';
import { fakeHeld } from '../../test/support/held-messages.js';
import { WorkerPool } from './worker-pool.js';

function delays(pool: { buffer: MessageBuffer }, ms: number[]) {
  const messages = ms.map((d) => fakeHeld({ body: String(d) }));
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
    delays({ buffer }, Array(40).fill(5));
    while (buffer.size > 0 || pool.inFlight.size > 0) await sleep(5);
    assert.equal(max, 4);
  });

  it('lets fast messages pass a slow one: a worker takes the next as soon as its own is done', async () => {
    const buffer = new MessageBuffer(100);
    const done: string[] = [];
    const pool = new WorkerPool(2, buffer, async (m: HeldMessage) => {
      await sleep(Number(m.message.Body));
      done.push(m.message.Body!);
    });
    pool.start();
    delays({ buffer }, [300, 10, 10, 10, 10, 10]);
    await sleep(200);
    assert.deepEqual(done, ['10', '10', '10', '10', '10'], 'five fast ones done while the slow one runs');
    buffer.close();
    assert.equal(await pool.drain(2_000), true);
    assert.equal(done.at(-1), '300');
  });

  it('keeps its size when a message throws', async () => {
    const buffer = new MessageBuffer(100);
    let handled = 0;
    const pool = new WorkerPool(1, buffer, async () => {
      handled += 1;
      throw new Error('boom');
    });
    pool.start();
    delays({ buffer }, [0, 0, 0]);
    await sleep(20);
    assert.equal(handled, 3);
  });

  it('drain() reports false when running messages outlast the timeout, and names them', async () => {
    const buffer = new MessageBuffer(10);
    const pool = new WorkerPool(1, buffer, () => sleep(500));
    pool.start();
    const [slow] = delays({ buffer }, [500]);
    await sleep(10);
    buffer.close();
    assert.equal(await pool.drain(50), false);
    assert.deepEqual([...pool.inFlight], [slow]);
  });
});
