/**
 * The fields every log line about a message carries; the same keys as the transport's own
 * `messageLogFields` (src/sqs), so lines from the transport and from handlers line up.
 */
export interface MessageLogFields {
  messageId: string;
  pattern?: string;
  queueUrl: string;
  receiveCount: number;
}

/** The queue's name, not its URL (metric labels). */
export function queueName(queueUrl: string): string {
  return queueUrl.slice(queueUrl.lastIndexOf('/') + 1) || queueUrl;
}

/** The same fields from a handler's context (an `SqsContext`), read structurally. */
export interface SqsContextLike {
  getMessageId(): string;
  getPattern(): string;
  getQueueUrl(): string;
  getReceiveCount(): number;
}

export function isSqsContextLike(value: unknown): value is SqsContextLike {
  const candidate = value as Partial<SqsContextLike> | null;
  return typeof candidate?.getMessageId === 'function' && typeof candidate.getQueueUrl === 'function'
    && typeof candidate.getPattern === 'function' && typeof candidate.getReceiveCount === 'function';
}

export function contextLogFields(context: SqsContextLike): MessageLogFields {
  return {
    messageId: context.getMessageId(),
    pattern: context.getPattern(),
    queueUrl: context.getQueueUrl(),
    receiveCount: context.getReceiveCount(),
  };
}
