import type { Message } from '@aws-sdk/client-sqs';

/**
 * Bytes a message counts against SQS's size limit (1 MiB since August 2025): its body plus
 * each attribute's name, type and value. The buffer's byte bound sums these.
 */
export function messageBytes(message: Message): number {
  let size = Buffer.byteLength(message.Body ?? '');
  const attributes = message.MessageAttributes;
  // `for...in` rather than Object.entries: no array per attribute, on every message received.
  for (const name in attributes) {
    const value = attributes[name]!;
    size += Buffer.byteLength(name) + Buffer.byteLength(value.DataType ?? '');
    size += Buffer.byteLength(value.StringValue ?? '') + (value.BinaryValue?.byteLength ?? 0);
  }
  return size;
}

/** SQS's largest message, body and attributes together (1 MiB). */
export const MAX_MESSAGE_BYTES = 1_048_576;
