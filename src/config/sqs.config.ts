import { registerAs } from '@nestjs/config';
import { type Env, parseEnv } from './env.schema.js';

/** The transport's settings, as validated from SQS_* variables. */
export interface SqsConfig {
  queueUrl: string;
  deadLetterQueueUrl?: string;
  defaultPattern?: string;
  patternAttribute: string;
  concurrency: number;
  batchSize: number;
  /** Messages a resumed queue runs at once, doubling while they succeed; 0: off. */
  slowStartMessages: number;
  /** Longest a paused queue keeps its buffered messages invisible (s). */
  pauseHoldSeconds: number;
  /** Messages buffered ahead of the workers at most (the memory bound); transport default when unset. */
  prefetch?: number;
  /** Bytes buffered ahead of the workers at most; transport default (64 MiB) when unset. */
  maxBufferedBytes?: number;
  /** Concurrent long polls per queue at most; transport default when unset. */
  maxReceiversPerQueue?: number;
  /** Longest a delete waits to share a batch (ms); transport default when unset. */
  deleteBatchLingerMs?: number;
  waitTimeSeconds: number;
  visibilityTimeout: number;
  heartbeatIntervalSeconds: number;
  maxVisibilitySeconds: number;
  backoff: { baseSeconds: number; maxSeconds: number };
  /** Redrive maxReceiveCount used when the service creates its local queues. */
  maxReceiveCount: number;
  shutdownGraceSeconds: number;
  /** HTTP request (and socket idle) timeout of the SQS client; exceeds the long poll. */
  receiveRequestTimeoutMs: number;
  connectionTimeoutMs: number;
}

export function toSqsConfig(env: Env): SqsConfig {
  return {
    queueUrl: env.SQS_QUEUE_URL,
    deadLetterQueueUrl: env.SQS_DLQ_URL,
    defaultPattern: env.SQS_DEFAULT_PATTERN,
    patternAttribute: env.SQS_PATTERN_ATTRIBUTE,
    concurrency: env.SQS_CONCURRENCY,
    batchSize: env.SQS_BATCH_SIZE,
    slowStartMessages: env.SQS_SLOW_START_MESSAGES,
    pauseHoldSeconds: env.SQS_PAUSE_HOLD_SECONDS,
    prefetch: env.SQS_PREFETCH,
    maxBufferedBytes: env.SQS_MAX_BUFFERED_BYTES,
    maxReceiversPerQueue: env.SQS_MAX_RECEIVERS,
    deleteBatchLingerMs: env.SQS_DELETE_LINGER_MS,
    waitTimeSeconds: env.SQS_WAIT_TIME_SECONDS,
    visibilityTimeout: env.SQS_VISIBILITY_TIMEOUT,
    heartbeatIntervalSeconds: env.SQS_HEARTBEAT_INTERVAL_SECONDS,
    maxVisibilitySeconds: env.SQS_MAX_VISIBILITY_SECONDS,
    backoff: { baseSeconds: env.SQS_BACKOFF_BASE_SECONDS, maxSeconds: env.SQS_BACKOFF_MAX_SECONDS },
    maxReceiveCount: env.SQS_MAX_RECEIVE_COUNT,
    shutdownGraceSeconds: env.SQS_SHUTDOWN_GRACE_SECONDS,
    receiveRequestTimeoutMs: env.SQS_RECEIVE_REQUEST_TIMEOUT_MS,
    connectionTimeoutMs: env.SQS_CONNECTION_TIMEOUT_MS,
  };
}

export const sqsConfig = registerAs('sqs', (): SqsConfig => toSqsConfig(parseEnv(process.env)));
