import type { SqsMessageInfo } from './sqs.events.js';

/** The fields every log line about a message carries. */
export function messageLogFields(info: SqsMessageInfo): Record<string, unknown> {
  return {
    messageId: info.messageId,
    pattern: info.pattern,
    queueUrl: info.queueUrl,
    receiveCount: info.receiveCount,
    ...(info.groupId ? { groupId: info.groupId } : {}),
  };
}
