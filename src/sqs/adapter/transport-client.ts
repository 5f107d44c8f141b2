import { SQSClient, type SQSClientConfig } from '@aws-sdk/client-sqs';
import { createLongPollHttpHandler } from '../intake/long-poll-http-handler.js';
import { receiveRequestTimeoutMs, sqsSocketBudget, type ResolvedSqsServerOptions } from '../core/sqs.options.js';

/**
 * The `SQSClient` a server uses: the one it was given (left open on close), or one built from
 * the given config, with a long-poll-safe HTTP handler unless the config brings its own.
 */
export function createTransportClient(o: ResolvedSqsServerOptions): { client: SQSClient; owned: boolean } {
  const given = o.client;
  if (given instanceof SQSClient) return { client: given, owned: false };
  const requestHandler = createLongPollHttpHandler({
    requestTimeoutMs: receiveRequestTimeoutMs(o.waitTimeSeconds),
    connectionTimeoutMs: 5_000,
    maxSockets: sqsSocketBudget(o),
  });
  const config = given as SQSClientConfig | undefined;
  const client = new SQSClient({ requestHandler, ...config });
  // The SDK's logger middleware builds a redacted deep copy of every request and answer (each
  // received batch, bodies and attributes) for the configured logger, even for the default
  // no-op one. With no logger configured nothing reads the copy: W1 profile, about a tenth of
  // the SDK's time per message. A config that names a logger keeps it.
  if (!config?.logger) client.middlewareStack.remove('loggerMiddleware');
  return { client, owned: true };
}
