import type { SQSClient, SQSClientConfig } from '@aws-sdk/client-sqs';
import { z } from 'zod';
import { QUEUE_URL_PATTERN } from './queue-url.js';
import { SqsOptionsError } from './sqs.errors.js';

/** One queue the server consumes. */
export interface SqsQueueOptions {
  /** Queue URL. A name ending in `.fifo` makes it a FIFO queue. */
  url: string;
  /**
   * Where non-retryable messages go. Default: read from the queue's `RedrivePolicy` at start-up.
   * With neither, such messages are left to the redrive policy (retried until `maxReceiveCount`).
   */
  deadLetterQueueUrl?: string;
  /** Pattern for messages that carry none in an attribute or a `{ pattern, data }` body. */
  defaultPattern?: string;
}

/** Retry delays: `baseSeconds * 2^(receiveCount - 1)`, capped at `maxSeconds`, with jitter. */
export interface SqsBackoffOptions {
  /** Default 2. */
  baseSeconds?: number;
  /** Default 900 (15 minutes). */
  maxSeconds?: number;
}

export interface SqsServerOptions {
  /** The queues to consume, at least one. */
  queues: SqsQueueOptions[];
  /** An `SQSClient` (kept open on close) or the config to build one (destroyed on close). */
  client?: SQSClient | SQSClientConfig;
  /** Handlers in flight at most. Default 10. */
  concurrency?: number;
  /** `MaxNumberOfMessages` per receive, 1-10. Default 10. */
  batchSize?: number;
  /**
   * Messages received ahead of the workers (the bounded buffer). Receiving pauses while it is
   * full: this is the back pressure. Default `max(concurrency, batchSize)` per queue, so that
   * a long poll waiting on an empty queue never holds up the others.
   */
  prefetch?: number;
  /** Concurrent `ReceiveMessage` calls per queue. Default `ceil(prefetch / queues / batchSize)`. */
  receiversPerQueue?: number;
  /** Long-poll wait, 0-20 s. Default 20. */
  waitTimeSeconds?: number;
  /** `VisibilityTimeout` asked for on receive, and granted on each heartbeat (s). Default 30. */
  visibilityTimeout?: number;
  /** How often a held message's visibility is extended (s). Default `visibilityTimeout / 3`. */
  heartbeatIntervalSeconds?: number;
  /** Longest a message is held before the heartbeat lets it go (s, at most 43200). Default 43200. */
  maxVisibilitySeconds?: number;
  /** Retry delays for failed messages. */
  backoff?: SqsBackoffOptions;
  /** Time running handlers get to finish on close (s). Default 25. */
  shutdownGraceSeconds?: number;
  /** Message attribute that names the pattern. Default `pattern`. */
  patternAttribute?: string;
  /** Longest a delete waits for nine others to share its `DeleteMessageBatch` (ms). Default 5. */
  deleteBatchLingerMs?: number;
  /**
   * Continue the W3C trace a message carries (`traceparent` attribute) in a CONSUMER span around
   * its handler. Needs the optional `@opentelemetry/api` and a registered SDK. Default false.
   */
  traceContext?: boolean;
}

const queueUrl = z.string().regex(QUEUE_URL_PATTERN, 'must be an http(s) queue URL such as https://sqs.<region>.amazonaws.com/<account>/<name>');

const queueSchema = z.object({
  url: queueUrl,
  deadLetterQueueUrl: queueUrl.optional(),
  defaultPattern: z.string().min(1).optional(),
});

const int = (min: number, max: number) => z.number().int().min(min).max(max);

const optionsSchema = z
  .object({
    queues: z.array(queueSchema).min(1, 'needs at least one queue'),
    client: z.any().optional(),
    concurrency: int(1, 10_000).default(10),
    batchSize: int(1, 10).default(10),
    prefetch: int(1, 100_000).optional(),
    receiversPerQueue: int(1, 1_000).optional(),
    waitTimeSeconds: int(0, 20).default(20),
    visibilityTimeout: int(1, 43_200).default(30),
    heartbeatIntervalSeconds: z.number().positive().optional(),
    maxVisibilitySeconds: int(1, 43_200).default(43_200),
    backoff: z
      .object({ baseSeconds: z.number().min(0).default(2), maxSeconds: int(0, 43_200).default(900) })
      .default({ baseSeconds: 2, maxSeconds: 900 }),
    shutdownGraceSeconds: z.number().min(0).max(3_600).default(25),
    patternAttribute: z.string().min(1).default('pattern'),
    deleteBatchLingerMs: z.number().min(0).max(1_000).default(5),
    traceContext: z.boolean().default(false),
  })
  .strict();

/** Options with every default applied; what the transport's parts read. */
export type ResolvedSqsServerOptions = Omit<
  Required<SqsServerOptions>,
  'client' | 'backoff' | 'queues'
> & {
  queues: SqsQueueOptions[];
  client?: SQSClient | SQSClientConfig;
  backoff: Required<SqsBackoffOptions>;
};

/** Applies defaults and validates; a bad option throws an `SqsOptionsError` naming it. */
export function resolveSqsServerOptions(options: SqsServerOptions): ResolvedSqsServerOptions {
  const parsed = optionsSchema.safeParse(options);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((issue) => `${issue.path.join('.') || '(options)'}: ${issue.message}`);
    throw new SqsOptionsError(`Invalid SqsServer options: ${lines.join('; ')}`);
  }
  const o = parsed.data;
  const prefetch = o.prefetch ?? Math.max(o.concurrency, o.batchSize) * o.queues.length;
  const heartbeatIntervalSeconds = o.heartbeatIntervalSeconds ?? Math.max(1, Math.floor(o.visibilityTimeout / 3));
  if (heartbeatIntervalSeconds >= o.visibilityTimeout) {
    throw new SqsOptionsError(
      `Invalid SqsServer options: heartbeatIntervalSeconds (${heartbeatIntervalSeconds}) must be below visibilityTimeout (${o.visibilityTimeout}), or messages reappear between heartbeats`,
    );
  }
  return {
    ...o,
    client: o.client as ResolvedSqsServerOptions['client'],
    prefetch,
    receiversPerQueue: o.receiversPerQueue ?? Math.ceil(prefetch / o.queues.length / o.batchSize),
    heartbeatIntervalSeconds,
  };
}
