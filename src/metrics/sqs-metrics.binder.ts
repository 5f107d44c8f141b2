import type { SqsMessageInfo } from '../sqs/sqs.events.js';
import { DeadLetterReason } from '../sqs/sqs.errors.js';
import { queueName } from '../logging/message-fields.js';
import type { SqsServerLike } from '../health/sqs-server-like.js';
import type { SqsMetrics } from './sqs-metrics.js';

/** Label for a message that has no pattern (yet): labels must never be empty or unbounded. */
export const NO_PATTERN = 'none';

/** Dead-letter reasons that follow a handler run: these count as failures of the pattern. */
const HANDLER_FAILURES: ReadonlySet<string> = new Set([DeadLetterReason.NonRetryable, DeadLetterReason.ValidationFailed]);

const pattern = (message: SqsMessageInfo) => message.pattern || NO_PATTERN;

/**
 * Subscribes `metrics` to the server's events, and makes the in-flight and buffered gauges
 * read the server's snapshot at scrape time (so they can never drift).
 * `on()` before `listen()` is buffered by the server, so this may run at any point of start-up.
 */
export function bindSqsMetrics(server: SqsServerLike, metrics: SqsMetrics, now: () => number = Date.now): void {
  server.on('receive', (queueUrl, count) => {
    if (count > 0) metrics.received.inc({ queue: queueName(queueUrl) }, count);
  });
  server.on('receive_error', (queueUrl) => metrics.receiveErrors.inc({ queue: queueName(queueUrl) }));
  server.on('delete_error', (queueUrl) => metrics.deleteErrors.inc({ queue: queueName(queueUrl) }));
  server.on('processing_started', (message) => {
    if (message.sentTimestamp !== undefined) metrics.messageAge.observe(Math.max(0, now() - message.sentTimestamp) / 1_000);
  });
  server.on('processed', (message, durationMs) => {
    metrics.succeeded.inc({ pattern: pattern(message) });
    metrics.handlerDuration.observe({ pattern: pattern(message) }, durationMs / 1_000);
  });
  server.on('processing_failed', (message, _error, _retryInSeconds, durationMs) => {
    metrics.failed.inc({ pattern: pattern(message) });
    metrics.retried.inc({ pattern: pattern(message) });
    metrics.handlerDuration.observe({ pattern: pattern(message) }, durationMs / 1_000);
  });
  server.on('dead_lettered', (message, reason) => {
    metrics.deadLettered.inc({ reason });
    if (HANDLER_FAILURES.has(reason)) metrics.failed.inc({ pattern: pattern(message) });
  });
  server.on('visibility_extended', () => metrics.visibilityExtensions.inc());
  readGaugesFromSnapshot(server, metrics);
}

function readGaugesFromSnapshot(server: SqsServerLike, metrics: SqsMetrics): void {
  const read = (pick: 'inFlight' | 'buffered') => {
    try {
      return server.getSnapshot()[pick];
    } catch {
      return 0;
    }
  };
  // prom-client calls `collect` on every scrape.
  Object.assign(metrics.inFlight, { collect: () => metrics.inFlight.set(read('inFlight')) });
  Object.assign(metrics.buffered, { collect: () => metrics.buffered.set(read('buffered')) });
}
