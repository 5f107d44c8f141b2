import type { Message } from '@aws-sdk/client-sqs';
import { unwrapEventBridge } from '../envelopes/eventbridge-event.js';
import { parseJson } from '../envelopes/json-text.js';
import { unwrapS3Notification } from '../envelopes/s3-notification.js';
import { unwrapSns } from '../envelopes/sns-notification.js';
import type { SqsEnvelope, Unwrapped } from '../envelopes/sqs-envelope.js';
import { DeadLetterReason } from '../core/sqs.errors.js';
import { UndecodableMessageError } from '../core/undecodable-message.error.js';

export { UndecodableMessageError } from '../core/undecodable-message.error.js';

/** A message routed to its handler: the pattern it names and the payload for the handler. */
export interface DecodedMessage {
  pattern: string;
  data: unknown;
  /**
   * Patterns tried in turn when `pattern` has no handler: an EventBridge event's `source`, an
   * S3 event's category (`ObjectCreated:*`), then the queue's default pattern.
   */
  fallbackPatterns?: string[];
  /** The envelope an AWS service wrapped the payload in (SNS, EventBridge, S3). */
  envelope?: SqsEnvelope;
}

function isNestEnvelope(value: unknown): value is { pattern: unknown; data: unknown } {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && 'pattern' in value && 'data' in value;
}

function patternToString(pattern: unknown): string {
  if (typeof pattern === 'string' && pattern.length > 0) return pattern;
  if (typeof pattern === 'object' && pattern !== null) {
    // Nest routes object patterns by their JSON with sorted keys; the server normalises it.
    return JSON.stringify(pattern);
  }
  throw new UndecodableMessageError(DeadLetterReason.NoPattern, 'the body names an empty or non-string pattern');
}

/**
 * Reads the pattern and payload of a message. Envelopes are unwrapped first: an SNS
 * notification, then an EventBridge event or an S3 event notification (directly or inside
 * SNS). Pattern sources, first match wins: the pattern message attribute (SQS's own, or an
 * SNS envelope's), the service envelope (EventBridge `detail-type` then `source`, S3
 * `eventName`), a Nest-style `{ "pattern", "data" }` body, the queue's default pattern.
 */
export function decodeMessage(message: Message, patternAttribute: string, defaultPattern?: string): DecodedMessage {
  let payload = parseJson(message.Body ?? '', 'the body');
  let attributePattern = readSqsPatternAttribute(message, patternAttribute);
  const sns = unwrapSns(payload, patternAttribute, attributePattern === undefined);
  if (sns) {
    attributePattern ??= sns.attributePattern;
    payload = sns.payload;
  }
  const service = unwrapEventBridge(payload) ?? unwrapS3Notification(payload);
  const envelope = nest(sns?.envelope, service?.envelope);
  const fallback = defaultPattern ? [defaultPattern] : [];
  const withEnvelope = (decoded: DecodedMessage): DecodedMessage => (envelope ? { ...decoded, envelope } : decoded);

  if (attributePattern !== undefined)
    return withEnvelope({ pattern: attributePattern, data: service?.data ?? payload });
  if (service) return withEnvelope(routeByService(service, fallback));
  if (isNestEnvelope(payload)) return withEnvelope({ pattern: patternToString(payload.pattern), data: payload.data });
  if (defaultPattern) return withEnvelope({ pattern: defaultPattern, data: payload });
  throw new UndecodableMessageError(
    DeadLetterReason.NoPattern,
    `no "${patternAttribute}" attribute, no { pattern, data } body and no default pattern for the queue`,
  );
}

function routeByService(service: Unwrapped, fallback: string[]): DecodedMessage {
  const [pattern, ...rest] = [...service.patterns, ...fallback];
  if (pattern === undefined) {
    throw new UndecodableMessageError(
      DeadLetterReason.NoPattern,
      `the ${service.envelope.source} envelope names no pattern`,
    );
  }
  return { pattern, data: service.data, fallbackPatterns: rest };
}

function nest(outer?: SqsEnvelope, inner?: SqsEnvelope): SqsEnvelope | undefined {
  if (!outer) return inner;
  return inner ? { ...outer, inner } : outer;
}

function readSqsPatternAttribute(message: Message, name: string): string | undefined {
  const attribute = message.MessageAttributes?.[name];
  if (!attribute) return undefined;
  if (!attribute.DataType?.startsWith('String') || !attribute.StringValue) {
    throw new UndecodableMessageError(
      DeadLetterReason.MalformedAttribute,
      `attribute "${name}" must be a non-empty String (got ${attribute.DataType ?? 'no type'})`,
    );
  }
  return attribute.StringValue;
}
