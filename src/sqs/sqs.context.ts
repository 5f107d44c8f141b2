import type { Message, MessageAttributeValue } from '@aws-sdk/client-sqs';
import { BaseRpcContext } from '@nestjs/microservices';
import type { SqsEnvelope } from './envelopes/sqs-envelope.js';

type SqsContextArgs = [message: Message, queueUrl: string, pattern: string, envelope?: SqsEnvelope];

/** What `@Ctx()` gives an SQS handler: the raw message and where it came from. */
export class SqsContext extends BaseRpcContext<SqsContextArgs> {
  constructor(args: SqsContextArgs) {
    super(args);
  }

  /** The message exactly as `ReceiveMessage` returned it. */
  getMessage(): Message {
    return this.args[0];
  }

  getQueueUrl(): string {
    return this.args[1];
  }

  getPattern(): string {
    return this.args[2];
  }

  getMessageId(): string {
    return this.args[0].MessageId ?? '';
  }

  /** `ApproximateReceiveCount`: 1 on the first delivery. */
  getReceiveCount(): number {
    return Number(this.args[0].Attributes?.ApproximateReceiveCount ?? 1);
  }

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

  /** FIFO queues, and standard queues with fair-queue groups. */
  getMessageGroupId(): string | undefined {
    return this.args[0].Attributes?.MessageGroupId;
  }
}
