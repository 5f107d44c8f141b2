import type { MessageAttributeValue } from '@aws-sdk/client-sqs';
import { Logger } from '@nestjs/common';
import { context, propagation, SpanKind, SpanStatusCode, trace, type Attributes, type Span } from '@opentelemetry/api';
import { queueAttributes, MessagingMetrics } from './messaging-metrics.js';
import {
  ATTR_AWS_SQS_QUEUE_URL,
  ATTR_ERROR_TYPE,
  ATTR_MESSAGING_MESSAGE_ID,
  ATTR_MESSAGING_OPERATION_NAME,
  ATTR_MESSAGING_OPERATION_TYPE,
  OperationType,
  queueName,
} from './semconv.js';
import { registeredProviders, type TelemetryProviders } from './telemetry-providers.js';

/** SQS takes at most ten message attributes. */
const MAX_MESSAGE_ATTRIBUTES = 10;
const TRACE_ATTRIBUTES = ['traceparent', 'tracestate'] as const;

/** One message's `send` span; `end` with its message id, or the error that stopped it. */
export interface SendTrace {
  /** Adds the span's context (`traceparent`, `tracestate`) to the message's attributes. */
  inject(attributes: Record<string, MessageAttributeValue>): void;
  end(result: { messageId: string } | { error: unknown }): void;
}

/**
 * A PRODUCER span `send <queue>` per message `SqsClient` sends, whose context travels in the
 * message's attributes (the message's creation context, which the consumer continues), and the
 * `messaging.client.sent.messages` metric. Created only when an SDK is registered.
 */
export class ProducerTelemetry {
  private readonly metrics?: MessagingMetrics;
  private readonly queues = new Map<string, Attributes>();
  private warnedFull = false;

  private constructor(
    private readonly providers: TelemetryProviders,
    private readonly logger: Pick<Logger, 'warn'>,
  ) {
    if (providers.meter) this.metrics = new MessagingMetrics(providers.meter);
  }

  /** Telemetry for a producer, or undefined when no SDK is registered (then nothing is traced). */
  static detect(logger: Pick<Logger, 'warn'> = new Logger('SqsClient')): ProducerTelemetry | undefined {
    const providers = registeredProviders();
    return providers ? new ProducerTelemetry(providers, logger) : undefined;
  }

  startSend(queueUrl: string): SendTrace {
    const span = this.providers.tracer?.startSpan(`send ${queueName(queueUrl)}`, {
      kind: SpanKind.PRODUCER,
      attributes: {
        ...queueAttributes(this.queues, queueUrl),
        [ATTR_MESSAGING_OPERATION_NAME]: 'send',
        [ATTR_MESSAGING_OPERATION_TYPE]: OperationType.Send,
        [ATTR_AWS_SQS_QUEUE_URL]: queueUrl,
      },
    });
    return {
      inject: (attributes) => this.inject(span, attributes),
      end: (result) => this.end(queueUrl, span, result),
    };
  }

  private inject(span: Span | undefined, attributes: Record<string, MessageAttributeValue>): void {
    const carrier: Record<string, string> = {};
    const active = span ? trace.setSpan(context.active(), span) : context.active();
    propagation.inject(active, carrier);
    const names = TRACE_ATTRIBUTES.filter((name) => carrier[name] && !(name in attributes));
    if (!names.length) return;
    if (Object.keys(attributes).length + names.length > MAX_MESSAGE_ATTRIBUTES) {
      // As OpenTelemetry's AWS SDK instrumentation does: never drop the sender's own attribute.
      if (!this.warnedFull) {
        this.warnedFull = true;
        this.logger.warn(
          `a message already has ${Object.keys(attributes).length} of SQS's ${MAX_MESSAGE_ATTRIBUTES} attributes: its trace context is not sent (said once)`,
        );
      }
      return;
    }
    for (const name of names) attributes[name] = { DataType: 'String', StringValue: carrier[name] };
  }

  private end(queueUrl: string, span: Span | undefined, result: { messageId: string } | { error: unknown }): void {
    const errorType = 'error' in result ? (result.error instanceof Error ? result.error.name : 'Error') : undefined;
    this.metrics?.sent(queueUrl, 1, errorType);
    if (!span) return;
    if ('messageId' in result) span.setAttribute(ATTR_MESSAGING_MESSAGE_ID, result.messageId);
    if (errorType) {
      span.setAttribute(ATTR_ERROR_TYPE, errorType);
      span.setStatus({ code: SpanStatusCode.ERROR });
    }
    span.end();
  }
}
