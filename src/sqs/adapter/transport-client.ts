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
  return { client: new SQSClient({ requestHandler, ...(given as SQSClientConfig | undefined) }), owned: true };
}
