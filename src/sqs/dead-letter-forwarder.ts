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

/** Where a non-retryable message ended up. */
export type DeadLetterOutcome = 'moved' | 'left-to-redrive-policy';

/**
 * Moves a message that can never succeed to the queue's dead-letter queue, with the reason
 * as message attributes, so that nothing is dropped and operations can see why. The caller
 * deletes the original only after the copy is stored. With no dead-letter queue, or when the
 * copy cannot be stored, the message is left for the queue's redrive policy.
 */
export class DeadLetterForwarder {
  constructor(private readonly client: SQSClient) {}

  async forward(held: HeldMessage, reason: DeadLetterReason, detail: string, patternAttribute: string): Promise<DeadLetterOutcome> {
    const dlqUrl = await this.deadLetterQueueUrl(held);
    if (!dlqUrl) return 'left-to-redrive-policy';
    const { message } = held;
    const reasonAttributes: Record<string, MessageAttributeValue> = {
      [DLQ_REASON_ATTRIBUTE]: { DataType: 'String', StringValue: reason },
      [DLQ_DETAIL_ATTRIBUTE]: { DataType: 'String', StringValue: truncate(detail || reason) },
    };
    const fifo = dlqUrl.endsWith('.fifo');
    const send = (attributes: Record<string, MessageAttributeValue>) =>
      this.client.send(
        new SendMessageCommand({
          QueueUrl: dlqUrl,
          MessageBody: message.Body || ' ',
          MessageAttributes: attributes,
          MessageGroupId: fifo ? (held.info.groupId ?? 'dead-letter') : undefined,
          MessageDeduplicationId: fifo ? (message.Attributes?.MessageDeduplicationId ?? held.info.messageId) : undefined,
        }),
      );
    try {
      await send({ ...keptAttributes(message.MessageAttributes, patternAttribute), ...reasonAttributes });
    } catch {
      // Most often the original attributes push the copy over the size limit, or one of them
      // is what made the message poison: store the body and the reason alone.
      await send(reasonAttributes);
    }
    return 'moved';
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

function truncate(text: string): string {
  return text.length <= MAX_DETAIL_LENGTH ? text : `${text.slice(0, MAX_DETAIL_LENGTH - 1)}…`;
}
