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
  /**
   * Label values already worked out, asked for several times per message: queue names by URL
   * (the configured queues), and the patterns found registered (a handler, once registered,
   * stays). A pattern with no handler is looked up each time: patterns come from messages.
   */
  private readonly queueNames = new Map<string, string>();
  private readonly registered = new Set<string>();

  constructor(
    private readonly queueUrls: () => readonly string[],
    private readonly handlerPatterns: () => readonly string[],
  ) {}

  queue(queueUrl: string): string {
    let name = this.queueNames.get(queueUrl);
    if (name === undefined) this.queueNames.set(queueUrl, (name = queueName(queueUrl)));
    return name;
  }

  pattern(pattern: string | undefined): string {
    if (!pattern) return NO_PATTERN;
    if (this.registered.has(pattern)) return pattern;
    if (!this.handlerPatterns().includes(pattern)) return UNKNOWN_PATTERN;
    this.registered.add(pattern);
    return pattern;
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
