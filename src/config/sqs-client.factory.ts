import type { SQSClientConfig } from '@aws-sdk/client-sqs';
import type { NodeHttpHandler } from '@smithy/node-http-handler';
import { createLongPollHttpHandler } from '../sqs/long-poll-http-handler.js';
import type { SqsServerOptions } from '../sqs/sqs.options.js';
import type { AwsConfig } from './aws.config.js';
import { type CredentialProviderResult, createCredentialProvider } from './aws-credentials.js';
import { RECEIVE_TIMEOUT_MARGIN_MS } from './env.schema.js';
import type { SqsConfig } from './sqs.config.js';

/** Sockets kept beyond the computed need, for the odd `GetQueueAttributes` or DLQ send. */
export const SOCKET_MARGIN = 4;

/**
 * Sockets the SQS client may need at once: every long poll holds one for up to
 * `waitTimeSeconds`, and each held message (running or buffered) may have a delete or a
 * visibility change under way. Mirrors the transport's defaults for prefetch and receivers.
 */
export function sqsMaxSockets(sqs: Pick<SqsConfig, 'concurrency' | 'batchSize'>, queueCount = 1): number {
  const prefetch = Math.max(sqs.concurrency, sqs.batchSize);
  const receivers = Math.ceil(prefetch / sqs.batchSize) * queueCount;
  return receivers + sqs.concurrency + prefetch + SOCKET_MARGIN;
}

/** The HTTP handler of the SQS client: keep-alive, enough sockets, timeouts above the long poll. */
export function createSqsHttpHandler(sqs: SqsConfig): NodeHttpHandler {
  const minimum = sqs.waitTimeSeconds * 1_000 + RECEIVE_TIMEOUT_MARGIN_MS;
  if (sqs.receiveRequestTimeoutMs < minimum) {
    // The schema already rejects this; the check keeps hand-built configs honest too.
    throw new Error(`SQS request timeout ${sqs.receiveRequestTimeoutMs} ms must be at least waitTimeSeconds*1000 + ${RECEIVE_TIMEOUT_MARGIN_MS} = ${minimum} ms`);
  }
  return createLongPollHttpHandler({
    requestTimeoutMs: sqs.receiveRequestTimeoutMs,
    connectionTimeoutMs: sqs.connectionTimeoutMs,
    maxSockets: sqsMaxSockets(sqs),
  });
}

export interface SqsClientSettings {
  aws: AwsConfig;
  sqs: SqsConfig;
}

/**
 * The `SQSClientConfig` of the service: region, the endpoint override (local only: the schema
 * rejects `SQS_ENDPOINT` in pods), the credential provider `APP_ENV` calls for, and the
 * HTTP handler of {@link createSqsHttpHandler}.
 * @param credentials defaults to `createCredentialProvider(cfg.aws)`; pass yours to share it
 *   with the readiness check and the start-up log.
 */
export function createSqsClientConfig(
  cfg: SqsClientSettings,
  credentials: CredentialProviderResult = createCredentialProvider(cfg.aws),
): SQSClientConfig {
  return {
    region: cfg.aws.region,
    ...(cfg.aws.sqsEndpoint ? { endpoint: cfg.aws.sqsEndpoint } : {}),
    credentials: credentials.provider,
    requestHandler: createSqsHttpHandler(cfg.sqs),
  };
}

/** Maps the `sqs` namespace onto the transport's options. */
export function toSqsServerOptions(sqs: SqsConfig, client: NonNullable<SqsServerOptions['client']>, traceContext = false): SqsServerOptions {
  return {
    queues: [{ url: sqs.queueUrl, deadLetterQueueUrl: sqs.deadLetterQueueUrl, defaultPattern: sqs.defaultPattern }],
    client,
    concurrency: sqs.concurrency,
    batchSize: sqs.batchSize,
    waitTimeSeconds: sqs.waitTimeSeconds,
    visibilityTimeout: sqs.visibilityTimeout,
    heartbeatIntervalSeconds: sqs.heartbeatIntervalSeconds,
    maxVisibilitySeconds: sqs.maxVisibilitySeconds,
    backoff: { ...sqs.backoff },
    shutdownGraceSeconds: sqs.shutdownGraceSeconds,
    patternAttribute: sqs.patternAttribute,
    traceContext,
  };
}
