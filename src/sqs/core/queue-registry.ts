import { GetQueueAttributesCommand, GetQueueUrlCommand, type SQSClient } from '@aws-sdk/client-sqs';
import type { SqsQueueOptions } from './sqs.options.js';

/** A consumed queue with what the transport learned about it. */
export interface ResolvedQueue {
  readonly url: string;
  readonly fifo: boolean;
  readonly defaultPattern?: string;
  /** Undefined until known; `null` when the queue has no dead-letter queue. */
  deadLetterQueueUrl?: string | null;
  /** The redrive policy's `maxReceiveCount`, once read; `null` when the queue has none. */
  maxReceiveCount?: number | null;
}

/** What a queue's `RedrivePolicy` says. */
export interface RedriveFacts {
  deadLetterQueueUrl: string | null;
  maxReceiveCount: number | null;
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
  return (await readRedrivePolicy(client, queueUrl, true)).deadLetterQueueUrl;
}

/**
 * Reads a queue's `RedrivePolicy`: its `maxReceiveCount` (so the transport knows which receive
 * is a message's last) and, when `resolveUrl`, its dead-letter queue's URL. The call doubles
 * as the start-up check that the queue exists and the credentials may read it.
 * Throws when SQS cannot be asked.
 */
export async function readRedrivePolicy(
  client: SQSClient,
  queueUrl: string,
  resolveUrl: boolean,
): Promise<RedriveFacts> {
  const { Attributes } = await client.send(
    new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['RedrivePolicy'] }),
  );
  const policy = Attributes?.RedrivePolicy;
  if (!policy) return { deadLetterQueueUrl: null, maxReceiveCount: null };
  const parsed = JSON.parse(policy) as { deadLetterTargetArn?: string; maxReceiveCount?: number | string };
  const maxReceiveCount = Number(parsed.maxReceiveCount);
  const facts = {
    deadLetterQueueUrl: null,
    maxReceiveCount: Number.isInteger(maxReceiveCount) && maxReceiveCount > 0 ? maxReceiveCount : null,
  };
  // arn:aws:sqs:<region>:<account>:<name>
  const [, , , , account, name] = (parsed.deadLetterTargetArn ?? '').split(':');
  if (!resolveUrl || !name) return facts;
  const { QueueUrl } = await client.send(
    new GetQueueUrlCommand({ QueueName: name, QueueOwnerAWSAccountId: account || undefined }),
  );
  return { ...facts, deadLetterQueueUrl: QueueUrl ?? null };
}
