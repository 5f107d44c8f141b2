import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Acknowledger } from '../settlement/acknowledger.js';
import type { HeldMessage } from '../core/held-message.js';
import { fakeHeld } from '../../../test/support/held-messages.js';
import { VisibilityHeartbeat } from './visibility-heartbeat.js';

function setup(options = { visibilityTimeout: 30, intervalSeconds: 10, maxVisibilitySeconds: 100 }) {
  let now = 1_000_000;
  const extended: Array<[number, number]> = [];
  const givenUp: HeldMessage[] = [];
  const acknowledger = {
    changeVisibility: async (messages: HeldMessage[], seconds: number) => {
      extended.push([messages.length, seconds]);
    },
  } as unknown as Acknowledger;
  const heartbeat = new VisibilityHeartbeat(
    acknowledger,
    options,
    { onExtended: () => undefined, onGivenUp: (m) => givenUp.push(m) },
    () => now,
  );
  const held = (): HeldMessage => Object.assign(fakeHeld(), { receivedAt: now, visibleFromAt: now });
  return { heartbeat, extended, givenUp, held, advance: (s: number) => (now += s * 1_000) };
}

describe('VisibilityHeartbeat', () => {
  it('extends held messages once per interval, in one batch', () => {
    const { heartbeat, extended, held, advance } = setup();
    heartbeat.track(held());
    heartbeat.track(held());
    advance(5);
    heartbeat.tick();
    assert.deepEqual(extended, [], 'not due yet');
    advance(5);
    heartbeat.tick();
    assert.deepEqual(extended, [[2, 30]]);
    heartbeat.tick();
    assert.equal(extended.length, 1, 'not again before the next interval');
  });

  it('stops the moment a message is untracked', () => {
    const { heartbeat, extended, held, advance } = setup();
    const m = held();
    heartbeat.track(m);
    heartbeat.untrack(m);
    advance(20);
    heartbeat.tick();
    assert.deepEqual(extended, []);
  });

  it('never extends past maxVisibilitySeconds, then lets the message go', () => {
    const { heartbeat, extended, givenUp, held, advance } = setup();
    const m = held();
    heartbeat.track(m);
    advance(80);
    heartbeat.tick();
    assert.deepEqual(extended, [[1, 20]], 'only what is left of the 100 s');
    advance(20);
    heartbeat.tick();
    assert.deepEqual(givenUp, [m]);
  });

  it('untrackAll waits for an extension still in flight, so a give-back cannot be overtaken by it', async () => {
    let answer!: () => void;
    const acknowledger = {
      changeVisibility: () => new Promise<void>((resolve) => (answer = resolve)),
    } as unknown as Acknowledger;
    let now = 1_000_000;
    const heartbeat = new VisibilityHeartbeat(
      acknowledger,
      { visibilityTimeout: 30, intervalSeconds: 10, maxVisibilitySeconds: 100 },
      { onExtended: () => undefined, onGivenUp: () => undefined },
      () => now,
    );
    const m = Object.assign(fakeHeld(), { receivedAt: now, visibleFromAt: now });
    heartbeat.track(m);
    now += 10_000;
    heartbeat.tick();
    let untracked = false;
    const done = heartbeat.untrackAll([m]).then(() => (untracked = true));
    await new Promise((resolve) => setImmediate(resolve));
    assert.equal(untracked, false, 'still waiting for the extension');
    answer();
    await done;
    assert.equal(untracked, true);
    // Nothing in flight: no wait at all.
    await heartbeat.untrackAll([m]);
  });
});
