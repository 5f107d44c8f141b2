import { type SqsMessageInfo } from '../sqs/index.js';

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

/** The log fields of a message the transport reports. */
export function messageLogFields(info: SqsMessageInfo): MessageLogFields {
  return { messageId: info.messageId, pattern: info.pattern, queueUrl: info.queueUrl, receiveCount: info.receiveCount };
}
