import type { Message } from '@aws-sdk/client-sqs';
import { DeadLetterReason } from './sqs.errors.js';

/** A message routed to its handler: the pattern it names and the payload for the handler. */
export interface DecodedMessage {
  pattern: string;
  data: unknown;
}

/** Why a message can never be routed. The transport dead-letters it with `reason`. */
export class UndecodableMessageError extends Error {
  override readonly name = 'UndecodableMessageError';
  constructor(
    readonly reason: DeadLetterReason,
    message: string,
  ) {
    super(message);
  }
}

interface SnsEnvelope {
  Type: 'Notification';
  Message: string;
  TopicArn: string;
  MessageAttributes?: Record<string, { Type?: string; Value?: string }>;
}

function isSnsEnvelope(value: unknown): value is SnsEnvelope {
  const v = value as Partial<SnsEnvelope> | null;
  return v?.Type === 'Notification' && typeof v.Message === 'string' && typeof v.TopicArn === 'string';
}

function isNestEnvelope(value: unknown): value is { pattern: unknown; data: unknown } {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && 'pattern' in value && 'data' in value;
}

function parseJson(text: string, where: string): unknown {
  try {
    return JSON.parse(text);
  } catch (err) {
    // The parser's own message quotes the body; keep only its position to avoid echoing payloads.
    const position = /position \d+/.exec(String((err as Error).message))?.[0] ?? 'unknown position';
    throw new UndecodableMessageError(DeadLetterReason.MalformedBody, `${where} is not valid JSON (${position})`);
  }
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
 * Reads the pattern and payload of a message. Sources, first match wins: the pattern message
 * attribute (SQS's own, or an SNS envelope's), a Nest-style `{ "pattern", "data" }` body, the
 * queue's default pattern. SNS notifications are unwrapped first.
 */
export function decodeMessage(message: Message, patternAttribute: string, defaultPattern?: string): DecodedMessage {
  let payload = parseJson(message.Body ?? '', 'the body');
  let attributePattern = readSqsPatternAttribute(message, patternAttribute);

  if (isSnsEnvelope(payload)) {
    const snsAttribute = payload.MessageAttributes?.[patternAttribute];
    if (attributePattern === undefined && snsAttribute) {
      if (snsAttribute.Type !== 'String' || !snsAttribute.Value) {
        throw new UndecodableMessageError(
          DeadLetterReason.MalformedAttribute,
          `SNS attribute "${patternAttribute}" must be a non-empty String`,
        );
      }
      attributePattern = snsAttribute.Value;
    }
    payload = parseJson(payload.Message, 'the SNS message');
  }

  if (attributePattern !== undefined) return { pattern: attributePattern, data: payload };
  if (isNestEnvelope(payload)) return { pattern: patternToString(payload.pattern), data: payload.data };
  if (defaultPattern) return { pattern: defaultPattern, data: payload };
  throw new UndecodableMessageError(
    DeadLetterReason.NoPattern,
    `no "${patternAttribute}" attribute, no { pattern, data } body and no default pattern for the queue`,
  );
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
