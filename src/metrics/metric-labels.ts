import { queueName } from '../logging/message-fields.js';
import { DeadLetterReason } from '../sqs/index.js';
import { HandlerOutcome, type SqsMetrics } from './sqs-metrics.js';

/** `pattern` label of a message that has no pattern (malformed, or none given). */
export const NO_PATTERN = 'none';
/** `pattern` label of every pattern no handler is registered for: patterns come from messages, so they are unbounded. */
export const UNKNOWN_PATTERN = 'unknown';

/**
 * Turns queue URLs and patterns into label values with bounded cardinality: a queue is its
 * name (queues come from configuration), a pattern is itself only if a handler is registered
 * for it, else {@link UNKNOWN_PATTERN}.
 */
export class MetricLabels {
  constructor(
    private readonly queueUrls: () => readonly string[],
    private readonly handlerPatterns: () => readonly string[],
  ) {}

  queue(queueUrl: string): string {
    return queueName(queueUrl);
  }

  pattern(pattern: string | undefined): string {
    if (!pattern) return NO_PATTERN;
    return this.handlerPatterns().includes(pattern) ? pattern : UNKNOWN_PATTERN;
  }

  message(info: { queueUrl: string; pattern?: string }): { queue: string; pattern: string } {
    return { queue: this.queue(info.queueUrl), pattern: this.pattern(info.pattern) };
  }

  /** Every known queue, and every queue x pattern pair (the two fallbacks included). */
  knownSets(): { queues: string[]; messages: Array<{ queue: string; pattern: string }> } {
    const queues = [...new Set(this.queueUrls().map((url) => this.queue(url)))];
    const patterns = [...new Set([...this.handlerPatterns(), NO_PATTERN, UNKNOWN_PATTERN])];
    return { queues, messages: queues.flatMap((queue) => patterns.map((pattern) => ({ queue, pattern }))) };
  }
}

/**
 * Creates every counter series for the known label sets at 0, so that `rate()` and `increase()`
 * see the first event (a counter that appears at 1 looks like no change) and alerts on
 * `absent()` are not needed. Idempotent: inc by 0 never changes a value.
 */
export function zeroKnownSeries(metrics: SqsMetrics, labels: MetricLabels): void {
  const { queues, messages } = labels.knownSets();
  for (const queue of queues) {
    for (const counter of [
      metrics.receiveRequests,
      metrics.received,
      metrics.visibilityExtensions,
      metrics.receiveErrors,
      metrics.deleteErrors,
      metrics.internalErrors,
    ])
      counter.inc({ queue }, 0);
    metrics.zeroHistogram(metrics.messageAge, { queue });
  }
  for (const set of messages) {
    for (const counter of [metrics.succeeded, metrics.failed, metrics.retried, metrics.released]) counter.inc(set, 0);
    for (const reason of Object.values(DeadLetterReason)) metrics.deadLettered.inc({ ...set, reason }, 0);
    for (const outcome of Object.values(HandlerOutcome))
      metrics.zeroHistogram(metrics.handlerDuration, { ...set, outcome });
  }
}
