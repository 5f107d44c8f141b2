import { SendMessageCommand, type MessageAttributeValue, type SQSClient } from '@aws-sdk/client-sqs';
import type { HeldMessage } from './held-message.js';
import { discoverDeadLetterQueueUrl } from './queue-registry.js';
import type { DeadLetterReason } from './sqs.errors.js';

/** Attributes added to a dead-lettered message. */
export const DLQ_REASON_ATTRIBUTE = 'dlq-reason';
export const DLQ_DETAIL_ATTRIBUTE = 'dlq-detail';
/** SQS allows ten message attributes; two are ours. */
const MAX_KEPT_ATTRIBUTES = 8;
const MAX_DETAIL_LENGTH = 1_000;

/**
 * Where a non-retryable message ended up: copied with its reason attributes, copied bare (the
 * DLQ's size limit left no room for them; the reason is in the log and the event), or left to
 * the queue's redrive policy (no dead-letter queue known).
 */
export type DeadLetterOutcome = 'moved' | 'moved-without-reason' | 'left-to-redrive-policy';

/**
 * Moves a message that can never succeed to the queue's dead-letter queue, with the reason
 * as message attributes, so that nothing is dropped and operations can see why. The caller
 * deletes the original only after the copy is stored. With no dead-letter queue the message
 * is left for the queue's redrive policy.
 */
export class DeadLetterForwarder {
  constructor(private readonly client: SQSClient) {}

  async forward(held: HeldMessage, reason: DeadLetterReason, detail: string, patternAttribute: string): Promise<DeadLetterOutcome> {
    const dlqUrl = await this.deadLetterQueueUrl(held);
    if (!dlqUrl) return 'left-to-redrive-policy';
    const reasonAttributes: Record<string, MessageAttributeValue> = {
      [DLQ_REASON_ATTRIBUTE]: { DataType: 'String', StringValue: reason },
      [DLQ_DETAIL_ATTRIBUTE]: { DataType: 'String', StringValue: truncate(detail || reason) },
    };
    // Attributes count towards the size limit, and the DLQ's limit may be smaller than the work
    // queue's: shed the original attributes first, then ours, rather than fail the move.
    const attempts: Array<[Record<string, MessageAttributeValue>, DeadLetterOutcome]> = [
      [{ ...keptAttributes(held.message.MessageAttributes, patternAttribute), ...reasonAttributes }, 'moved'],
      [reasonAttributes, 'moved'],
      [{}, 'moved-without-reason'],
    ];
    for (const [index, [attributes, outcome]] of attempts.entries()) {
      try {
        await this.send(dlqUrl, held, attributes);
        return outcome;
      } catch (err) {
        if (!isTooLarge(err) || index === attempts.length - 1) throw err;
      }
    }
    throw new Error('unreachable');
  }

  private send(dlqUrl: string, held: HeldMessage, attributes: Record<string, MessageAttributeValue>) {
    const { message } = held;
    const fifo = dlqUrl.endsWith('.fifo');
    return this.client.send(
      new SendMessageCommand({
        QueueUrl: dlqUrl,
        MessageBody: message.Body || ' ',
        MessageAttributes: Object.keys(attributes).length ? attributes : undefined,
        MessageGroupId: fifo ? (held.info.groupId ?? 'dead-letter') : undefined,
        MessageDeduplicationId: fifo ? (message.Attributes?.MessageDeduplicationId ?? held.info.messageId) : undefined,
      }),
    );
  }

  private async deadLetterQueueUrl(held: HeldMessage): Promise<string | null> {
    if (held.queue.deadLetterQueueUrl === undefined) {
      held.queue.deadLetterQueueUrl = await discoverDeadLetterQueueUrl(this.client, held.queue.url);
    }
    return held.queue.deadLetterQueueUrl;
  }
}

function keptAttributes(
  attributes: Record<string, MessageAttributeValue> | undefined,
  patternAttribute: string,
): Record<string, MessageAttributeValue> {
  const entries = Object.entries(attributes ?? {}).filter(
    ([name]) => name !== DLQ_REASON_ATTRIBUTE && name !== DLQ_DETAIL_ATTRIBUTE,
  );
  // The pattern first, so a redrive back to the work queue still routes.
  entries.sort(([a], [b]) => Number(b === patternAttribute) - Number(a === patternAttribute));
  return Object.fromEntries(entries.slice(0, MAX_KEPT_ATTRIBUTES));
}

/** SQS's answer to a message over the queue's `MaximumMessageSize` (AWS, ElasticMQ, fauxqs). */
function isTooLarge(err: unknown): boolean {
  const { name = '', message = '' } = err as { name?: string; message?: string };
  return /InvalidParameterValue|MessageTooLong/i.test(name) && /shorter than|too long|too large|size/i.test(message);
}

function truncate(text: string): string {
  return text.length <= MAX_DETAIL_LENGTH ? text : `${text.slice(0, MAX_DETAIL_LENGTH - 1)}…`;
}
