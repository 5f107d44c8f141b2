import type { Message } from '@aws-sdk/client-sqs';
import { toHeldMessage, type HeldMessage } from '../core/held-message.js';
import type { ResolvedQueue } from '../core/queue-registry.js';

/**
 * Every message this process holds (buffered, running, or handled with its delete pending),
 * by id, so that a message SQS delivers again while we still hold it is never run twice.
 */
export class HeldRegistry {
  private readonly held = new Map<string, HeldMessage>();

  /**
   * Turns received messages into held ones. A redelivery of one still held is not admitted:
   * the first copy keeps running, with the newest receipt handle (the only one sure to delete
   * it) and receive count adopted; `onDuplicate` hears about it. The count matters: settled
   * with the first receive's, a failure on what is now the last receive would be retried, and
   * the redrive policy would move it with no reason on the next.
   */
  admit(
    messages: Message[],
    queue: ResolvedQueue,
    now: number,
    onDuplicate: (known: HeldMessage) => void,
  ): HeldMessage[] {
    const fresh: HeldMessage[] = [];
    for (const message of messages) {
      const known = this.held.get(message.MessageId ?? '');
      if (known) {
        known.receiptHandle = message.ReceiptHandle ?? known.receiptHandle;
        const count = Number(message.Attributes?.ApproximateReceiveCount);
        if (count > known.info.receiveCount) known.info.receiveCount = count;
        known.visibleFromAt = now;
        onDuplicate(known);
        continue;
      }
      const held = toHeldMessage(message, queue, now);
      this.held.set(held.info.messageId, held);
      fresh.push(held);
    }
    return fresh;
  }

  /** The message's fate is sealed (deleted, released, moved): a later delivery is new work. */
  forget(held: HeldMessage): void {
    if (this.held.get(held.info.messageId) === held) this.held.delete(held.info.messageId);
  }

  /** Messages held now: bounded by the buffer, the workers and the deletes still pending. */
  get size(): number {
    return this.held.size;
  }

  clear(): void {
    this.held.clear();
  }
}
