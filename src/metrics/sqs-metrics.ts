import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

/** Labels of every per-message metric: the queue's name and the (bounded) pattern. */
export type MessageLabels = 'queue' | 'pattern';

/** What became of a handler run, the `outcome` label of `sqs_handler_duration_seconds`. */
export enum HandlerOutcome {
  Succeeded = 'succeeded',
  Retried = 'retried',
  DeadLettered = 'dead-lettered',
}

/**
 * The transport's Prometheus metrics, registered on one registry. Every per-message metric has
 * the same `{queue, pattern}` labels (see metric-labels.ts for how they stay bounded), so one
 * PromQL join or `sum by` works across all of them.
 */
export class SqsMetrics {
  readonly receiveRequests: Counter<'queue'>;
  readonly received: Counter<'queue'>;
  readonly succeeded: Counter<MessageLabels>;
  readonly failed: Counter<MessageLabels>;
  readonly retried: Counter<MessageLabels>;
  readonly deadLettered: Counter<MessageLabels | 'reason'>;
  readonly released: Counter<MessageLabels>;
  readonly handlerDuration: Histogram<MessageLabels | 'outcome'>;
  readonly visibilityExtensions: Counter<'queue'>;
  readonly receiveErrors: Counter<'queue'>;
  readonly deleteErrors: Counter<'queue'>;
  readonly messageAge: Histogram<'queue'>;
  readonly inFlight: Gauge;
  readonly buffered: Gauge;
  readonly concurrency: Gauge;
  readonly serverStatus: Gauge<'status'>;
  readonly intakePaused: Gauge<'queue' | 'dependency'>;
  // Histogram.zero() resets a series, so a series is zeroed only if nothing was observed on it.
  private readonly touched = new Set<string>();

  constructor(registry: Registry) {
    const registers = [registry];
    const byQueue = (name: string, help: string) => new Counter({ name, help, labelNames: ['queue'] as const, registers });
    const byMessage = (name: string, help: string) => new Counter({ name, help, labelNames: ['queue', 'pattern'] as const, registers });
    // The state gauges first: their collect() also puts every known label set at 0 (see the binder).
    this.serverStatus = new Gauge({ name: 'sqs_server_status', help: 'SqsServer status: 1 for the current one (connecting, connected, error, draining, closed)', labelNames: ['status'], registers });
    this.intakePaused = new Gauge({ name: 'sqs_intake_paused', help: '1 while intake from the queue is paused because a dependency (label) is down', labelNames: ['queue', 'dependency'], registers });
    this.receiveRequests = byQueue('sqs_receive_requests_total', 'ReceiveMessage calls answered, with or without messages');
    this.received = byQueue('sqs_messages_received_total', 'Messages returned by ReceiveMessage');
    this.succeeded = byMessage('sqs_messages_succeeded_total', 'Messages whose handler succeeded');
    this.failed = byMessage('sqs_messages_failed_total', 'Handler failures: retried, or dead-lettered as non-retryable, invalid or out of receives');
    this.retried = byMessage('sqs_messages_retried_total', 'Failed messages made visible again for a retry');
    this.deadLettered = new Counter({ name: 'sqs_messages_dead_lettered_total', help: 'Messages moved to the dead-letter queue, by reason', labelNames: ['queue', 'pattern', 'reason'], registers });
    this.released = byMessage('sqs_messages_released_total', 'Messages given back unprocessed (shutdown, paused intake, FIFO order)');
    this.handlerDuration = new Histogram({
      name: 'sqs_handler_duration_seconds',
      help: 'Handler run time, success or failure, by outcome (succeeded, retried, dead-lettered)',
      labelNames: ['queue', 'pattern', 'outcome'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300],
      registers,
    });
    this.visibilityExtensions = byQueue('sqs_visibility_extensions_total', 'Heartbeat visibility extensions');
    this.receiveErrors = byQueue('sqs_receive_errors_total', 'Failed ReceiveMessage calls');
    this.deleteErrors = byQueue('sqs_delete_errors_total', 'Failed deletes of processed messages');
    this.messageAge = new Histogram({
      name: 'sqs_message_age_seconds',
      help: 'Age of a message (since SentTimestamp) when its handler starts',
      labelNames: ['queue'],
      buckets: [0.1, 0.5, 1, 5, 10, 30, 60, 300, 900, 3600, 14400, 86400],
      registers,
    });
    this.inFlight = new Gauge({ name: 'sqs_messages_in_flight', help: 'Messages whose handler is running', registers });
    this.buffered = new Gauge({ name: 'sqs_messages_buffered', help: 'Messages received and waiting for a worker', registers });
    this.concurrency = new Gauge({ name: 'sqs_worker_concurrency', help: 'Workers: the most handlers that run at once', registers });
  }

  observeDuration(labels: Record<MessageLabels | 'outcome', string>, seconds: number): void {
    this.observe(this.handlerDuration, labels, seconds);
  }

  observeAge(labels: Record<'queue', string>, seconds: number): void {
    this.observe(this.messageAge, labels, seconds);
  }

  /** Creates the histogram series for `labels` at 0, unless it already has observations. */
  zeroHistogram<L extends string>(histogram: Histogram<L>, labels: Record<L, string>): void {
    if (this.touched.has(seriesKey(histogram, labels))) return;
    this.touched.add(seriesKey(histogram, labels));
    histogram.zero(labels);
  }

  private observe<L extends string>(histogram: Histogram<L>, labels: Record<L, string>, value: number): void {
    this.touched.add(seriesKey(histogram, labels));
    histogram.observe(labels, value);
  }
}

function seriesKey(histogram: Histogram<string>, labels: Record<string, string>): string {
  const name = (histogram as unknown as { name: string }).name;
  return `${name}${JSON.stringify(Object.entries(labels).sort(([a], [b]) => a.localeCompare(b)))}`;
}
