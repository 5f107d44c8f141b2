import {
  SendMessageBatchCommand,
  SQSClient,
  type MessageAttributeValue,
  type SendMessageBatchRequestEntry,
} from '@aws-sdk/client-sqs';
import { AssertionError } from 'node:assert';
import { randomUUID } from 'node:crypto';
import { SqsClient } from '../adapter/sqs.client.js';
import { emittedMatches, type EmittedMatcher } from './emitted-matcher.js';
import type { SqsTestRawMessage } from './test-message.js';

/** One message a `RecordingSqsClient` sent, read back from the request SQS would have received. */
export interface EmittedMessage {
  messageId: string;
  pattern: string;
  /** The body, parsed. */
  data: unknown;
  body: string;
  /** Every message attribute, the pattern attribute included. */
  attributes: Record<string, MessageAttributeValue>;
  groupId?: string;
  deduplicationId?: string;
  delaySeconds?: number;
}

/** Where a `RecordingSqsClient` pretends to send. */
export interface RecordingSqsClientOptions {
  /** Default: a placeholder URL; a name ending in `.fifo` gives FIFO defaults (group = pattern). */
  queueUrl?: string;
  /** As `SqsClient`'s option. Default `pattern`. */
  patternAttribute?: string;
}

/** Where sent messages are delivered, as SQS would deliver them: an `SqsTestKit`. */
export interface SqsTestConsumer {
  deliver(raw: SqsTestRawMessage): Promise<unknown>;
}

/**
 * A real `SqsClient` (same batching, same attributes and body) whose SQS is a recorder: for
 * code that produces messages. Provide it where the code injects its `SqsClient`, then
 * `client.expectEmitted('user.registered', { username: 'ada' })`.
 */
export class RecordingSqsClient extends SqsClient {
  /** Everything sent, oldest first. */
  readonly emitted: EmittedMessage[];
  private readonly consumers: SqsTestConsumer[];

  constructor(options: RecordingSqsClientOptions = {}) {
    const emitted: EmittedMessage[] = [];
    const consumers: SqsTestConsumer[] = [];
    const patternAttribute = options.patternAttribute ?? 'pattern';
    const record = (entry: SendMessageBatchRequestEntry): string => {
      const message = toEmitted(entry, patternAttribute);
      emitted.push(message);
      const { body, attributes, messageId, groupId } = message;
      for (const consumer of consumers) void consumer.deliver({ body, attributes, messageId, groupId });
      return message.messageId;
    };
    super({
      queueUrl: options.queueUrl ?? 'http://sqs.test-kit.local/000000000000/produced',
      patternAttribute,
      client: recordingSdkClient(record),
    });
    this.emitted = emitted;
    this.consumers = consumers;
  }

  /** From now on, also deliver every message sent to `consumer` (an `SqsTestKit`), as SQS would. */
  deliverTo(consumer: SqsTestConsumer): this {
    this.consumers.push(consumer);
    return this;
  }

  /** The first message sent under `pattern` that matches; throws an `AssertionError` if none. */
  expectEmitted(pattern: string, matcher?: EmittedMatcher): EmittedMessage {
    const found = this.emitted.find((m) => m.pattern === pattern && emittedMatches(m, matcher));
    if (found) return found;
    // Patterns and counts only: payloads may hold personal data.
    const sent = this.emitted.map((m) => m.pattern);
    throw new AssertionError({
      message: `no message emitted under "${pattern}"${matcher ? ' matching' : ''}; sent ${sent.length}: [${sent.join(', ')}]`,
    });
  }

  /** As `expectEmitted`, waiting up to `timeoutMs` for a fire-and-forget emit to go out. */
  async waitForEmitted(pattern: string, matcher?: EmittedMatcher, timeoutMs = 5_000): Promise<EmittedMessage> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = this.emitted.find((m) => m.pattern === pattern && emittedMatches(m, matcher));
      if (found || Date.now() >= deadline) return found ?? this.expectEmitted(pattern, matcher);
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
  }

  /** Forgets what was sent. */
  clear(): void {
    this.emitted.length = 0;
  }
}

function toEmitted(entry: SendMessageBatchRequestEntry, patternAttribute: string): EmittedMessage {
  const body = entry.MessageBody ?? '';
  const attributes = entry.MessageAttributes ?? {};
  return {
    messageId: randomUUID(),
    pattern: attributes[patternAttribute]?.StringValue ?? '',
    data: JSON.parse(body),
    body,
    attributes,
    groupId: entry.MessageGroupId,
    deduplicationId: entry.MessageDeduplicationId,
    delaySeconds: entry.DelaySeconds,
  };
}

/** An `SQSClient` that answers `SendMessageBatch` by recording it, and refuses anything else. */
function recordingSdkClient(record: (entry: SendMessageBatchRequestEntry) => string): SQSClient {
  const sdk = new SQSClient({ region: 'us-east-1', credentials: { accessKeyId: 'test', secretAccessKey: 'test' } });
  const send = async (command: unknown) => {
    if (!(command instanceof SendMessageBatchCommand)) {
      throw new Error(`RecordingSqsClient records SendMessageBatch only, not ${describeCommand(command)}`);
    }
    const entries = command.input.Entries ?? [];
    return { Successful: entries.map((e) => ({ Id: e.Id, MessageId: record(e), MD5OfMessageBody: '' })), Failed: [] };
  };
  sdk.send = send as SQSClient['send'];
  return sdk;
}

function describeCommand(command: unknown): string {
  return (command as { constructor?: { name?: string } } | null)?.constructor?.name ?? String(command);
}
