import type { Message, MessageAttributeValue } from '@aws-sdk/client-sqs';
import {
  DLQ_ATTRIBUTE_PREFIX,
  DLQ_DETAIL_ATTRIBUTE,
  DLQ_FIRST_RECEIVED_ATTRIBUTE,
  DLQ_MESSAGE_ID_ATTRIBUTE,
  DLQ_PATTERN_ATTRIBUTE,
  DLQ_REASON_ATTRIBUTE,
  DLQ_RECEIVE_COUNT_ATTRIBUTE,
  DLQ_SOURCE_QUEUE_ATTRIBUTE,
} from '../sqs/index.js';

/** Reason of a message that has no `dlq-reason`: the queue's redrive policy moved it. */
export const REDRIVE_POLICY_REASON = 'redrive-policy';

/** A message of the dead-letter queue, with what its attributes say about where it came from. */
export interface DeadLetterRecord {
  message: Message;
  /** The dead-letter queue's MessageId (a transport copy has a new one; see `originalMessageId`). */
  messageId: string;
  reason: string;
  detail?: string;
  pattern?: string;
  sourceQueueUrl?: string;
  originalMessageId?: string;
  receiveCount?: number;
  firstReceivedAt?: number;
  sentAt?: number;
}

const text = (attributes: Record<string, MessageAttributeValue>, name: string) => attributes[name]?.StringValue;
const number = (value: string | undefined) =>
  value === undefined || !Number.isFinite(Number(value)) ? undefined : Number(value);

/**
 * Reads a received dead-letter message. A copy made by the transport says everything in its
 * `dlq-*` attributes; a message the redrive policy moved keeps its own id and receive count,
 * and its pattern in `patternAttribute` if it had one.
 */
export function toDeadLetterRecord(message: Message, patternAttribute: string): DeadLetterRecord {
  const attributes = message.MessageAttributes ?? {};
  const system = message.Attributes ?? {};
  const copied = text(attributes, DLQ_REASON_ATTRIBUTE) !== undefined;
  return {
    message,
    messageId: message.MessageId ?? '',
    reason: text(attributes, DLQ_REASON_ATTRIBUTE) ?? REDRIVE_POLICY_REASON,
    detail: text(attributes, DLQ_DETAIL_ATTRIBUTE),
    pattern: text(attributes, DLQ_PATTERN_ATTRIBUTE) ?? text(attributes, patternAttribute),
    sourceQueueUrl: text(attributes, DLQ_SOURCE_QUEUE_ATTRIBUTE),
    originalMessageId: text(attributes, DLQ_MESSAGE_ID_ATTRIBUTE) ?? (copied ? undefined : message.MessageId),
    receiveCount:
      number(text(attributes, DLQ_RECEIVE_COUNT_ATTRIBUTE)) ??
      (copied ? undefined : number(system.ApproximateReceiveCount)),
    firstReceivedAt: number(text(attributes, DLQ_FIRST_RECEIVED_ATTRIBUTE)),
    sentAt: number(system.SentTimestamp),
  };
}

/** The message's own attributes, without the ones the transport added: what a redrive sends. */
export function originalAttributes(message: Message): Record<string, MessageAttributeValue> | undefined {
  const kept = Object.entries(message.MessageAttributes ?? {}).filter(
    ([name]) => !name.startsWith(DLQ_ATTRIBUTE_PREFIX),
  );
  return kept.length ? Object.fromEntries(kept) : undefined;
}

/** True when the record matches the redrive's filters. */
export function matches(record: DeadLetterRecord, filter: { reason?: string; pattern?: string }): boolean {
  return (
    (filter.reason === undefined || record.reason === filter.reason) &&
    (filter.pattern === undefined || record.pattern === filter.pattern)
  );
}
