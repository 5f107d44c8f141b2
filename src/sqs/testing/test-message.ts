import type { Message, MessageAttributeValue } from '@aws-sdk/client-sqs';
import { randomUUID } from 'node:crypto';

/** How a test message arrives, besides its body. */
export interface SqsTestMessageOptions {
  /** Message attributes; a string is short for `{ DataType: 'String', StringValue }`. */
  attributes?: Record<string, MessageAttributeValue | string>;
  /** `ApproximateReceiveCount`: 1 on the first delivery. Default 1. */
  receiveCount?: number;
  /** `MessageId`. Default: a random UUID. */
  messageId?: string;
  /** `MessageGroupId` (FIFO queues). */
  groupId?: string;
}

/** A message exactly as the body travels: raw text, no pattern attribute added. */
export interface SqsTestRawMessage extends SqsTestMessageOptions {
  /** The body as SQS would deliver it: JSON, a `{ pattern, data }` envelope, an SNS notification. */
  body: string;
}

/** The `Message` a `ReceiveMessage` would return for `raw`. */
export function toSqsMessage(raw: SqsTestRawMessage, now = Date.now()): Message {
  const messageId = raw.messageId ?? randomUUID();
  const attributes: Record<string, string> = {
    ApproximateReceiveCount: String(raw.receiveCount ?? 1),
    SentTimestamp: String(now),
  };
  if (raw.groupId) attributes.MessageGroupId = raw.groupId;
  return {
    MessageId: messageId,
    ReceiptHandle: `test-kit-${messageId}`,
    Body: raw.body,
    Attributes: attributes,
    MessageAttributes: raw.attributes ? toAttributeValues(raw.attributes) : undefined,
  };
}

function toAttributeValues(
  attributes: Record<string, MessageAttributeValue | string>,
): Record<string, MessageAttributeValue> {
  return Object.fromEntries(
    Object.entries(attributes).map(([name, value]) => [
      name,
      typeof value === 'string' ? { DataType: 'String', StringValue: value } : value,
    ]),
  );
}

/** The pattern as the attribute carries it: objects travel as JSON, as `SqsClient` sends them. */
export function patternText(pattern: string | Record<string, unknown>): string {
  return typeof pattern === 'string' ? pattern : JSON.stringify(pattern);
}
