import { SendMessageCommand, type MessageAttributeValue, type SQSClient } from '@aws-sdk/client-sqs';
import type { HeldMessage } from './held-message.js';

/** SQS's limit on `DelaySeconds`. */
const MAX_DELAY_SECONDS = 900;

/**
 * Sends a fresh copy of a message to its own queue, to be visible after `delaySeconds`, and
 * returns the copy's id. The caller deletes the original once this resolves.
 *
 * Used for a message whose last receive failed only because a dependency is down: the copy
 * starts with a new receive count, so an outage longer than the retry budget does not move a
 * valid message to the dead-letter queue. Standard queues only: on a FIFO queue the copy would
 * go behind the rest of its group and break the order.
 */
export async function requeueCopy(
  client: SQSClient,
  held: HeldMessage,
  delaySeconds: number,
): Promise<string | undefined> {
  const { message } = held;
  const groupId = message.Attributes?.MessageGroupId;
  const { MessageId } = await client.send(
    new SendMessageCommand({
      QueueUrl: held.queue.url,
      MessageBody: message.Body ?? '',
      MessageAttributes: sendableAttributes(message.MessageAttributes),
      DelaySeconds: Math.max(0, Math.min(MAX_DELAY_SECONDS, Math.round(delaySeconds))),
      // A fair queue's group id travels with the copy.
      ...(groupId ? { MessageGroupId: groupId } : {}),
    }),
  );
  return MessageId;
}

/** Received attributes in the shape SendMessage accepts (list values are reserved by SQS). */
function sendableAttributes(
  attributes: Record<string, MessageAttributeValue> | undefined,
): Record<string, MessageAttributeValue> | undefined {
  const entries = Object.entries(attributes ?? {}).map(([name, value]): [string, MessageAttributeValue] => [
    name,
    {
      DataType: value.DataType,
      ...(value.StringValue !== undefined ? { StringValue: value.StringValue } : {}),
      ...(value.BinaryValue !== undefined ? { BinaryValue: value.BinaryValue } : {}),
    },
  ]);
  return entries.length ? Object.fromEntries(entries) : undefined;
}
