import type { Message, MessageAttributeValue } from '@aws-sdk/client-sqs';
import { BaseRpcContext } from '@nestjs/microservices';
import type { SqsEnvelope } from '../envelopes/sqs-envelope.js';

type SqsContextArgs = [message: Message, queueUrl: string, pattern: string, envelope?: SqsEnvelope];

/**
 * What `@Ctx()` gives an SQS handler: the raw message and where it came from.
 *
 * ```ts
 * @SqsEventPattern('order.created')
 * created(@Payload() dto: OrderCreatedDto, @Ctx() ctx: SqsContext) {
 *   return this.orders.create(dto, ctx.getMessageId());
 * }
 * ```
 */
export class SqsContext extends BaseRpcContext<SqsContextArgs> {
  constructor(args: SqsContextArgs) {
    super(args);
  }

  /** The message exactly as `ReceiveMessage` returned it. */
  getMessage(): Message {
    return this.args[0];
  }

  /** The URL of the queue the message was received from. */
  getQueueUrl(): string {
    return this.args[1];
  }

  /** The pattern the message was routed by (from its attribute, its body or the queue's default). */
  getPattern(): string {
    return this.args[2];
  }

  /** SQS's `MessageId`: stable across redeliveries, a key for idempotency and logs. */
  getMessageId(): string {
    return this.args[0].MessageId ?? '';
  }

  /** `ApproximateReceiveCount`: 1 on the first delivery. */
  getReceiveCount(): number {
    return Number(this.args[0].Attributes?.ApproximateReceiveCount ?? 1);
  }

  /** The message attributes as sent (the pattern attribute among them); `{}` when none. */
  getMessageAttributes(): Record<string, MessageAttributeValue> {
    return this.args[0].MessageAttributes ?? {};
  }

  /**
   * The envelope another AWS service wrapped the message in (an SNS notification, an
   * EventBridge event, an S3 event notification), whose content is the handler's data;
   * undefined for a plain message or an SNS subscription with raw delivery.
   */
  getEnvelope(): SqsEnvelope | undefined {
    return this.args[3];
  }

  /** `MessageGroupId`: FIFO queues, and standard queues with fair-queue groups; else undefined. */
  getMessageGroupId(): string | undefined {
    return this.args[0].Attributes?.MessageGroupId;
  }
}
