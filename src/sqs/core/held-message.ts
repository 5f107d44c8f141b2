import type { Message } from '@aws-sdk/client-sqs';
import type { SqsMessageInfo } from './sqs.events.js';
import type { ResolvedQueue } from './queue-registry.js';

/**
 * A message this process holds, from the moment it is received until it is deleted, released
 * or dead-lettered. The receipt handle is mutable: a redelivery of a message we still hold
 * brings a newer handle, and only the newest one is sure to work.
 */
export interface HeldMessage {
  readonly message: Message;
  readonly queue: ResolvedQueue;
  readonly info: SqsMessageInfo;
  /** Epoch ms of the receive that brought it. */
  readonly receivedAt: number;
  receiptHandle: string;
  /** Epoch ms the visibility timeout was last set to run from. */
  visibleFromAt: number;
  /** Key that orders FIFO messages: queue URL + group id. Undefined for standard queues. */
  readonly orderingKey?: string;
}

export function toHeldMessage(message: Message, queue: ResolvedQueue, now: number): HeldMessage {
  const attributes = message.Attributes ?? {};
  const groupId = attributes.MessageGroupId;
  const sent = Number(attributes.SentTimestamp);
  return {
    message,
    queue,
    receivedAt: now,
    visibleFromAt: now,
    receiptHandle: message.ReceiptHandle ?? '',
    orderingKey: queue.fifo && groupId ? `${queue.url}\u0000${groupId}` : undefined,
    info: {
      messageId: message.MessageId ?? '',
      queueUrl: queue.url,
      receiveCount: Number(attributes.ApproximateReceiveCount ?? 1),
      sentTimestamp: Number.isFinite(sent) ? sent : undefined,
      groupId,
    },
  };
}
