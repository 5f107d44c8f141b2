import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

/** The transport's Prometheus metrics, registered on one registry. */
export class SqsMetrics {
  readonly received: Counter<'queue'>;
  readonly succeeded: Counter<'pattern'>;
  readonly failed: Counter<'pattern'>;
  readonly retried: Counter<'pattern'>;
  readonly deadLettered: Counter<'reason'>;
  readonly handlerDuration: Histogram<'pattern'>;
  readonly inFlight: Gauge;
  readonly buffered: Gauge;
  readonly visibilityExtensions: Counter;
  readonly receiveErrors: Counter<'queue'>;
  readonly deleteErrors: Counter<'queue'>;
  readonly messageAge: Histogram;

  constructor(registry: Registry) {
    const registers = [registry];
    this.received = new Counter({ name: 'sqs_messages_received_total', help: 'Messages returned by ReceiveMessage', labelNames: ['queue'], registers });
    this.succeeded = new Counter({ name: 'sqs_messages_succeeded_total', help: 'Messages whose handler succeeded', labelNames: ['pattern'], registers });
    this.failed = new Counter({
      name: 'sqs_messages_failed_total',
      help: 'Handler failures: retried, or sent to the DLQ as non-retryable or invalid',
      labelNames: ['pattern'],
      registers,
    });
    this.retried = new Counter({ name: 'sqs_messages_retried_total', help: 'Failed messages made visible again for a retry', labelNames: ['pattern'], registers });
    this.deadLettered = new Counter({ name: 'sqs_messages_dead_lettered_total', help: 'Messages sent to the dead-letter queue, by reason', labelNames: ['reason'], registers });
    this.handlerDuration = new Histogram({
      name: 'sqs_handler_duration_seconds',
      help: 'Handler run time, success or failure',
      labelNames: ['pattern'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300],
      registers,
    });
    this.inFlight = new Gauge({ name: 'sqs_messages_in_flight', help: 'Messages whose handler is running', registers });
    this.buffered = new Gauge({ name: 'sqs_messages_buffered', help: 'Messages received and waiting for a worker', registers });
    this.visibilityExtensions = new Counter({ name: 'sqs_visibility_extensions_total', help: 'Heartbeat visibility extensions', registers });
    this.receiveErrors = new Counter({ name: 'sqs_receive_errors_total', help: 'Failed ReceiveMessage calls', labelNames: ['queue'], registers });
    this.deleteErrors = new Counter({ name: 'sqs_delete_errors_total', help: 'Failed deletes of processed messages', labelNames: ['queue'], registers });
    this.messageAge = new Histogram({
      name: 'sqs_message_age_seconds',
      help: 'Age of a message (since SentTimestamp) when its handler starts',
      buckets: [0.1, 0.5, 1, 5, 10, 30, 60, 300, 900, 3600, 14400, 86400],
      registers,
    });
  }
}
