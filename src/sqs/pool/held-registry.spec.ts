import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Message } from '@aws-sdk/client-sqs';
import { HeldRegistry } from './held-registry.js';
import { standardQueue } from '../../../test/support/held-messages.js';

const delivery = (receipt: string, receiveCount: number): Message => ({
  MessageId: 'm-1',
  ReceiptHandle: receipt,
  Body: '{}',
  Attributes: { ApproximateReceiveCount: String(receiveCount) },
});

describe('HeldRegistry', () => {
  // Found by the simulation (a heartbeat failing during an SQS outage): settled with the first
  // receive's count, a failure on the last receive was retried, and the redrive policy moved
  // the message with no reason on the next receive.
  it('adopts the receipt and receive count of a redelivery of a message it still holds', () => {
    const registry = new HeldRegistry();
    const [held] = registry.admit([delivery('r-1', 1)], standardQueue, 0, () => assert.fail('not a duplicate'));
    const duplicates: unknown[] = [];
    const fresh = registry.admit([delivery('r-2', 2)], standardQueue, 1_000, (known) => duplicates.push(known));
    assert.deepEqual(fresh, []);
    assert.deepEqual(duplicates, [held]);
    assert.equal(held!.receiptHandle, 'r-2');
    assert.equal(held!.info.receiveCount, 2);
  });

  it('never lowers the receive count (a redelivery without the attribute)', () => {
    const registry = new HeldRegistry();
    const [held] = registry.admit([delivery('r-1', 3)], standardQueue, 0, () => undefined);
    registry.admit([{ MessageId: 'm-1', ReceiptHandle: 'r-2' }], standardQueue, 0, () => undefined);
    assert.equal(held!.info.receiveCount, 3);
  });
});
