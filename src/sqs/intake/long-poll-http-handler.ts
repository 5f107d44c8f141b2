import { NodeHttpHandler } from '@smithy/node-http-handler';
import { Agent as HttpAgent } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';

/** Settings of {@link createLongPollHttpHandler}. */
export interface LongPollHttpHandlerOptions {
  /** Request and socket-idle timeout; must exceed the long poll (`waitTimeSeconds`). */
  requestTimeoutMs: number;
  connectionTimeoutMs: number;
  /** Enough for every long poll plus the workers' deletes and visibility changes. */
  maxSockets: number;
}

/**
 * The HTTP handler an SQS client needs for long polling: a 20 s poll is a request that *should*
 * take 20 s, so the request timeout and the socket idle limit both exceed it (a shorter one
 * turns every empty poll into an error), a breached timeout throws instead of only warning,
 * and sockets are kept alive.
 */
export function createLongPollHttpHandler(options: LongPollHttpHandlerOptions): NodeHttpHandler {
  const agent = {
    keepAlive: true,
    keepAliveMsecs: 1_000,
    maxSockets: options.maxSockets,
    maxFreeSockets: options.maxSockets,
  };
  return new NodeHttpHandler({
    httpAgent: new HttpAgent(agent),
    httpsAgent: new HttpsAgent(agent),
    connectionTimeout: options.connectionTimeoutMs,
    requestTimeout: options.requestTimeoutMs,
    throwOnRequestTimeout: true,
    socketTimeout: options.requestTimeoutMs,
  });
}
