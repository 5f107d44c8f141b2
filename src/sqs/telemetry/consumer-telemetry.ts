import {
  context,
  propagation,
  ROOT_CONTEXT,
  SpanKind,
  SpanStatusCode,
  trace,
  type Attributes,
  type Link,
  type Span,
  type Tracer,
} from '@opentelemetry/api';
import type { HeldMessage } from '../core/held-message.js';
import type { SqsEvents, SqsMessageInfo } from '../core/sqs.events.js';
import { messageTraceCarrier } from './message-trace-carrier.js';
import { queueAttributes, type MessagingMetrics } from './messaging-metrics.js';
import {
  ATTR_AWS_SQS_QUEUE_URL,
  ATTR_CONTEXT_SOURCE,
  ATTR_DEAD_LETTER_REASON,
  ATTR_ERROR_TYPE,
  ATTR_MESSAGING_MESSAGE_ID,
  ATTR_MESSAGING_OPERATION_NAME,
  ATTR_MESSAGING_OPERATION_TYPE,
  ATTR_OUTCOME,
  ATTR_RETRY_IN_SECONDS,
  OperationType,
  queueName,
} from './semconv.js';
import type { TraceLinks } from './trace-links.js';

/** The hook the consumer engine calls around each message, when telemetry is on. */
export interface ProcessHook {
  /** Runs `work` (routing, handler, settlement) as the message's process span. Never throws more than `work`. */
  process(held: HeldMessage, work: () => Promise<void>): Promise<void>;
}

/** Subscribes to a server's events (`SqsServer.on`). */
export type EventSource = <K extends keyof SqsEvents>(event: K, listener: SqsEvents[K]) => unknown;

/** How one message's run ended, as the events report it. */
interface RunRecord {
  span?: Span;
  errorType?: string;
}

/**
 * A CONSUMER span `process <queue>` per message, by the messaging conventions: parented by (and
 * linked to) the context the message carries, linked to the receive span that brought it, with
 * the outcome (succeeded, retried, dead-lettered with its reason, released) read from the
 * server's events; and the `messaging.process.duration` metric. Handlers run inside the span, so
 * their own spans (Keycloak's HTTP calls) and log lines join its trace.
 */
export class ConsumerTelemetry implements ProcessHook {
  private readonly runs = new WeakMap<SqsMessageInfo, RunRecord>();
  private readonly queues = new Map<string, Attributes>();

  constructor(
    private readonly tracer: Tracer | undefined,
    private readonly metrics: MessagingMetrics | undefined,
    private readonly links: TraceLinks,
  ) {}

  async process(held: HeldMessage, work: () => Promise<void>): Promise<void> {
    const startedAt = performance.now();
    const run: RunRecord = {};
    this.runs.set(held.info, run);
    try {
      if (!this.tracer) return await work();
      const parent = this.parentOf(held, run);
      await context.with(trace.setSpan(parent, run.span!), work);
    } finally {
      run.span?.end();
      this.metrics?.process(held.queue.url, (performance.now() - startedAt) / 1_000, run.errorType);
    }
  }

  /** Records each message's outcome on its span, from the server's events. */
  observe(on: EventSource): void {
    on('processed', (info) => this.outcome(info, 'succeeded'));
    on('processing_failed', (info, error, retryInSeconds) =>
      this.outcome(info, 'retried', error.name, { [ATTR_RETRY_IN_SECONDS]: retryInSeconds }),
    );
    on('dead_lettered', (info, reason) =>
      this.outcome(info, 'dead-lettered', this.runs.get(info)?.errorType ?? reason, {
        [ATTR_DEAD_LETTER_REASON]: reason,
      }),
    );
    on('released', (info) => this.outcome(info, 'released'));
  }

  /** Starts the span; returns the context it continues (the message's, or none). */
  private parentOf(held: HeldMessage, run: RunRecord) {
    const found = messageTraceCarrier(held.message);
    const parent = found ? propagation.extract(ROOT_CONTEXT, found.carrier) : ROOT_CONTEXT;
    const links: Link[] = [];
    const creation = trace.getSpanContext(parent);
    if (creation && trace.isSpanContextValid(creation)) links.push({ context: creation });
    const received = this.links.receiveOf(held.message);
    if (received) links.push({ context: received });
    const attributes: Attributes = {
      ...queueAttributes(this.queues, held.queue.url),
      [ATTR_MESSAGING_OPERATION_TYPE]: OperationType.Process,
      [ATTR_MESSAGING_OPERATION_NAME]: 'process',
      [ATTR_MESSAGING_MESSAGE_ID]: held.info.messageId,
      [ATTR_AWS_SQS_QUEUE_URL]: held.queue.url,
    };
    if (found) attributes[ATTR_CONTEXT_SOURCE] = found.source;
    run.span = this.tracer!.startSpan(
      `process ${queueName(held.queue.url)}`,
      { kind: SpanKind.CONSUMER, attributes, links },
      parent,
    );
    this.links.processing(held.receiptHandle, run.span.spanContext());
    return parent;
  }

  private outcome(info: SqsMessageInfo, outcome: string, errorType?: string, extra: Attributes = {}): void {
    const run = this.runs.get(info);
    if (!run) return;
    if (errorType) run.errorType = errorType;
    const span = run.span;
    if (!span) return;
    span.setAttributes({ [ATTR_OUTCOME]: outcome, ...extra });
    if (errorType) {
      span.setAttribute(ATTR_ERROR_TYPE, errorType);
      // The error's name, never its message: a message can quote the payload's personal data.
      span.setStatus({ code: SpanStatusCode.ERROR, message: outcome });
    }
  }
}
