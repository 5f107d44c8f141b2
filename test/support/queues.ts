// Queue set-up and counts shared by every end-to-end spec (test/sqs, test/faults, test/users):
// one way to create a work queue with its dead-letter queue, one way to read its depth.
import { CreateQueueCommand, GetQueueAttributesCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { randomUUID } from 'node:crypto';

export interface QueueSpec {
  /** Adds a dead-letter queue and a redrive policy with this maxReceiveCount. */
  maxReceiveCount?: number;
  fifo?: boolean;
  visibilityTimeout?: number;
  maximumMessageSize?: number;
  dlqMaximumMessageSize?: number;
}

export interface CreatedQueue {
  name: string;
  url: string;
  dlqUrl?: string;
}

export interface QueueCounts {
  visible: number;
  inFlight: number;
  delayed: number;
}

/** A fresh queue (unique name from `prefix`), with a dead-letter queue when `maxReceiveCount` is set. */
export async function createQueue(client: SQSClient, prefix: string, spec: QueueSpec = {}): Promise<CreatedQueue> {
  const name = `${prefix}-${randomUUID().slice(0, 8)}`;
  const suffix = spec.fifo ? '.fifo' : '';
  const fifo: Record<string, string> = spec.fifo ? { FifoQueue: 'true', ContentBasedDeduplication: 'true' } : {};
  const size = (bytes?: number): Record<string, string> => (bytes ? { MaximumMessageSize: String(bytes) } : {});
  const attributes: Record<string, string> = { ...fifo, ...size(spec.maximumMessageSize) };
  if (spec.visibilityTimeout !== undefined) attributes.VisibilityTimeout = String(spec.visibilityTimeout);
  let dlqUrl: string | undefined;
  if (spec.maxReceiveCount !== undefined) {
    const dlqAttributes = { ...fifo, ...size(spec.dlqMaximumMessageSize) };
    dlqUrl = (
      await client.send(new CreateQueueCommand({ QueueName: `${name}-dlq${suffix}`, Attributes: dlqAttributes }))
    ).QueueUrl!;
    const { Attributes } = await client.send(
      new GetQueueAttributesCommand({ QueueUrl: dlqUrl, AttributeNames: ['QueueArn'] }),
    );
    attributes.RedrivePolicy = JSON.stringify({
      deadLetterTargetArn: Attributes!.QueueArn,
      maxReceiveCount: spec.maxReceiveCount,
    });
  }
  const url = (await client.send(new CreateQueueCommand({ QueueName: `${name}${suffix}`, Attributes: attributes })))
    .QueueUrl!;
  return { name, url, dlqUrl };
}

/** Visible, in-flight and delayed counts (approximate, as SQS reports them). */
export async function queueCounts(client: SQSClient, queueUrl: string): Promise<QueueCounts> {
  const { Attributes = {} } = await client.send(
    new GetQueueAttributesCommand({
      QueueUrl: queueUrl,
      AttributeNames: [
        'ApproximateNumberOfMessages',
        'ApproximateNumberOfMessagesNotVisible',
        'ApproximateNumberOfMessagesDelayed',
      ],
    }),
  );
  return {
    visible: Number(Attributes.ApproximateNumberOfMessages ?? 0),
    inFlight: Number(Attributes.ApproximateNumberOfMessagesNotVisible ?? 0),
    delayed: Number(Attributes.ApproximateNumberOfMessagesDelayed ?? 0),
  };
}
