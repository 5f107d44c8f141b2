import type { SQSClient } from '@aws-sdk/client-sqs';
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Acknowledger } from './acknowledger.js';
import type { HeldMessage } from '../core/held-message.js';
import { fakeHeld } from '../../../test/support/held-messages.js';

type Answer = (input: { Entries: Array<{ Id: string; ReceiptHandle: string }> }) => unknown;

/** An SQSClient double that records each command and answers with `answer`. */
function fakeClient(answer: Answer) {
  const calls: Array<{
    name: string;
    input: { Entries: Array<{ Id: string; ReceiptHandle: string; VisibilityTimeout?: number }> };
  }> = [];
  const client = {
    send: async (command: { constructor: { name: string }; input: never }) => {
      calls.push({ name: command.constructor.name, input: command.input });
      return answer(command.input);
    },
  } as unknown as SQSClient;
  return { client, calls };
}

function hooks() {
  const deleteErrors: Array<[HeldMessage, Error]> = [];
  return {
    deleteErrors,
    onDeleteError: (m: HeldMessage, e: Error) => deleteErrors.push([m, e]),
    onVisibilityError: () => undefined,
  };
}

describe('Acknowledger', () => {
  it('batches deletes ten at a time and sends a partial batch after the linger', async () => {
    const { client, calls } = fakeClient(() => ({ Successful: [], Failed: [] }));
    const ack = new Acknowledger(client, 20, hooks());
    const done = Array.from({ length: 13 }, () => ack.delete(fakeHeld()));
    assert.equal(calls.length, 1, 'the first ten go at once');
    assert.equal(calls[0]!.input.Entries.length, 10);
    await Promise.all(done);
    assert.equal(calls.length, 2);
    assert.equal(calls[1]!.input.Entries.length, 3);
  });

  it('uses the newest receipt handle of a message at send time', async () => {
    const { client, calls } = fakeClient(() => ({}));
    const ack = new Acknowledger(client, 1, hooks());
    const m = fakeHeld();
    const done = ack.delete(m);
    m.receiptHandle = 'newest';
    await done;
    assert.equal(calls[0]!.input.Entries[0]!.ReceiptHandle, 'newest');
  });

  // Found by the simulation (SIM_SEED=2): SQS accepts a delete with an older receipt without
  // deleting; the message came back a third time and the redrive policy moved it, no reason.
  it('deletes again with the newest receipt when a redelivery brought one while the call was out', async () => {
    const m = fakeHeld();
    const { client, calls } = fakeClient(() => {
      if (calls.length === 1) m.receiptHandle = 'redelivered';
      return {};
    });
    const ack = new Acknowledger(client, 0, hooks());
    await ack.delete(m);
    assert.deepEqual(
      calls.map((c) => c.input.Entries[0]!.ReceiptHandle),
      [calls[0]!.input.Entries[0]!.ReceiptHandle, 'redelivered'],
    );
    assert.notEqual(calls[0]!.input.Entries[0]!.ReceiptHandle, 'redelivered');
  });

  it('retries entries that failed on the server side, and reports the ones SQS refuses', async () => {
    let attempt = 0;
    const { client, calls } = fakeClient((input) => {
      attempt += 1;
      if (attempt === 1) {
        return {
          Failed: [
            { Id: '0', SenderFault: false, Code: 'InternalError' },
            { Id: '1', SenderFault: true, Code: 'ReceiptHandleIsInvalid' },
          ],
        };
      }
      return { Successful: input.Entries.map((e) => ({ Id: e.Id })) };
    });
    const h = hooks();
    const ack = new Acknowledger(client, 0, h);
    const [a, b, c] = [fakeHeld(), fakeHeld(), fakeHeld()];
    await Promise.all([ack.delete(a), ack.delete(b), ack.delete(c)]);
    assert.equal(calls.length, 2);
    assert.deepEqual(
      calls[1]!.input.Entries.map((e) => e.ReceiptHandle),
      [a.receiptHandle],
      'only the server-side failure is retried',
    );
    assert.equal(h.deleteErrors.length, 1);
    assert.equal(h.deleteErrors[0]![0], b);
    assert.match(h.deleteErrors[0]![1].message, /ReceiptHandleIsInvalid/);
  });

  it('reports every entry when the call keeps failing, and never rejects', async () => {
    const { client, calls } = fakeClient(() => {
      throw new Error('socket hang up');
    });
    const h = hooks();
    const ack = new Acknowledger(client, 0, h);
    await ack.delete(fakeHeld());
    assert.equal(calls.length, 3, 'three attempts');
    assert.equal(h.deleteErrors.length, 1);
  });

  it('flush() sends what is queued and waits for it', async () => {
    const { client, calls } = fakeClient(() => ({}));
    const ack = new Acknowledger(client, 10_000, hooks());
    void ack.delete(fakeHeld());
    await ack.flush();
    assert.equal(calls.length, 1);
  });

  it('changes visibility in batches of ten per queue', async () => {
    const { client, calls } = fakeClient(() => ({}));
    const ack = new Acknowledger(client, 0, hooks());
    await ack.changeVisibility(
      Array.from({ length: 12 }, () => fakeHeld()),
      0,
    );
    assert.deepEqual(
      calls.map((c) => [c.name, c.input.Entries.length]),
      [
        ['ChangeMessageVisibilityBatchCommand', 10],
        ['ChangeMessageVisibilityBatchCommand', 2],
      ],
    );
    assert.equal(calls[0]!.input.Entries[0]!.VisibilityTimeout, 0);
  });

  // Found by the simulation (SIM_SEED=1, visibility-changes-in-order): a retry's backoff and a
  // give-back sent side by side reached SQS in the wrong order, hiding the message again.
  it('sends a visibility change of a message only after the one before it answered', async () => {
    let answerFirst!: () => void;
    const firstAnswered = new Promise<void>((resolve) => (answerFirst = resolve));
    const { client, calls } = fakeClient(() => (calls.length === 1 ? firstAnswered.then(() => ({})) : {}));
    const ack = new Acknowledger(client, 0, hooks());
    const [m, other] = [fakeHeld(), fakeHeld()];
    const backoff = ack.changeVisibility([m], 2);
    const giveBack = ack.changeVisibility([m], 0);
    await ack.changeVisibility([other], 30);
    assert.deepEqual(
      calls.map((c) => c.input.Entries[0]!.VisibilityTimeout),
      [2, 30],
      'the give-back waits; another message does not',
    );
    answerFirst();
    await Promise.all([backoff, giveBack]);
    assert.deepEqual(
      calls.map((c) => c.input.Entries[0]!.VisibilityTimeout),
      [2, 30, 0],
    );
  });
});
