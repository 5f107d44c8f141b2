import { DeadLetterReason } from '../core/sqs.errors.js';
import { UndecodableMessageError } from '../core/undecodable-message.error.js';
import { parseJson } from './json-text.js';
import type { SqsEnvelope } from './sqs-envelope.js';

/** An SNS notification as SNS delivers it to a queue with raw delivery off. */
export interface SnsNotification {
  Type: 'Notification';
  Message: string;
  TopicArn: string;
  MessageAttributes?: Record<string, { Type?: string; Value?: string }>;
}

/** The value as an SNS notification, or undefined when it is none. */
export function asSnsNotification(value: unknown): SnsNotification | undefined {
  const v = value as Partial<SnsNotification> | null;
  if (v?.Type !== 'Notification' || typeof v.Message !== 'string' || typeof v.TopicArn !== 'string') return undefined;
  return v as SnsNotification;
}

/** An SNS notification (a subscription without raw delivery), unwrapped. */
export interface UnwrappedSns {
  /** The parsed `Message`. */
  payload: unknown;
  /** The pattern from the notification's own message attribute, if it has one. */
  attributePattern?: string;
  envelope: SqsEnvelope;
}

/**
 * Unwraps an SNS notification: its `Message` (JSON) is the payload, and its
 * `MessageAttributes` count like SQS's. With raw delivery on there is no envelope: SNS
 * delivers the message as the body and its attributes as SQS message attributes.
 */
export function unwrapSns(value: unknown, patternAttribute: string, readPattern = true): UnwrappedSns | undefined {
  const v = asSnsNotification(value);
  if (!v) return undefined;
  // An SQS pattern attribute wins: the SNS one is then not read, malformed or not.
  const attribute = readPattern ? v.MessageAttributes?.[patternAttribute] : undefined;
  if (attribute && (attribute.Type !== 'String' || !attribute.Value)) {
    throw new UndecodableMessageError(
      DeadLetterReason.MalformedAttribute,
      `SNS attribute "${patternAttribute}" must be a non-empty String`,
    );
  }
  return {
    payload: parseJson(v.Message, 'the SNS message'),
    attributePattern: attribute?.Value,
    envelope: { source: 'sns', body: value },
  };
}
