import { GetQueueAttributesCommand, GetQueueUrlCommand, type SQSClient } from '@aws-sdk/client-sqs';
import type { SqsQueueOptions } from './sqs.options.js';

/** A consumed queue with what the transport learned about it. */
export interface ResolvedQueue {
  readonly url: string;
  readonly fifo: boolean;
  readonly defaultPattern?: string;
  /** Undefined until known; `null` when the queue has no dead-letter queue. */
  deadLetterQueueUrl?: string | null;
}

export function toResolvedQueue(options: SqsQueueOptions): ResolvedQueue {
  return {
    url: options.url,
    // FIFO queue names must end in ".fifo", so the URL alone tells; no call needed.
    fifo: options.url.endsWith('.fifo'),
    defaultPattern: options.defaultPattern,
    deadLetterQueueUrl: options.deadLetterQueueUrl,
  };
}

/**
 * Finds a queue's dead-letter queue from its `RedrivePolicy` (`deadLetterTargetArn`), so that
 * non-retryable messages can be moved there directly. Returns null when it has none.
 * Throws when SQS cannot be asked (the caller retries later).
 */
export async function discoverDeadLetterQueueUrl(client: SQSClient, queueUrl: string): Promise<string | null> {
  const { Attributes } = await client.send(
    new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['RedrivePolicy'] }),
  );
  const policy = Attributes?.RedrivePolicy;
  if (!policy) return null;
  const arn = (JSON.parse(policy) as { deadLetterTargetArn?: string }).deadLetterTargetArn;
  if (!arn) return null;
  // arn:aws:sqs:<region>:<account>:<name>
  const [, , , , account, name] = arn.split(':');
  if (!name) return null;
  const { QueueUrl } = await client.send(
    new GetQueueUrlCommand({ QueueName: name, QueueOwnerAWSAccountId: account || undefined }),
  );
  return QueueUrl ?? null;
}
