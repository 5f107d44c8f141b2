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
  declare readonly receiveRequests: Counter<'queue'>;
  declare readonly received: Counter<'queue'>;
  declare readonly succeeded: Counter<MessageLabels>;
  declare readonly failed: Counter<MessageLabels>;
  declare readonly retried: Counter<MessageLabels>;
  declare readonly deadLettered: Counter<MessageLabels | 'reason'>;
  declare readonly released: Counter<MessageLabels>;
  declare readonly requeued: Counter<MessageLabels | 'cause'>;
  declare readonly internalErrors: Counter<'queue'>;
  declare readonly handlerDuration: Histogram<MessageLabels | 'outcome'>;
  declare readonly visibilityExtensions: Counter<'queue'>;
  declare readonly receiveErrors: Counter<'queue'>;
  declare readonly deleteErrors: Counter<'queue'>;
  declare readonly messageAge: Histogram<'queue'>;
  declare readonly inFlight: Gauge;
  declare readonly buffered: Gauge;
  declare readonly concurrency: Gauge;
  declare readonly serverStatus: Gauge<'status'>;
  declare readonly intakePaused: Gauge<'queue' | 'dependency'>;
  // Histogram.zero() resets a series, so a series is zeroed only if nothing was observed on it.
  private readonly touched = new Set<string>();

  constructor(registry: Registry) {
    const registers = [registry];
    // The state gauges first: their collect() also puts every known label set at 0 (see the binder).
    Object.assign(this, defineGauges(registers), defineCounters(registers), defineHistograms(registers));
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

/**
 * Identifies a histogram's series: its name and the label values in the order of its label
 * names (fixed per histogram), so the key does not depend on the order of `labels`. Built on
 * every observation: no sorting, no JSON.
 */
function seriesKey(histogram: Histogram<string>, labels: Record<string, string>): string {
  const { name, labelNames } = histogram as unknown as { name: string; labelNames: readonly string[] };
  let key = name;
  for (const label of labelNames) key += `\u0000${labels[label] ?? ''}`;
  return key;
}

type Registers = Registry[];

function defineGauges(registers: Registers) {
  return {
    serverStatus: new Gauge({
      name: 'sqs_server_status',
      help: 'SqsServer status: 1 for the current one (connecting, connected, error, draining, closed)',
      labelNames: ['status'],
      registers,
    }),
    intakePaused: new Gauge({
      name: 'sqs_intake_paused',
      help: '1 while intake from the queue is paused because a dependency (label) is down',
      labelNames: ['queue', 'dependency'],
      registers,
    }),
    inFlight: new Gauge({ name: 'sqs_messages_in_flight', help: 'Messages whose handler is running', registers }),
    buffered: new Gauge({
      name: 'sqs_messages_buffered',
      help: 'Messages received and waiting for a worker',
      registers,
    }),
    concurrency: new Gauge({
      name: 'sqs_worker_concurrency',
      help: 'Workers: the most handlers that run at once',
      registers,
    }),
  };
}

function defineCounters(registers: Registers) {
  const byQueue = (name: string, help: string) =>
    new Counter({ name, help, labelNames: ['queue'] as const, registers });
  const byMessage = (name: string, help: string) =>
    new Counter({ name, help, labelNames: ['queue', 'pattern'] as const, registers });
  return {
    receiveRequests: byQueue('sqs_receive_requests_total', 'ReceiveMessage calls answered, with or without messages'),
    received: byQueue('sqs_messages_received_total', 'Messages returned by ReceiveMessage'),
    succeeded: byMessage('sqs_messages_succeeded_total', 'Messages whose handler succeeded'),
    failed: byMessage(
      'sqs_messages_failed_total',
      'Handler failures: retried, or dead-lettered as non-retryable, invalid or out of receives',
    ),
    retried: byMessage('sqs_messages_retried_total', 'Failed messages made visible again for a retry'),
    deadLettered: new Counter({
      name: 'sqs_messages_dead_lettered_total',
      help: 'Messages moved to the dead-letter queue, by reason',
      labelNames: ['queue', 'pattern', 'reason'],
      registers,
    }),
    released: byMessage(
      'sqs_messages_released_total',
      'Messages given back unprocessed (shutdown, a pause held too long, FIFO order)',
    ),
    requeued: new Counter({
      name: 'sqs_messages_requeued_total',
      help: 'Messages replaced by a fresh copy (new receive count), by cause: outage, shutdown, pause-hold-expired, grace-expired',
      labelNames: ['queue', 'pattern', 'cause'],
      registers,
    }),
    internalErrors: byQueue(
      'sqs_internal_errors_total',
      'Errors of the transport itself while processing a message (a bug); the message is settled anyway',
    ),
    visibilityExtensions: byQueue('sqs_visibility_extensions_total', 'Heartbeat visibility extensions'),
    receiveErrors: byQueue('sqs_receive_errors_total', 'Failed ReceiveMessage calls'),
    deleteErrors: byQueue('sqs_delete_errors_total', 'Failed deletes of processed messages'),
  };
}

function defineHistograms(registers: Registers) {
  return {
    handlerDuration: new Histogram({
      name: 'sqs_handler_duration_seconds',
      help: 'Handler run time, success or failure, by outcome (succeeded, retried, dead-lettered)',
      labelNames: ['queue', 'pattern', 'outcome'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300],
      registers,
    }),
    messageAge: new Histogram({
      name: 'sqs_message_age_seconds',
      help: 'Age of a message (since SentTimestamp) when its handler starts',
      labelNames: ['queue'],
      buckets: [0.1, 0.5, 1, 5, 10, 30, 60, 300, 900, 3600, 14400, 86400],
      registers,
    }),
  };
}
