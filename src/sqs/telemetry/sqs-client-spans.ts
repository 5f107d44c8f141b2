import type { SQSClient } from '@aws-sdk/client-sqs';
import {
  propagation,
  ROOT_CONTEXT,
  SpanKind,
  SpanStatusCode,
  trace,
  type Attributes,
  type Link,
  type Span,
  type SpanContext,
  type Tracer,
} from '@opentelemetry/api';
import { messageTraceCarrier } from './message-trace-carrier.js';
import { queueAttributes, type MessagingMetrics } from './messaging-metrics.js';
import {
  ATTR_AWS_SQS_QUEUE_URL,
  ATTR_ERROR_TYPE,
  ATTR_MESSAGING_BATCH_MESSAGE_COUNT,
  ATTR_MESSAGING_OPERATION_NAME,
  ATTR_MESSAGING_OPERATION_TYPE,
  OperationType,
  queueName,
} from './semconv.js';
import type { TraceLinks } from './trace-links.js';

interface Operation {
  name: string;
  type: string;
  kind: SpanKind;
  /** Batched settlements run later than the message's span: a root span linked to each. */
  settles?: { forget: boolean };
}

/** The SQS calls the consumer makes, as the messaging conventions name them. */
const OPERATIONS: Record<string, Operation> = {
  ReceiveMessageCommand: { name: 'receive', type: OperationType.Receive, kind: SpanKind.CLIENT },
  DeleteMessageCommand: {
    name: 'delete',
    type: OperationType.Settle,
    kind: SpanKind.CLIENT,
    settles: { forget: true },
  },
  DeleteMessageBatchCommand: {
    name: 'delete',
    type: OperationType.Settle,
    kind: SpanKind.CLIENT,
    settles: { forget: true },
  },
  ChangeMessageVisibilityBatchCommand: {
    name: 'change_visibility',
    type: OperationType.Settle,
    kind: SpanKind.CLIENT,
    settles: { forget: false },
  },
  SendMessageCommand: { name: 'send', type: OperationType.Send, kind: SpanKind.PRODUCER },
  SendMessageBatchCommand: { name: 'send', type: OperationType.Send, kind: SpanKind.PRODUCER },
};

interface SqsInput {
  QueueUrl?: string;
  ReceiptHandle?: string;
  Entries?: Array<{ ReceiptHandle?: string }>;
}

interface SqsOutput {
  Messages?: Parameters<typeof messageTraceCarrier>[0][];
}

/**
 * Spans and metrics for the transport's own SQS calls, as a middleware on its `SQSClient`: a
 * `receive <queue>` span per ReceiveMessage with a link to each message it brought; `delete` and
 * `change_visibility` settle spans linked to the messages' process spans; `send` for dead-letter
 * and requeue copies (inside the process span); `messaging.client.operation.duration`,
 * `messaging.client.consumed.messages` and `messaging.client.sent.messages`.
 */
export function instrumentSqsClient(
  client: SQSClient,
  tracer: Tracer | undefined,
  metrics: MessagingMetrics | undefined,
  links: TraceLinks,
): void {
  const queues = new Map<string, Attributes>();
  client.middlewareStack.add(
    (next, handlerContext) => async (args) => {
      const operation = OPERATIONS[String(handlerContext.commandName)];
      const input = args.input as SqsInput;
      if (!operation || !input.QueueUrl) return next(args);
      const queueUrl = input.QueueUrl;
      const startedAt = performance.now();
      const span = tracer?.startSpan(
        `${operation.name} ${queueName(queueUrl)}`,
        spanOptions(operation, queueUrl, input, queues, links),
      );
      let errorType: string | undefined;
      try {
        const result = await next(args);
        afterCall(operation, queueUrl, result.output as SqsOutput, span, metrics, links);
        return result;
      } catch (err) {
        errorType = err instanceof Error ? err.name : 'Error';
        span?.setAttribute(ATTR_ERROR_TYPE, errorType);
        span?.setStatus({ code: SpanStatusCode.ERROR });
        throw err;
      } finally {
        span?.end();
        const seconds = (performance.now() - startedAt) / 1_000;
        metrics?.operation(queueUrl, operation.name, operation.type, seconds, errorType);
        if (operation.type === OperationType.Send) metrics?.sent(queueUrl, input.Entries?.length ?? 1, errorType);
      }
    },
    { step: 'initialize', name: 'nestSqsWorkerTelemetry', override: true },
  );
}

function spanOptions(
  operation: Operation,
  queueUrl: string,
  input: SqsInput,
  queues: Map<string, Attributes>,
  links: TraceLinks,
) {
  const attributes: Attributes = {
    ...queueAttributes(queues, queueUrl),
    [ATTR_MESSAGING_OPERATION_NAME]: operation.name,
    [ATTR_MESSAGING_OPERATION_TYPE]: operation.type,
    [ATTR_AWS_SQS_QUEUE_URL]: queueUrl,
  };
  if (input.Entries) attributes[ATTR_MESSAGING_BATCH_MESSAGE_COUNT] = input.Entries.length;
  const settled: Link[] = [];
  if (operation.settles) {
    for (const handle of input.Entries?.map((e) => e.ReceiptHandle) ?? [input.ReceiptHandle]) {
      const process = links.processOf(handle, operation.settles.forget);
      if (process) settled.push({ context: process });
    }
  }
  // A receive belongs to no message, and a batched settlement to many: neither takes the
  // ambient context (a delete batch's timer still carries the first message's).
  const root = operation.type === OperationType.Receive || Boolean(operation.settles);
  return { kind: operation.kind, attributes, links: settled, root };
}

function afterCall(
  operation: Operation,
  queueUrl: string,
  output: SqsOutput | undefined,
  span: Span | undefined,
  metrics: MessagingMetrics | undefined,
  links: TraceLinks,
): void {
  if (operation.type !== OperationType.Receive) return;
  const messages = output?.Messages ?? [];
  metrics?.consumed(queueUrl, messages.length);
  if (!span) return;
  span.setAttribute(ATTR_MESSAGING_BATCH_MESSAGE_COUNT, messages.length);
  const receive = span.spanContext();
  const created: Link[] = [];
  for (const message of messages) {
    links.received(message, receive);
    const creation = creationContext(message);
    if (creation) created.push({ context: creation });
  }
  if (created.length) span.addLinks(created);
}

function creationContext(message: Parameters<typeof messageTraceCarrier>[0]): SpanContext | undefined {
  const found = messageTraceCarrier(message);
  if (!found) return undefined;
  const context = trace.getSpanContext(propagation.extract(ROOT_CONTEXT, found.carrier));
  return context && trace.isSpanContextValid(context) ? context : undefined;
}
