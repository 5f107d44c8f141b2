import type { SqsServerLike } from '../health/sqs-server-like.js';
import { type SqsMessageInfo, SqsStatus } from '../sqs/index.js';
import { MetricLabels, zeroKnownSeries } from './metric-labels.js';
import { HandlerOutcome, type SqsMetrics } from './sqs-metrics.js';

/** The server as the metrics read it: Nest's `Server.getHandlers()` gives the registered patterns. */
export type MetricsServer = SqsServerLike & { getHandlers?(): Map<string, unknown> };

export interface SqsMetricsBinding {
  /** URLs of the queues the server consumes (their series exist from start at 0). */
  queueUrls?: readonly string[];
  now?: () => number;
}

/**
 * Subscribes `metrics` to the server's events, and makes the gauges read the server's snapshot
 * at scrape time (so they can never drift). `on()` before `listen()` is buffered by the server,
 * so this may run at any point of start-up. Returns the labels it uses.
 */
export function bindSqsMetrics(
  server: MetricsServer,
  metrics: SqsMetrics,
  binding: SqsMetricsBinding = {},
): MetricLabels {
  const now = binding.now ?? Date.now;
  const labels = new MetricLabels(
    () => binding.queueUrls ?? [],
    () => [...(server.getHandlers?.().keys() ?? [])],
  );
  bindQueueEvents(server, metrics, labels);
  bindMessageOutcomes(server, metrics, labels, now);
  server.on('status', (status) => {
    if (status === SqsStatus.Connected) zeroKnownSeries(metrics, labels);
  });
  readGaugesFromSnapshot(server, metrics, labels);
  return labels;
}

/** Receives, SQS errors and heartbeats, by queue. */
function bindQueueEvents(server: MetricsServer, metrics: SqsMetrics, labels: MetricLabels): void {
  server.on('receive', (queueUrl, count) => {
    metrics.receiveRequests.inc({ queue: labels.queue(queueUrl) });
    if (count > 0) metrics.received.inc({ queue: labels.queue(queueUrl) }, count);
  });
  server.on('receive_error', (queueUrl) => metrics.receiveErrors.inc({ queue: labels.queue(queueUrl) }));
  server.on('delete_error', (queueUrl) => metrics.deleteErrors.inc({ queue: labels.queue(queueUrl) }));
  server.on('internal_error', (message) => metrics.internalErrors.inc({ queue: labels.queue(message.queueUrl) }));
  server.on('visibility_extended', (message) =>
    metrics.visibilityExtensions.inc({ queue: labels.queue(message.queueUrl) }),
  );
}

/** What became of each message, by queue and pattern, with its handler's duration. */
function bindMessageOutcomes(
  server: MetricsServer,
  metrics: SqsMetrics,
  labels: MetricLabels,
  now: () => number,
): void {
  const started = new HandlerClock(now);
  server.on('processing_started', (message) => {
    started.start(message);
    if (message.sentTimestamp !== undefined)
      metrics.observeAge({ queue: labels.queue(message.queueUrl) }, Math.max(0, now() - message.sentTimestamp) / 1_000);
  });
  server.on('processed', (message, durationMs) => {
    started.stop(message);
    metrics.succeeded.inc(labels.message(message));
    metrics.observeDuration({ ...labels.message(message), outcome: HandlerOutcome.Succeeded }, durationMs / 1_000);
  });
  server.on('processing_failed', (message, _error, _retryInSeconds, durationMs) => {
    started.stop(message);
    metrics.failed.inc(labels.message(message));
    metrics.retried.inc(labels.message(message));
    metrics.observeDuration({ ...labels.message(message), outcome: HandlerOutcome.Retried }, durationMs / 1_000);
  });
  server.on('dead_lettered', (message, reason) => {
    metrics.deadLettered.inc({ ...labels.message(message), reason });
    // Dead-lettered after its handler ran (invalid, non-retryable, out of receives): a failure.
    const durationMs = started.stop(message);
    if (durationMs === undefined) return;
    metrics.failed.inc(labels.message(message));
    metrics.observeDuration({ ...labels.message(message), outcome: HandlerOutcome.DeadLettered }, durationMs / 1_000);
  });
  server.on('released', (message) => {
    started.stop(message);
    metrics.released.inc(labels.message(message));
  });
  server.on('requeued', (message, _copyId, cause) => metrics.requeued.inc({ ...labels.message(message), cause }));
}

/** When each running handler started, for the duration of those that end in the dead-letter queue. */
class HandlerClock {
  private readonly startedAt = new Map<string, number>();

  constructor(private readonly now: () => number) {}

  start(message: SqsMessageInfo): void {
    this.startedAt.set(key(message), this.now());
  }

  /** Forgets the message; returns its run time so far, if its handler had started. */
  stop(message: SqsMessageInfo): number | undefined {
    const id = key(message);
    const at = this.startedAt.get(id);
    this.startedAt.delete(id);
    return at === undefined ? undefined : this.now() - at;
  }
}

const key = (message: SqsMessageInfo) => `${message.queueUrl}\u0000${message.messageId}`;

function readGaugesFromSnapshot(server: MetricsServer, metrics: SqsMetrics, labels: MetricLabels): void {
  const snapshot = () => {
    try {
      return server.getSnapshot();
    } catch {
      return undefined;
    }
  };
  // prom-client calls `collect` on every scrape, in registration order: the status gauge comes
  // first, so the known series are at 0 before the counters are read, even before `connected`.
  Object.assign(metrics.serverStatus, {
    collect: () => {
      zeroKnownSeries(metrics, labels);
      const current = snapshot()?.status;
      for (const status of Object.values(SqsStatus)) metrics.serverStatus.set({ status }, status === current ? 1 : 0);
    },
  });
  Object.assign(metrics.intakePaused, {
    collect: () => {
      metrics.intakePaused.reset();
      const paused = snapshot()?.paused ?? [];
      for (const queue of labels.knownSets().queues) metrics.intakePaused.set({ queue }, 0);
      for (const p of paused) {
        metrics.intakePaused.remove({ queue: labels.queue(p.queueUrl) });
        metrics.intakePaused.set({ queue: labels.queue(p.queueUrl), dependency: p.dependency }, 1);
      }
    },
  });
  Object.assign(metrics.inFlight, { collect: () => metrics.inFlight.set(snapshot()?.inFlight ?? 0) });
  Object.assign(metrics.buffered, { collect: () => metrics.buffered.set(snapshot()?.buffered ?? 0) });
  Object.assign(metrics.concurrency, { collect: () => metrics.concurrency.set(snapshot()?.concurrency ?? 0) });
}
