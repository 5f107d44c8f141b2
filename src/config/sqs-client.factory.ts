import type { SQSClientConfig } from '@aws-sdk/client-sqs';
import type { NodeHttpHandler } from '@smithy/node-http-handler';
import {
  createLongPollHttpHandler,
  scrubSecrets,
  LONG_POLL_TIMEOUT_MARGIN_MS,
  receiveRequestTimeoutMs,
  resolveSqsServerOptions,
  type SqsServerOptions,
  sqsSocketBudget,
} from '../sqs/index.js';
import type { AwsConfig } from './aws.config.js';
import { type CredentialProviderResult, createCredentialProvider } from './aws-credentials.js';
import { sqsClientEndpoint } from './sqs-endpoint.js';
import type { SqsConfig } from './sqs.config.js';

/**
 * Sockets the SQS client may need at once: the transport's own budget for the options the
 * `sqs` namespace resolves to (every long poll, plus the batched deletes and visibility
 * changes of every held message, plus spare).
 */
export function sqsMaxSockets(sqs: SqsConfig): number {
  return sqsSocketBudget(resolveSqsServerOptions(toSqsServerOptions(sqs, {})));
}

/** The HTTP handler of the SQS client: keep-alive, enough sockets, timeouts above the long poll. */
export function createSqsHttpHandler(sqs: SqsConfig): NodeHttpHandler {
  const minimum = receiveRequestTimeoutMs(sqs.waitTimeSeconds);
  if (sqs.receiveRequestTimeoutMs < minimum) {
    // The schema already rejects this; the check keeps hand-built configs honest too.
    throw new Error(
      `SQS request timeout ${sqs.receiveRequestTimeoutMs} ms must be at least waitTimeSeconds*1000 + ${LONG_POLL_TIMEOUT_MARGIN_MS} = ${minimum} ms`,
    );
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
 * The `SQSClientConfig` of the service: region; an explicit endpoint (the local server, else the
 * AWS endpoint of the queue URL, see {@link sqsClientEndpoint}), so that the SDK neither looks
 * one up in `AWS_ENDPOINT_URL*` or shared files nor swaps in the queue URL's host with a
 * plain-text warning on every call; the credential provider `APP_ENV` calls for; and the HTTP
 * handler of {@link createSqsHttpHandler}.
 * @param credentials defaults to `createCredentialProvider(cfg.aws)`; pass yours to share it
 *   with the readiness check and the start-up log.
 */
export function createSqsClientConfig(
  cfg: SqsClientSettings,
  credentials: CredentialProviderResult = createCredentialProvider(cfg.aws),
): SQSClientConfig {
  return {
    region: cfg.aws.region,
    endpoint: sqsClientEndpoint(cfg.sqs.queueUrl, cfg.aws.sqsEndpoint),
    // The endpoint above already names the right host (a VPC endpoint's own, the regional one
    // of a legacy URL); FIPS and dual-stack hosts are chosen through the queue URL.
    useQueueUrlAsEndpoint: false,
    ignoreConfiguredEndpointUrls: true,
    useFipsEndpoint: false,
    useDualstackEndpoint: false,
    credentials: credentials.provider,
    requestHandler: createSqsHttpHandler(cfg.sqs),
  };
}

/** Maps the `sqs` namespace onto the transport's options. */
export function toSqsServerOptions(
  sqs: SqsConfig,
  client: NonNullable<SqsServerOptions['client']>,
  traceContext = true,
): SqsServerOptions {
  return {
    queues: [{ url: sqs.queueUrl, deadLetterQueueUrl: sqs.deadLetterQueueUrl, defaultPattern: sqs.defaultPattern }],
    client,
    concurrency: sqs.concurrency,
    batchSize: sqs.batchSize,
    slowStartMessages: sqs.slowStartMessages,
    pauseHoldSeconds: sqs.pauseHoldSeconds,
    ...(sqs.prefetch === undefined ? {} : { prefetch: sqs.prefetch }),
    ...(sqs.maxBufferedBytes === undefined ? {} : { maxBufferedBytes: sqs.maxBufferedBytes }),
    ...(sqs.maxReceiversPerQueue === undefined ? {} : { maxReceiversPerQueue: sqs.maxReceiversPerQueue }),
    ...(sqs.deleteBatchLingerMs === undefined ? {} : { deleteBatchLingerMs: sqs.deleteBatchLingerMs }),
    waitTimeSeconds: sqs.waitTimeSeconds,
    visibilityTimeout: sqs.visibilityTimeout,
    heartbeatIntervalSeconds: sqs.heartbeatIntervalSeconds,
    maxVisibilitySeconds: sqs.maxVisibilitySeconds,
    backoff: { ...sqs.backoff },
    shutdownGraceSeconds: sqs.shutdownGraceSeconds,
    patternAttribute: sqs.patternAttribute,
    traceContext,
    // The dead-letter copy stays redrivable but never stores a password or token for 14 days.
    deadLetterBody: scrubSecrets,
  };
}
