// Builders of held messages for the transport's unit specs.
import type { Message } from '@aws-sdk/client-sqs';
import { toHeldMessage, type HeldMessage } from '../../src/sqs/core/held-message.js';
import type { ResolvedQueue } from '../../src/sqs/core/queue-registry.js';

export const standardQueue: ResolvedQueue = { url: 'http://127.0.0.1:1/000000000000/q', fifo: false };
export const fifoQueue: ResolvedQueue = { url: 'http://127.0.0.1:1/000000000000/q.fifo', fifo: true };

let sequence = 0;

export function fakeHeld(
  options: { id?: string; group?: string; queue?: ResolvedQueue; body?: string; receivedAt?: number } = {},
): HeldMessage {
  sequence += 1;
  const message: Message = {
    MessageId: options.id ?? `m-${sequence}`,
    ReceiptHandle: `rh-${sequence}`,
    Body: options.body ?? '{}',
    Attributes: { ApproximateReceiveCount: '1', ...(options.group ? { MessageGroupId: options.group } : {}) },
  };
  return toHeldMessage(
    message,
    options.queue ?? (options.group ? fifoQueue : standardQueue),
    options.receivedAt ?? Date.now(),
  );
}
