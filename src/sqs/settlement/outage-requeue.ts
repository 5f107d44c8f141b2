import {
  SendMessageBatchCommand,
  SendMessageCommand,
  type MessageAttributeValue,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import type { HeldMessage } from '../core/held-message.js';
import { messageBytes } from '../core/message-size.js';

/** SQS's limit on `DelaySeconds`. */
const MAX_DELAY_SECONDS = 900;
/** Entries per `SendMessageBatch`. */
const MAX_BATCH = 10;
/**
 * Bytes per `SendMessageBatch`: SQS allows 1 MiB since August 2025, but local servers (and
 * older regions' docs) still hold to 256 KiB; a larger message goes on its own `SendMessage`.
 */
const MAX_BATCH_BYTES = 262_144;

/** What became of each copy: its new id, or why it could not be sent. */
export type CopyResults = Map<HeldMessage, { copyId?: string } | { error: Error }>;

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
  const { MessageId } = await client.send(
    new SendMessageCommand({ QueueUrl: held.queue.url, ...copyOf(held, delaySeconds) }),
  );
  return MessageId;
}

/**
 * Sends fresh copies of messages of one standard queue, visible at once, in as few
 * `SendMessageBatch` calls as the limits allow (ten entries, 256 KiB), and reports each:
 * a drain of 100 buffered messages costs ten calls, not 100. The caller deletes the originals
 * whose copy was stored.
 */
export async function requeueCopies(client: SQSClient, messages: HeldMessage[]): Promise<CopyResults> {
  const results: CopyResults = new Map();
  await Promise.all(
    copyBatches(messages).map(async (batch) => {
      try {
        if (batch.length === 1) {
          results.set(batch[0]!, { copyId: await requeueCopy(client, batch[0]!, 0) });
          return;
        }
        const answer = await client.send(
          new SendMessageBatchCommand({
            QueueUrl: batch[0]!.queue.url,
            Entries: batch.map((held, i) => ({ Id: String(i), ...copyOf(held, 0) })),
          }),
        );
        for (const ok of answer.Successful ?? []) results.set(batch[Number(ok.Id)]!, { copyId: ok.MessageId });
        for (const f of answer.Failed ?? []) {
          results.set(batch[Number(f.Id)]!, {
            error: new Error(`SendMessageBatch entry failed: ${f.Code ?? 'unknown'}`),
          });
        }
      } catch (err) {
        for (const held of batch) results.set(held, { error: err instanceof Error ? err : new Error(String(err)) });
      }
    }),
  );
  // An entry SQS left out of both lists was not stored.
  for (const held of messages) if (!results.has(held)) results.set(held, { error: new Error('no answer for entry') });
  return results;
}

/** Messages cut into batches SendMessageBatch accepts (one queue per batch). */
function copyBatches(messages: HeldMessage[]): HeldMessage[][] {
  const batches: HeldMessage[][] = [];
  for (const group of Map.groupBy(messages, (m) => m.queue.url).values()) {
    let batch: HeldMessage[] = [];
    let bytes = 0;
    for (const held of group) {
      const size = messageBytes(held.message);
      if (batch.length === MAX_BATCH || (batch.length > 0 && bytes + size > MAX_BATCH_BYTES)) {
        batches.push(batch);
        batch = [];
        bytes = 0;
      }
      batch.push(held);
      bytes += size;
    }
    if (batch.length) batches.push(batch);
  }
  return batches;
}

/** The SendMessage fields of a copy of `held`. */
function copyOf(held: HeldMessage, delaySeconds: number) {
  const { message } = held;
  const groupId = message.Attributes?.MessageGroupId;
  return {
    MessageBody: message.Body ?? '',
    MessageAttributes: sendableAttributes(message.MessageAttributes),
    DelaySeconds: Math.max(0, Math.min(MAX_DELAY_SECONDS, Math.round(delaySeconds))),
    // A fair queue's group id travels with the copy.
    ...(groupId ? { MessageGroupId: groupId } : {}),
  };
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
