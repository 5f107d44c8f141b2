import { PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import type { MessageAttributeValue } from '@aws-sdk/client-sqs';
import { randomUUID } from 'node:crypto';
import { MAX_MESSAGE_BYTES, messageBytes } from '../core/message-size.js';
import type { SqsClientLargePayloadOptions } from './large-payload.options.js';
import { formatPointer, PAYLOAD_SIZE_ATTRIBUTE } from './payload-pointer.js';
import { toS3Client } from './s3-client.js';

/** The parts of an outgoing message the offloader reads and may replace. */
export interface OutgoingMessage {
  MessageBody?: string;
  MessageAttributes?: Record<string, MessageAttributeValue>;
}

/**
 * The producer's half of the claim check: a message larger than the threshold has its body
 * stored in S3 and replaced by a pointer, with the `ExtendedPayloadSize` attribute, exactly as
 * AWS's SQS Extended Client libraries do, so their consumers (Java, Python) read it too.
 */
export class PayloadOffloader {
  private readonly s3: { client: S3Client; owned: boolean };
  private readonly threshold: number;

  constructor(private readonly options: SqsClientLargePayloadOptions) {
    this.s3 = toS3Client(options.s3);
    this.threshold = options.thresholdBytes ?? MAX_MESSAGE_BYTES;
  }

  /** The message as it should be sent: itself, or a pointer to its body stored in S3. */
  async offload<T extends OutgoingMessage>(entry: T): Promise<T> {
    const size = messageBytes({ Body: entry.MessageBody, MessageAttributes: entry.MessageAttributes });
    if (size <= this.threshold) return entry;
    const body = entry.MessageBody ?? '';
    const pointer = { bucket: this.options.bucket, key: `${this.options.keyPrefix ?? ''}${randomUUID()}` };
    try {
      await this.s3.client.send(new PutObjectCommand({ Bucket: pointer.bucket, Key: pointer.key, Body: body }));
    } catch (err) {
      const name = (err as { name?: string }).name ?? 'Error';
      throw new Error(`storing a ${size}-byte payload in s3://${pointer.bucket} failed: ${name}`, { cause: err });
    }
    const payloadSize = { DataType: 'Number', StringValue: String(Buffer.byteLength(body)) };
    return {
      ...entry,
      MessageBody: formatPointer(pointer),
      MessageAttributes: { ...entry.MessageAttributes, [PAYLOAD_SIZE_ATTRIBUTE]: payloadSize },
    };
  }

  close(): void {
    if (this.s3.owned) this.s3.client.destroy();
  }
}
