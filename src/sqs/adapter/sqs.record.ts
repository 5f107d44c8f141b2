import type { MessageAttributeValue } from '@aws-sdk/client-sqs';

/** Per-message options for `SqsClient.emit()`. */
export interface SqsRecordOptions {
  /** Extra message attributes (the pattern attribute is added by the client). */
  attributes?: Record<string, MessageAttributeValue>;
  /** Standard queues: seconds before the message becomes visible (0-900). */
  delaySeconds?: number;
  /**
   * FIFO queues: the ordering group (default: the pattern). Standard queues: the fair-queue
   * group (a tenant, a customer), which SQS uses to keep one noisy group from delaying the
   * others' messages; it does not serialize them. Default on standard queues: none.
   */
  groupId?: string;
  /** FIFO queues without content-based deduplication: the deduplication id. */
  deduplicationId?: string;
}

/** A payload with SQS options: `client.emit('pattern', new SqsRecord(data, { groupId }))`. */
export class SqsRecord<TData = unknown> {
  constructor(
    readonly data: TData,
    readonly options: SqsRecordOptions = {},
  ) {}
}
