import { SendMessageCommand, type MessageAttributeValue, type SQSClient } from '@aws-sdk/client-sqs';
import type { HeldMessage } from '../core/held-message.js';
import { discoverDeadLetterQueueUrl } from '../core/queue-registry.js';
import { scrubText } from '../scrub/scrub.js';
import type { DeadLetterReason } from '../core/sqs.errors.js';

/** Attributes added to a dead-lettered message: why it is there. */
export const DLQ_REASON_ATTRIBUTE = 'dlq-reason';
/** Attribute of a dead-lettered message: the detail of its reason (no personal data). */
export const DLQ_DETAIL_ATTRIBUTE = 'dlq-detail';
/**
 * Attributes added to a dead-lettered message: where it came from. The copy is a new message
 * with a new MessageId, and SQS knows nothing of its source, so the copy has to say it.
 */
export const DLQ_SOURCE_QUEUE_ATTRIBUTE = 'dlq-source-queue';
/** Attribute of a dead-lettered message: the original's `MessageId`. */
export const DLQ_MESSAGE_ID_ATTRIBUTE = 'dlq-message-id';
/** Attribute of a dead-lettered message: the original's receive count when it was moved. */
export const DLQ_RECEIVE_COUNT_ATTRIBUTE = 'dlq-receive-count';
/** Epoch ms of the first receive (`ApproximateFirstReceiveTimestamp`). */
export const DLQ_FIRST_RECEIVED_ATTRIBUTE = 'dlq-first-received-at';
/** Attribute of a dead-lettered message: the pattern it was routed by, when known. */
export const DLQ_PATTERN_ATTRIBUTE = 'dlq-pattern';
/** The prefix of every attribute the transport adds; a redrive strips them. */
export const DLQ_ATTRIBUTE_PREFIX = 'dlq-';
/** SQS allows ten message attributes per message. */
const MAX_ATTRIBUTES = 10;
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
  /** @param redactBody rewrites the body of the copy (the `deadLetterBody` option); default: as is. */
  constructor(
    private readonly client: SQSClient,
    private readonly redactBody: (body: string) => string = (body) => body,
  ) {}

  async forward(
    held: HeldMessage,
    reason: DeadLetterReason,
    detail: string,
    patternAttribute: string,
  ): Promise<DeadLetterOutcome> {
    const dlqUrl = await this.deadLetterQueueUrl(held);
    if (!dlqUrl) return 'left-to-redrive-policy';
    const reasonAttributes = deadLetterAttributes(held, reason, detail);
    const room = MAX_ATTRIBUTES - Object.keys(reasonAttributes).length;
    // Attributes count towards the size limit, and the DLQ's limit may be smaller than the work
    // queue's: shed the original attributes first, then ours, rather than fail the move.
    const attempts: Array<[Record<string, MessageAttributeValue>, DeadLetterOutcome]> = [
      [{ ...keptAttributes(held.message.MessageAttributes, patternAttribute, room), ...reasonAttributes }, 'moved'],
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
        MessageBody: this.redactBody(message.Body ?? '') || ' ',
        MessageAttributes: Object.keys(attributes).length ? attributes : undefined,
        // A standard queue's message has a group id only on a server with fair queues, which
        // then accepts it on the dead-letter queue too; kept so a redrive keeps the fairness.
        MessageGroupId: fifo ? (held.info.groupId ?? 'dead-letter') : held.info.groupId,
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

/** The reason and the origin of a dead-lettered message, as message attributes. */
export function deadLetterAttributes(
  held: HeldMessage,
  reason: DeadLetterReason,
  detail: string,
): Record<string, MessageAttributeValue> {
  const { info, message } = held;
  const text = (value: string): MessageAttributeValue => ({ DataType: 'String', StringValue: value });
  const number = (value: number): MessageAttributeValue => ({ DataType: 'Number', StringValue: String(value) });
  const firstReceived = Number(message.Attributes?.ApproximateFirstReceiveTimestamp);
  return {
    [DLQ_REASON_ATTRIBUTE]: text(reason),
    // Handlers' errors may echo what the message carried: scrubbed as the logs are.
    [DLQ_DETAIL_ATTRIBUTE]: text(truncate(scrubText(detail || reason))),
    [DLQ_SOURCE_QUEUE_ATTRIBUTE]: text(info.queueUrl),
    [DLQ_MESSAGE_ID_ATTRIBUTE]: text(info.messageId),
    [DLQ_RECEIVE_COUNT_ATTRIBUTE]: number(info.receiveCount),
    ...(Number.isFinite(firstReceived) && firstReceived > 0
      ? { [DLQ_FIRST_RECEIVED_ATTRIBUTE]: number(firstReceived) }
      : {}),
    ...(info.pattern ? { [DLQ_PATTERN_ATTRIBUTE]: text(info.pattern) } : {}),
  };
}

function keptAttributes(
  attributes: Record<string, MessageAttributeValue> | undefined,
  patternAttribute: string,
  room: number,
): Record<string, MessageAttributeValue> {
  // A message redriven once and dead-lettered again carries our old attributes: the new ones win.
  const entries = Object.entries(attributes ?? {}).filter(([name]) => !name.startsWith(DLQ_ATTRIBUTE_PREFIX));
  // The pattern first, so a redrive back to the work queue still routes.
  entries.sort(([a], [b]) => Number(b === patternAttribute) - Number(a === patternAttribute));
  return Object.fromEntries(entries.slice(0, Math.max(0, room)));
}

/** SQS's answer to a message over the queue's `MaximumMessageSize` (AWS, ElasticMQ, fauxqs). */
function isTooLarge(err: unknown): boolean {
  const { name = '', message = '' } = err as { name?: string; message?: string };
  return /InvalidParameterValue|MessageTooLong/i.test(name) && /shorter than|too long|too large|size/i.test(message);
}

function truncate(text: string): string {
  return text.length <= MAX_DETAIL_LENGTH ? text : `${text.slice(0, MAX_DETAIL_LENGTH - 1)}…`;
}
