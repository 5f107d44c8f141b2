import type { SQSClient } from '@aws-sdk/client-sqs';
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { fakeHeld } from '../../../test/support/held-messages.js';
import type { Acknowledger } from './acknowledger.js';
import type { DeadLetterForwarder } from './dead-letter-forwarder.js';
import type { HeldMessage } from '../core/held-message.js';
import { HeldRegistry } from '../pool/held-registry.js';
import type { ResolvedQueue } from '../core/queue-registry.js';
import { DeadLetterReason } from '../core/sqs.errors.js';
import { GiveBackCause, giveBackMode, UntriedGiveBack } from './untried-give-back.js';
import type { VisibilityHeartbeat } from '../pool/visibility-heartbeat.js';

const standard: ResolvedQueue = { url: 'http://127.0.0.1:1/000000000000/q', fifo: false, maxReceiveCount: 3 };
const fifo: ResolvedQueue = { url: 'http://127.0.0.1:1/000000000000/q.fifo', fifo: true, maxReceiveCount: 3 };

function at(queue: ResolvedQueue, receiveCount: number, id = `m-${receiveCount}`): HeldMessage {
  const held = fakeHeld({ id, queue, group: queue.fifo ? 'g' : undefined });
  held.info.receiveCount = receiveCount;
  return held;
}

function harness(options: { send?: () => Promise<unknown>; visibility?: () => Promise<void> } = {}) {
  const calls: string[] = [];
  const events: Array<{ event: string; args: unknown[] }> = [];
  const logs: string[] = [];
  const registry = new HeldRegistry();
  const ids = (ms: HeldMessage[]) => ms.map((m) => m.info.messageId).join(',');
  const giveBack = new UntriedGiveBack({
    client: {
      send: async (command: { input: { Entries?: unknown[] } }) => {
        calls.push(`copy ${command.input.Entries?.length ?? 1}`);
        if (options.send) return options.send();
        const entries = (command.input.Entries ?? [{ Id: '0' }]) as Array<{ Id: string }>;
        return { MessageId: 'copy', Successful: entries.map((e) => ({ Id: e.Id, MessageId: `copy-${e.Id}` })) };
      },
    } as unknown as SQSClient,
    acknowledger: {
      delete: async (m: HeldMessage) => void calls.push(`delete ${m.info.messageId}`),
      changeVisibility: async (ms: HeldMessage[], s: number) => {
        calls.push(`visibility ${ids(ms)} ${s}`);
        await options.visibility?.();
      },
    } as unknown as Acknowledger,
    deadLetters: {
      forward: async (m: HeldMessage, reason: DeadLetterReason) => {
        calls.push(`dlq ${m.info.messageId} ${reason}`);
        return 'moved';
      },
    } as unknown as DeadLetterForwarder,
    heartbeat: { untrackAll: async () => undefined } as unknown as VisibilityHeartbeat,
    registry,
    emit: (event, ...args) => void events.push({ event, args }),
    logger: { log: () => undefined, warn: () => undefined, error: (m) => void logs.push((m as { msg: string }).msg) },
    patternAttribute: 'pattern',
  });
  return { giveBack, calls, events, logs, registry, names: () => events.map((e) => e.event) };
}

describe('UntriedGiveBack', () => {
  it('picks the mode per queue type, receive count and whether the handler ran', () => {
    const table: Array<[ResolvedQueue, number, boolean, string]> = [
      [standard, 1, false, 'copy'],
      [standard, 3, false, 'copy'],
      [standard, 1, true, 'visibility-0'],
      [standard, 3, true, 'copy'],
      [{ ...standard, maxReceiveCount: undefined }, 1, true, 'copy'],
      [{ ...standard, maxReceiveCount: null }, 9, false, 'visibility-0'],
      [fifo, 2, false, 'visibility-0'],
      [fifo, 3, false, 'dead-letter'],
      [fifo, 3, true, 'dead-letter'],
      [{ ...fifo, maxReceiveCount: null }, 9, false, 'visibility-0'],
      [{ ...fifo, maxReceiveCount: undefined }, 9, false, 'visibility-0'],
    ];
    for (const [queue, count, attempted, mode] of table) {
      assert.equal(giveBackMode(at(queue, count), attempted), mode, `${queue.url} ${count} ${attempted}`);
    }
  });

  it('FIFO: a message given back on its last receive is dead-lettered with last-receive-untried, the rest released', async () => {
    const h = harness();
    await h.giveBack.giveBack([at(fifo, 3, 'last'), at(fifo, 1, 'early')], GiveBackCause.Shutdown);
    assert.deepEqual(h.calls, ['visibility early 0', `dlq last ${DeadLetterReason.LastReceiveUntried}`, 'delete last']);
    const dead = h.events.find((e) => e.event === 'dead_lettered')!;
    assert.equal(dead.args[1], DeadLetterReason.LastReceiveUntried);
    assert.match(String(dead.args[2]), /given back \(shutdown\) on its last receive \(3 of 3\)/);
  });

  it('standard: a copy that cannot be sent falls back to visibility 0, or on the last receive to a reasoned dead-letter', async () => {
    const h = harness({ send: () => Promise.reject(new Error('throttled')) });
    await h.giveBack.giveBack([at(standard, 1, 'early'), at(standard, 3, 'last')], GiveBackCause.Shutdown);
    assert.deepEqual(h.calls, [
      'copy 2',
      'visibility early 0',
      `dlq last ${DeadLetterReason.LastReceiveUntried}`,
      'delete last',
    ]);
    assert.equal(h.logs.filter((l) => l.includes('requeueing a fresh copy failed (throttled)')).length, 2);
    assert.ok(!h.names().includes('requeued'));
  });

  it('forgets a message before its visibility change is answered: coming back at once, it is new work', async () => {
    let answer!: () => void;
    const h = harness({ visibility: () => new Promise((resolve) => (answer = resolve)) });
    const [held] = h.registry.admit(
      [at(standard, 1, 'x').message],
      { ...standard, maxReceiveCount: null },
      Date.now(),
      () => assert.fail('first delivery'),
    );
    const done = h.giveBack.giveBack([held!], GiveBackCause.Shutdown);
    await new Promise((resolve) => setImmediate(resolve));
    // SQS applied the visibility 0 and a receive brought it back before the call answered.
    const again = h.registry.admit([held!.message], held!.queue, Date.now(), () =>
      assert.fail('dropped as a duplicate'),
    );
    assert.equal(again.length, 1);
    answer();
    await done;
  });
});
