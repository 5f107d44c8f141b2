import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SlowStart, type SlowStartTicket } from './slow-start.js';

const Q = 'https://sqs.example/q';

/** Asks for `n` places; returns the tickets granted so far and the pending asks. */
function ask(slow: SlowStart, n: number) {
  const granted: SlowStartTicket[] = [];
  const refused: number[] = [];
  for (let i = 0; i < n; i++) {
    void slow.enter(Q).then((t) => (t ? granted.push(t) : refused.push(i)));
  }
  return { granted, refused };
}

const settle = () => new Promise((resolve) => setImmediate(resolve));

describe('SlowStart', () => {
  it('lets every message run at once while no queue resumed', async () => {
    const slow = new SlowStart(2, 10);
    const { granted } = ask(slow, 10);
    await settle();
    assert.equal(granted.length, 10);
  });

  it('after a resume: 2 at a time, doubling each time as many succeeded, until the pool is full', async () => {
    const slow = new SlowStart(2, 10);
    slow.begin(Q);
    const { granted } = ask(slow, 30);
    const running = () => granted.filter((t) => !(t as any).finished).length;
    const finish = async (count: number, succeeded = true) => {
      for (const t of granted.filter((x) => !(x as any).finished).slice(0, count)) {
        (t as any).finished = true;
        t.done(succeeded);
      }
      await settle();
    };
    await settle();
    assert.equal(running(), 2);
    await finish(2);
    assert.equal(slow.limits().get(Q), 4);
    assert.equal(running(), 4);
    await finish(4);
    assert.equal(slow.limits().get(Q), 8);
    assert.equal(running(), 8);
    await finish(8);
    // 16 would exceed the pool: the ramp ends and every waiting message may run.
    assert.equal(slow.limits().has(Q), false);
    assert.equal(granted.length, 30);
  });

  it('a failure holds the limit where it is', async () => {
    const slow = new SlowStart(2, 10);
    slow.begin(Q);
    const { granted } = ask(slow, 6);
    await settle();
    granted[0].done(true);
    granted[1].done(false);
    await settle();
    assert.equal(slow.limits().get(Q), 2, 'one success of two: no doubling');
    assert.equal(granted.length, 4);
    granted[2].done(true);
    granted[3].done(true);
    await settle();
    assert.equal(slow.limits().get(Q), 4);
  });

  it('a pause admits nothing more and keeps the waiting messages (no receive spent); a resume starts over at 2', async () => {
    const slow = new SlowStart(2, 10);
    slow.begin(Q);
    const { granted, refused } = ask(slow, 5);
    await settle();
    slow.pause(Q);
    for (const t of granted.splice(0)) t.done(true);
    await settle();
    assert.equal(granted.length, 0, 'nothing admitted while paused, though places were freed');
    assert.equal(refused.length, 0, 'nobody given back');
    slow.begin(Q);
    assert.equal(slow.limits().get(Q), 2);
    await settle();
    assert.equal(granted.length, 2, 'the waiters run once the ramp starts over');
  });

  it('close refuses every waiting message', async () => {
    const slow = new SlowStart(1, 10);
    slow.begin(Q);
    const { refused } = ask(slow, 3);
    slow.close();
    await settle();
    assert.equal(refused.length, 2);
  });

  it('is off with 0, or when the pool is no larger than the first step', async () => {
    for (const slow of [new SlowStart(0, 10), new SlowStart(4, 4)]) {
      slow.begin(Q);
      const { granted } = ask(slow, 8);
      await settle();
      assert.equal(granted.length, 8);
    }
  });

  it('a ticket counts once, however often done() is called', async () => {
    const slow = new SlowStart(2, 10);
    slow.begin(Q);
    const { granted } = ask(slow, 3);
    await settle();
    granted[0].done(true);
    granted[0].done(true);
    await settle();
    assert.equal(slow.limits().get(Q), 2, 'one success, not two');
  });
});
