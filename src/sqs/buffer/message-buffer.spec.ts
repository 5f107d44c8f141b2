import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MessageBuffer } from './message-buffer.js';
import { fakeHeld, standardQueue } from '../../../test/support/held-messages.js';

describe('MessageBuffer', () => {
  it('grants room only while it is free, so receiving pauses when workers fall behind', async () => {
    const buffer = new MessageBuffer(10);
    assert.equal(await buffer.reserve(10), true);
    assert.equal(buffer.room, 0);
    let granted = false;
    const second = buffer.reserve(10).then((ok) => (granted = ok));
    buffer.push(
      Array.from({ length: 10 }, () => fakeHeld()),
      10,
    );
    await new Promise((r) => setImmediate(r));
    assert.equal(granted, false, 'full buffer: no room for another batch');
    for (let i = 0; i < 10; i++) await buffer.take();
    await second;
    assert.equal(granted, true, 'room came back as workers took messages');
  });

  it('returns unused reservations', async () => {
    const buffer = new MessageBuffer(10);
    await buffer.reserve(10);
    buffer.push([fakeHeld(), fakeHeld()], 10);
    assert.equal(buffer.room, 8);
    await buffer.reserve(8);
    buffer.unreserve(8);
    assert.equal(buffer.room, 8);
  });

  it('serves waiting receivers in arrival order (no starvation)', async () => {
    const buffer = new MessageBuffer(10);
    await buffer.reserve(10);
    const order: string[] = [];
    const a = buffer.reserve(10).then(() => order.push('a'));
    buffer.push([], 10); // a's turn: the room goes to the first waiter, not to a newcomer
    const b = buffer.reserve(10).then(() => order.push('b'));
    await a;
    buffer.unreserve(10);
    await b;
    assert.deepEqual(order, ['a', 'b']);
  });

  it('hands messages to waiting workers directly, oldest first', async () => {
    const buffer = new MessageBuffer(5);
    const first = buffer.take();
    const [m1, m2] = [fakeHeld(), fakeHeld()];
    buffer.push([m1, m2], 0);
    assert.equal(await first, m1);
    assert.equal(await buffer.take(), m2);
  });

  it('keeps a FIFO group to one message at a time, in order, while other groups proceed', async () => {
    const buffer = new MessageBuffer(10);
    const [a1, a2, b1] = [fakeHeld({ group: 'a' }), fakeHeld({ group: 'a' }), fakeHeld({ group: 'b' })];
    buffer.push([a1, a2, b1], 0);
    assert.equal(await buffer.take(), a1);
    assert.equal(await buffer.take(), b1, 'a2 waits for a1; b1 goes ahead');
    let next: unknown;
    void buffer.take().then((m) => (next = m));
    await new Promise((r) => setImmediate(r));
    assert.equal(next, undefined, 'a2 is held back while a1 runs');
    buffer.complete(a1);
    await new Promise((r) => setImmediate(r));
    assert.equal(next, a2);
  });

  it('wakes a waiting receiver when a finished FIFO message lets an idle worker take the next', async () => {
    const buffer = new MessageBuffer(3);
    await buffer.reserve(3);
    const [a1, a2, a3] = [fakeHeld({ group: 'a' }), fakeHeld({ group: 'a' }), fakeHeld({ group: 'a' })];
    buffer.push([a1, a2, a3], 3);
    assert.equal(await buffer.take(), a1);
    const idleWorker = buffer.take(); // waits: a2 belongs to a busy group
    let receiverWoken = false;
    const receiver = buffer.reserve(2).then((ok) => (receiverWoken = ok));
    await new Promise((r) => setImmediate(r));
    assert.equal(receiverWoken, false, 'one slot free, two wanted');
    buffer.complete(a1);
    assert.equal(await idleWorker, a2);
    await receiver;
    assert.equal(receiverWoken, true, 'taking a2 freed a slot, and the receiver heard of it');
  });

  it('removes the buffered rest of a group in order (to release it after a failure)', () => {
    const buffer = new MessageBuffer(10);
    const [a1, b1, a2, a3] = [
      fakeHeld({ group: 'a' }),
      fakeHeld({ group: 'b' }),
      fakeHeld({ group: 'a' }),
      fakeHeld({ group: 'a' }),
    ];
    buffer.push([a1, b1, a2, a3], 0);
    assert.deepEqual(buffer.removeGroup(a1.orderingKey!), [a1, a2, a3]);
    assert.equal(buffer.size, 1);
  });

  it('on close hands back what no worker started and then serves nothing', async () => {
    const buffer = new MessageBuffer(10);
    const [m, n] = [fakeHeld(), fakeHeld()];
    buffer.push([m, n], 0);
    assert.deepEqual(buffer.close(), [m, n]);
    assert.equal(await buffer.take(), null);
    assert.equal(await buffer.reserve(1), false);
  });

  it('on close wakes idle workers with null and refuses waiting receivers', async () => {
    const buffer = new MessageBuffer(10);
    const idleWorker = buffer.take();
    await buffer.reserve(10);
    const waitingReceiver = buffer.reserve(10);
    buffer.close();
    assert.equal(await idleWorker, null);
    assert.equal(await waitingReceiver, false);
  });

  it('resolves a waiting reservation with false when its signal aborts', async () => {
    const buffer = new MessageBuffer(1);
    await buffer.reserve(1);
    const controller = new AbortController();
    const pending = buffer.reserve(1, controller.signal);
    controller.abort();
    assert.equal(await pending, false);
  });

  it('grants no room while the buffered bytes reach maxBytes, and again once workers drain them', async () => {
    const mib = 'x'.repeat(1_048_576);
    const buffer = new MessageBuffer(100, undefined, 2 * 1_048_576);
    await buffer.reserve(10);
    buffer.push([fakeHeld({ body: mib }), fakeHeld({ body: mib })], 10);
    assert.equal(buffer.bytes, 2 * 1_048_576);
    assert.equal(buffer.room, 0, 'two 1 MiB messages fill a 2 MiB bound, whatever the count says');
    let granted = false;
    const next = buffer.reserve(10).then((ok) => (granted = ok));
    await new Promise((r) => setImmediate(r));
    assert.equal(granted, false);
    await buffer.take();
    await next;
    assert.equal(granted, true, 'a worker took 1 MiB: below the bound, a receive may start');
    assert.equal(buffer.bytes, 1_048_576);
  });

  it('counts the receives in flight at the recent message size: large messages, fewer receives', async () => {
    // Without this, every receive the intake adds may land a batch of 1 MiB messages on top of
    // the bound (20 receives: 200 MiB past it); with it, promised slots count as bytes too.
    const mib = 'x'.repeat(1_048_576);
    const buffer = new MessageBuffer(200, undefined, 8 * 1_048_576);
    assert.equal(await buffer.reserve(10), true, 'nothing seen yet: the first receive always starts');
    buffer.push([fakeHeld({ body: mib }), fakeHeld({ body: mib })], 10);
    assert.equal(await buffer.reserve(10), true, '2 MiB buffered, nothing promised: room');
    assert.equal(buffer.room, 0, '2 MiB buffered + 10 promised slots at ~1 MiB reach 8 MiB');
    buffer.unreserve(10);
    assert.ok(buffer.room > 0, 'the promise returned, room again');
    const small = new MessageBuffer(200, undefined, 8 * 1_048_576);
    await small.reserve(10);
    small.push([fakeHeld({ body: 'tiny' })], 10);
    for (let i = 0; i < 19; i++) assert.equal(await small.reserve(10), true, 'small messages: the count decides');
  });

  it('counts attributes as SQS does, and forgets the bytes of what it hands back', () => {
    const buffer = new MessageBuffer(10, undefined, 1_000);
    const m = fakeHeld({ body: '1234' });
    (m.message as { MessageAttributes?: unknown }).MessageAttributes = {
      ab: { DataType: 'String', StringValue: 'xyz' },
    };
    buffer.push([m, fakeHeld({ body: '12' })], 0);
    assert.equal(buffer.bytes, 4 + 2 + 6 + 3 + 2);
    buffer.removeQueue(standardQueue.url);
    assert.equal(buffer.bytes, 0);
  });

  it('serves the groups of a fair (standard) queue in turn: a noisy group does not make others wait', async () => {
    const buffer = new MessageBuffer(100);
    const noisy = Array.from({ length: 20 }, () => fakeHeld({ group: 'noisy', queue: standardQueue }));
    const quiet = [fakeHeld({ group: 'q1', queue: standardQueue }), fakeHeld({ group: 'q2', queue: standardQueue })];
    buffer.push([...noisy, ...quiet], 0);
    const firstFour = [await buffer.take(), await buffer.take(), await buffer.take(), await buffer.take()];
    assert.deepEqual(firstFour, [noisy[0], quiet[0], quiet[1], noisy[1]]);
  });

  it('never serializes a fair queue group: its messages run side by side, unlike a FIFO group', async () => {
    const buffer = new MessageBuffer(10);
    const [a1, a2] = [fakeHeld({ group: 'a', queue: standardQueue }), fakeHeld({ group: 'a', queue: standardQueue })];
    buffer.push([a1, a2], 0);
    assert.equal(await buffer.take(), a1);
    assert.equal(await buffer.take(), a2, 'a2 starts while a1 still runs');
  });

  it('keeps FIFO order within each group while the groups take turns', async () => {
    const buffer = new MessageBuffer(10);
    const [a1, a2, a3, b1] = ['a', 'a', 'a', 'b'].map((group) => fakeHeld({ group }));
    buffer.push([a1!, a2!, a3!, b1!], 0);
    assert.equal(await buffer.take(), a1);
    assert.equal(await buffer.take(), b1);
    buffer.complete(a1!);
    buffer.complete(b1!);
    assert.equal(await buffer.take(), a2);
    buffer.complete(a2!);
    assert.equal(await buffer.take(), a3);
  });

  it('holds a paused queue: its messages stay buffered, unserved, and are served in order once unheld', async () => {
    const buffer = new MessageBuffer(10);
    const other = { ...standardQueue, url: `${standardQueue.url}-other` };
    const a = fakeHeld({ id: 'a' });
    const b = fakeHeld({ id: 'b' });
    const c = fakeHeld({ id: 'c', queue: other });
    buffer.holdQueue(standardQueue.url);
    assert.ok(await buffer.reserve(3));
    buffer.push([a, b, c], 3);
    assert.equal(await buffer.take(), c, 'another queue is served');
    const waiting = buffer.take();
    assert.equal(buffer.size, 2, 'the held queue keeps its messages');
    buffer.unholdQueue(standardQueue.url);
    assert.equal(await waiting, a);
    assert.equal(await buffer.take(), b);
  });
});
