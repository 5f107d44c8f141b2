import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Message } from '@aws-sdk/client-sqs';
import { HeldRegistry } from '../pool/held-registry.js';
import { MessageBuffer } from './message-buffer.js';
import type { ResolvedQueue } from '../core/queue-registry.js';
import { fifoQueue, standardQueue } from '../../../test/support/held-messages.js';

const GROUPS = 1_000_000;
const BATCH = 10;

// A FIFO queue keyed by order or user id, or a fair queue keyed by tenant, sees endless new
// groups: what the engine keeps by group or message id must shrink back as messages leave.
describe('bookkeeping by group and message id, a million distinct groups', () => {
  it('is bounded by the buffer and empty at rest (FIFO and fair queue groups)', async () => {
    const buffer = new MessageBuffer(100);
    const registry = new HeldRegistry();
    let peak = 0;
    for (let sent = 0; sent < GROUPS; sent += BATCH) {
      const queue = sent % (2 * BATCH) === 0 ? fifoQueue : standardQueue;
      const held = registry.admit(batch(sent, queue), queue, 0, () => assert.fail('no duplicates sent'));
      buffer.push(held, 0);
      peak = Math.max(peak, buffer.groupBookkeeping.turns, buffer.groupBookkeeping.groups);
      // Workers take and finish half a batch; the rest is handed back unserved (a failed
      // head's followers, a paused queue), the other way out of the buffer.
      for (let i = 0; i < BATCH / 2; i++) finish(await buffer.take(), buffer, registry);
      for (const m of buffer.removeQueue(queue.url)) registry.forget(m);
    }
    assert.ok(peak <= BATCH, `never more groups tracked than buffered (peak ${peak})`);
    assert.deepEqual(buffer.groupBookkeeping, { groups: 0, turns: 0, busyGroups: 0 });
    assert.equal(registry.size, 0);
  });

  it('keeps a group that returns after leaving as a new one: served before groups with a turn', async () => {
    const buffer = new MessageBuffer(10);
    const registry = new HeldRegistry();
    const [a1, b1, b2] = registry.admit(
      [message('a1', 'a'), message('b1', 'b'), message('b2', 'b')],
      standardQueue,
      0,
      () => undefined,
    );
    buffer.push([a1!, b1!, b2!], 0);
    assert.equal(await buffer.take(), a1);
    assert.equal(await buffer.take(), b1);
    assert.equal(buffer.groupBookkeeping.turns, 1, 'a left with its last message; b stays with one turn');
    const [a2] = registry.admit([message('a2', 'a')], standardQueue, 0, () => undefined);
    buffer.push([a2!], 0);
    assert.equal(await buffer.take(), a2);
    assert.equal(await buffer.take(), b2);
    assert.deepEqual(buffer.groupBookkeeping, { groups: 0, turns: 0, busyGroups: 0 });
  });
});

function batch(from: number, queue: ResolvedQueue): Message[] {
  return Array.from({ length: BATCH }, (_, i) => message(`m-${from + i}`, `g-${from + i}`, queue.fifo));
}

function message(id: string, group: string, fifo = false): Message {
  const attributes = { ApproximateReceiveCount: '1', MessageGroupId: group };
  return { MessageId: id, ReceiptHandle: `rh-${id}`, Body: '{}', Attributes: fifo ? attributes : { ...attributes } };
}

function finish(held: Awaited<ReturnType<MessageBuffer['take']>>, buffer: MessageBuffer, registry: HeldRegistry): void {
  assert.ok(held);
  buffer.complete(held);
  registry.forget(held);
}
