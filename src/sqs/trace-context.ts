import type { Message, MessageAttributeValue } from '@aws-sdk/client-sqs';
import type * as OpenTelemetry from '@opentelemetry/api';
import { SqsOptionsError } from './sqs.errors.js';

/** W3C Trace Context carried as SQS message attributes (two of the ten SQS allows). */
const TRACE_ATTRIBUTES = ['traceparent', 'tracestate'] as const;

/**
 * Loads `@opentelemetry/api`, an optional dependency: tracing is off by default, and a service
 * that turns it on must install the API (and register an SDK, or spans are no-ops).
 */
export async function loadTraceContext(): Promise<TraceContext> {
  try {
    return new TraceContext(await import('@opentelemetry/api'));
  } catch {
    throw new SqsOptionsError(
      'traceContext is enabled but @opentelemetry/api is not installed: npm install @opentelemetry/api',
    );
  }
}

/**
 * Carries the active trace from producer to consumer: `SqsClient` injects `traceparent` (and
 * `tracestate`) into the message attributes, `SqsServer` runs the handler in a CONSUMER span
 * whose parent is the trace the message carries.
 */
export class TraceContext {
  constructor(private readonly api: typeof OpenTelemetry) {}

  /** Adds the active context's trace attributes to `attributes`. */
  inject(attributes: Record<string, MessageAttributeValue>): void {
    const carrier: Record<string, string> = {};
    this.api.propagation.inject(this.api.context.active(), carrier);
    for (const name of TRACE_ATTRIBUTES) {
      if (carrier[name]) attributes[name] = { DataType: 'String', StringValue: carrier[name] };
    }
  }

  /** Runs `work` in a span that continues the message's trace. */
  runInSpan<T>(message: Message, pattern: string, queueUrl: string, work: () => Promise<T>): Promise<T> {
    const { api } = this;
    const carrier: Record<string, string> = {};
    for (const name of TRACE_ATTRIBUTES) {
      const value = message.MessageAttributes?.[name]?.StringValue;
      if (value) carrier[name] = value;
    }
    const parent = api.propagation.extract(api.ROOT_CONTEXT, carrier);
    const attributes = {
      'messaging.system': 'aws_sqs',
      'messaging.operation.type': 'process',
      'messaging.destination.name': queueUrl.slice(queueUrl.lastIndexOf('/') + 1),
      'messaging.message.id': message.MessageId ?? '',
    };
    return api.trace
      .getTracer('nest-sqs-worker')
      .startActiveSpan(`process ${pattern}`, { kind: api.SpanKind.CONSUMER, attributes }, parent, async (span) => {
        try {
          const result = await work();
          span.setStatus({ code: api.SpanStatusCode.OK });
          return result;
        } catch (err) {
          span.recordException(err instanceof Error ? err : String(err));
          span.setStatus({ code: api.SpanStatusCode.ERROR });
          throw err;
        } finally {
          span.end();
        }
      });
  }
}
