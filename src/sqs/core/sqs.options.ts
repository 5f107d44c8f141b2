import type { SQSClient, SQSClientConfig } from '@aws-sdk/client-sqs';
import { z } from 'zod';
import type { SqsLargePayloadOptions } from '../large-payload/large-payload.options.js';
import { QUEUE_URL_PATTERN } from './queue-url.js';
import { deleteLingerLimitMs, OPTION_NAMES, optionRuleViolations } from './option-rules.js';
import { MAX_MESSAGE_BYTES } from './message-size.js';
import { SqsOptionsError } from './sqs.errors.js';

/** One queue the server consumes. */
export interface SqsQueueOptions {
  /** Queue URL. A name ending in `.fifo` makes it a FIFO queue. */
  url: string;
  /**
   * Where non-retryable messages go.
   * @defaultValue read from the queue's `RedrivePolicy` at start-up
   * With neither, such messages are left to the redrive policy (retried until `maxReceiveCount`).
   */
  deadLetterQueueUrl?: string;
  /** Pattern for messages that carry none in an attribute or a `{ pattern, data }` body. */
  defaultPattern?: string;
}

/** Retry delays: `baseSeconds * 2^(receiveCount - 1)`, capped at `maxSeconds`, with jitter. */
export interface SqsBackoffOptions {
  /**
   * Seconds before the first retry.
   * @defaultValue 2
   */
  baseSeconds?: number;
  /**
   * The longest retry delay (s).
   * @defaultValue 900 (15 minutes)
   */
  maxSeconds?: number;
}

/** Options of {@link SqsServer}; every one but `queues` has a default. */
export interface SqsServerOptions {
  /** The queues to consume, at least one. */
  queues: SqsQueueOptions[];
  /** An `SQSClient` (kept open on close) or the config to build one (destroyed on close). */
  client?: SQSClient | SQSClientConfig;
  /**
   * Handlers in flight at most.
   * @defaultValue 10
   */
  concurrency?: number;
  /**
   * Messages a queue runs at once when it resumes after a pause (its dependency is back); the
   * number doubles each time as many have succeeded, up to `concurrency` (see `SlowStart`).
   * 0 turns the slow start off: a resumed queue runs at full concurrency at once.
   * @defaultValue 2
   */
  slowStartMessages?: number;
  /**
   * `MaxNumberOfMessages` per receive, 1-10.
   * @defaultValue 10
   */
  batchSize?: number;
  /**
   * Most messages held in the buffer ahead of the workers, all queues together: the memory bound
   * (with `concurrency` running, at most `concurrency + prefetch` messages are held; SQS messages
   * are up to 1 MiB). Intake adapts below it: it starts at one batch per receiver and grows while
   * workers go idle with messages waiting in the queue. Receiving pauses while it is full: this
   * is the back pressure.
   * @defaultValue `maxReceiversPerQueue * batchSize * queues`
   */
  prefetch?: number;
  /**
   * Most bytes (bodies and attributes, as SQS counts them) buffered ahead of the workers, all
   * queues together: a buffer of 100 messages of 1 MiB would otherwise be 100 MiB. No receive
   * starts while the buffered bytes reach it; the receives already in flight may overshoot it
   * by at most one batch of 1 MiB messages each (`queues x maxReceiversPerQueue x batchSize` MiB).
   * @defaultValue 67108864 (64 MiB)
   */
  maxBufferedBytes?: number;
  /**
   * Resolve S3 pointers (claim checks) in the format of AWS's SQS Extended Client libraries
   * before dispatch. Without it, a pointer is dead-lettered (`payload-missing`).
   * @defaultValue undefined (off)
   */
  largePayloads?: SqsLargePayloadOptions;
  /**
   * Rewrites the body of the copy the transport sends to a dead-letter queue, where it stays for
   * the queue's retention: `scrubSecrets` (exported here) censors passwords and tokens while the
   * copy stays redrivable. Only the transport's own copies: a message SQS's redrive policy moves
   * (after a crash) is moved as it is.
   * @defaultValue undefined (the body as received)
   */
  deadLetterBody?: (body: string) => string;
  /**
   * Most concurrent `ReceiveMessage` calls per queue. Intake runs one long poll per queue while
   * the queue is idle and adds receives while workers starve on a busy queue (a network round
   * trip of 20 ms caps one receiver with batches of 10 near 500 msg/s). See
   * {@link defaultMaxReceiversPerQueue}.
   * @defaultValue `max(20, ceil(2 x concurrency / batchSize))`
   */
  maxReceiversPerQueue?: number;
  /** A fixed number of concurrent `ReceiveMessage` calls per queue, turning adaptation off. */
  receiversPerQueue?: number;
  /**
   * Long-poll wait, 0-20 s.
   * @defaultValue 20
   */
  waitTimeSeconds?: number;
  /**
   * `VisibilityTimeout` asked for on receive, and granted on each heartbeat (s).
   * @defaultValue 30
   */
  visibilityTimeout?: number;
  /**
   * How often a held message's visibility is extended (s).
   * @defaultValue `visibilityTimeout / 3`
   */
  heartbeatIntervalSeconds?: number;
  /**
   * Longest a message is held before the heartbeat lets it go (s, at most 43200).
   * @defaultValue 43200
   */
  maxVisibilitySeconds?: number;
  /**
   * Longest a paused queue keeps its buffered messages (s). While a dependency is down they stay
   * invisible (the heartbeat extends them) and run when intake resumes, so a pause spends no
   * receive; after this long they are given back (see docs/delivery-guarantees.md), so that a
   * long outage does not keep them from other consumers.
   * @defaultValue 900
   */
  pauseHoldSeconds?: number;
  /** Retry delays for failed messages. */
  backoff?: SqsBackoffOptions;
  /**
   * Time running handlers get to finish on close (s).
   * @defaultValue 25
   */
  shutdownGraceSeconds?: number;
  /**
   * Message attribute that names the pattern.
   * @defaultValue `pattern`
   */
  patternAttribute?: string;
  /**
   * Longest a delete waits for nine others to share its `DeleteMessageBatch` (ms). Workers never
   * wait for it, `close()` flushes it, and it must stay well inside the visibility timeout
   * (Spring Cloud AWS acknowledges every second or ten messages too).
   * @defaultValue 1000, or less on a visibility timeout too short for it
   */
  deleteBatchLingerMs?: number;
  /**
   * OpenTelemetry spans and metrics by the messaging conventions (docs/tracing.md): a `process`
   * span per message continuing the trace it carries, `receive` and settle spans, messaging
   * metrics. Costs nothing while no OpenTelemetry SDK is registered (checked once in `listen()`);
   * false turns it off even with one.
   * @defaultValue true
   */
  traceContext?: boolean;
}

const queueUrl = z
  .string()
  .regex(QUEUE_URL_PATTERN, 'must be an http(s) queue URL such as https://sqs.<region>.amazonaws.com/<account>/<name>');

const queueSchema = z.object({
  url: queueUrl,
  deadLetterQueueUrl: queueUrl.optional(),
  defaultPattern: z.string().min(1).optional(),
});

const DEFAULT_DELETE_LINGER_MS = 1_000;
/** 64 MiB: 64 messages of SQS's largest size, thousands of typical ones. */
export const DEFAULT_MAX_BUFFERED_BYTES = 64 * 1_048_576;

const int = (min: number, max: number) => z.number().int().min(min).max(max);

const optionsSchema = z
  .object({
    queues: z.array(queueSchema).min(1, 'needs at least one queue'),
    client: z.any().optional(),
    concurrency: int(1, 10_000).default(10),
    slowStartMessages: int(0, 10_000).default(2),
    batchSize: int(1, 10).default(10),
    prefetch: int(1, 100_000).optional(),
    maxBufferedBytes: int(MAX_MESSAGE_BYTES, 2 ** 40).default(DEFAULT_MAX_BUFFERED_BYTES),
    largePayloads: z
      .object({
        s3: z.custom<SqsLargePayloadOptions['s3']>(
          (v) => typeof v === 'object' && v !== null,
          'must be an S3Client or its config',
        ),
        bucket: z.string().min(3).max(63).optional(),
        deleteAfterSuccess: z.boolean().default(false),
      })
      .strict()
      .optional(),
    maxReceiversPerQueue: int(1, 1_000).optional(),
    receiversPerQueue: int(1, 1_000).optional(),
    waitTimeSeconds: int(0, 20).default(20),
    visibilityTimeout: int(1, 43_200).default(30),
    heartbeatIntervalSeconds: z.number().positive().optional(),
    maxVisibilitySeconds: int(1, 43_200).default(43_200),
    pauseHoldSeconds: int(0, 43_200).default(900),
    backoff: z
      .object({ baseSeconds: z.number().min(0).default(2), maxSeconds: int(0, 43_200).default(900) })
      .default({ baseSeconds: 2, maxSeconds: 900 }),
    shutdownGraceSeconds: z.number().min(0).max(3_600).default(25),
    patternAttribute: z.string().min(1).default('pattern'),
    deleteBatchLingerMs: z.number().min(0).max(10_000).optional(),
    traceContext: z.boolean().default(true),
    deadLetterBody: z.custom<(body: string) => string>((v) => typeof v === 'function', 'must be a function').optional(),
  })
  .strict();

/** Options with every default applied; what the transport's parts read. */
export type ResolvedSqsServerOptions = Omit<
  Required<SqsServerOptions>,
  'client' | 'backoff' | 'queues' | 'receiversPerQueue' | 'largePayloads' | 'deadLetterBody'
> & {
  deadLetterBody?: (body: string) => string;
  largePayloads?: SqsLargePayloadOptions & { deleteAfterSuccess: boolean };
  queues: SqsQueueOptions[];
  client?: SQSClient | SQSClientConfig;
  backoff: Required<SqsBackoffOptions>;
  /** Concurrent receives per queue when idle; equal to the maximum when fixed by the user. */
  minReceiversPerQueue: number;
};

/**
 * Headroom a request timeout on the receive path keeps above the long poll: a 20 s long poll
 * is a request that should take 20 s. One home for this rule: the service's config uses it too.
 */
export const LONG_POLL_TIMEOUT_MARGIN_MS = 5_000;

/**
 * The adaptive intake's default ceiling, and with it the default `prefetch` (ceiling x batch).
 * A message is held from the moment its receive is sent, so the most a queue delivers is the
 * messages held divided by one receive's round trip (Little's law). With 20 ms per SQS call a
 * ceiling of 10 (100 messages) capped a no-op workload near 0.6x its loopback speed; 20 (200
 * messages) reached 0.97x in the same run (docs/performance.md). Receives are added only while
 * workers starve, and retire when the buffer waits, so slow handlers never reach the ceiling:
 * it costs memory (the `prefetch` bound) only while the pool outruns the network.
 */
export function defaultMaxReceiversPerQueue(concurrency: number, batchSize: number): number {
  return Math.max(20, Math.ceil((2 * concurrency) / batchSize));
}

/** Applies defaults and validates; a bad option throws an `SqsOptionsError` naming it. */
export function resolveSqsServerOptions(options: SqsServerOptions): ResolvedSqsServerOptions {
  const parsed = optionsSchema.safeParse(options);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((issue) => `${issue.path.join('.') || '(options)'}: ${issue.message}`);
    throw new SqsOptionsError(`Invalid SqsServer options: ${lines.join('; ')}`);
  }
  const o = parsed.data;
  const fixed = o.receiversPerQueue;
  const maxReceiversPerQueue =
    fixed ?? o.maxReceiversPerQueue ?? defaultMaxReceiversPerQueue(o.concurrency, o.batchSize);
  const prefetch = o.prefetch ?? maxReceiversPerQueue * o.batchSize * o.queues.length;
  const heartbeatIntervalSeconds = o.heartbeatIntervalSeconds ?? Math.max(1, Math.floor(o.visibilityTimeout / 3));
  const violations = optionRuleViolations({
    visibilityTimeout: o.visibilityTimeout,
    heartbeatIntervalSeconds,
    maxVisibilitySeconds: o.maxVisibilitySeconds,
    deleteBatchLingerMs: o.deleteBatchLingerMs,
    backoffBaseSeconds: o.backoff.baseSeconds,
    backoffMaxSeconds: o.backoff.maxSeconds,
  });
  if (violations.length) {
    const lines = violations.map((v) => `${OPTION_NAMES[v.option]} ${v.message}`);
    throw new SqsOptionsError(`Invalid SqsServer options: ${lines.join('; ')}`);
  }
  const deleteBatchLingerMs =
    o.deleteBatchLingerMs ??
    Math.min(DEFAULT_DELETE_LINGER_MS, deleteLingerLimitMs(o.visibilityTimeout, heartbeatIntervalSeconds));
  const { receiversPerQueue: _fixed, ...rest } = o;
  return {
    ...rest,
    client: o.client as ResolvedSqsServerOptions['client'],
    prefetch,
    maxReceiversPerQueue,
    minReceiversPerQueue: fixed ?? 1,
    deleteBatchLingerMs,
    heartbeatIntervalSeconds,
  };
}

/**
 * Sockets an SQS client needs for a server with these options: one per long poll that may be
 * in flight, plus the batched deletes and visibility changes of every held message, plus spare
 * for the odd `GetQueueAttributes` or dead-letter send.
 */
export function sqsSocketBudget(
  o: Pick<ResolvedSqsServerOptions, 'queues' | 'maxReceiversPerQueue' | 'concurrency' | 'prefetch'>,
): number {
  return o.queues.length * o.maxReceiversPerQueue + Math.ceil((o.concurrency + o.prefetch) / 10) + 8;
}

/** The request timeout of receive calls: the long poll plus {@link LONG_POLL_TIMEOUT_MARGIN_MS}. */
export function receiveRequestTimeoutMs(waitTimeSeconds: number): number {
  return waitTimeSeconds * 1_000 + LONG_POLL_TIMEOUT_MARGIN_MS;
}
