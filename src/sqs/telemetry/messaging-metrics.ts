import type { Attributes, Counter, Histogram, Meter } from '@opentelemetry/api';
import {
  ATTR_ERROR_TYPE,
  ATTR_MESSAGING_DESTINATION_NAME,
  ATTR_MESSAGING_OPERATION_NAME,
  ATTR_MESSAGING_OPERATION_TYPE,
  ATTR_MESSAGING_SYSTEM,
  ATTR_SERVER_ADDRESS,
  METRIC_CLIENT_CONSUMED_MESSAGES,
  METRIC_CLIENT_OPERATION_DURATION,
  METRIC_CLIENT_SENT_MESSAGES,
  METRIC_PROCESS_DURATION,
  MESSAGING_SYSTEM_AWS_SQS,
  OperationType,
  queueName,
} from './semconv.js';

/** The buckets the messaging conventions advise for their duration histograms (seconds). */
const DURATION_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10];

/**
 * The messaging metrics of the OpenTelemetry conventions, through the metrics API: how long a
 * message's processing took, how long each SQS call took (receive, send, settle), how many
 * messages were received and sent. Beside the Prometheus metrics, not instead of them.
 */
export class MessagingMetrics {
  private readonly processDuration: Histogram;
  private readonly operationDuration: Histogram;
  private readonly consumedMessages: Counter;
  private readonly sentMessages: Counter;
  private readonly queues = new Map<string, Attributes>();

  constructor(meter: Meter) {
    const advice = { explicitBucketBoundaries: DURATION_BUCKETS };
    this.processDuration = meter.createHistogram(METRIC_PROCESS_DURATION, {
      unit: 's',
      description: 'Duration of processing operation.',
      advice,
    });
    this.operationDuration = meter.createHistogram(METRIC_CLIENT_OPERATION_DURATION, {
      unit: 's',
      description: 'Duration of messaging operation initiated by a producer or consumer client.',
      advice,
    });
    this.consumedMessages = meter.createCounter(METRIC_CLIENT_CONSUMED_MESSAGES, {
      unit: '{message}',
      description: 'Number of messages that were delivered to the application.',
    });
    this.sentMessages = meter.createCounter(METRIC_CLIENT_SENT_MESSAGES, {
      unit: '{message}',
      description: 'Number of messages producer attempted to send to the broker.',
    });
  }

  /** One message processed (routing, handler and settlement) in `seconds`. */
  process(queueUrl: string, seconds: number, errorType?: string): void {
    this.processDuration.record(seconds, this.attributes(queueUrl, 'process', OperationType.Process, errorType));
  }

  /** One SQS call (`operation`: receive, send, delete, change_visibility) in `seconds`. */
  operation(queueUrl: string, operation: string, type: string, seconds: number, errorType?: string): void {
    this.operationDuration.record(seconds, this.attributes(queueUrl, operation, type, errorType));
  }

  consumed(queueUrl: string, count: number): void {
    if (count > 0) this.consumedMessages.add(count, this.attributes(queueUrl, 'receive', OperationType.Receive));
  }

  sent(queueUrl: string, count: number, errorType?: string): void {
    this.sentMessages.add(count, this.attributes(queueUrl, 'send', OperationType.Send, errorType));
  }

  private attributes(queueUrl: string, operation: string, type: string, errorType?: string): Attributes {
    const attributes: Attributes = {
      ...queueAttributes(this.queues, queueUrl),
      [ATTR_MESSAGING_OPERATION_NAME]: operation,
      [ATTR_MESSAGING_OPERATION_TYPE]: type,
    };
    if (errorType) attributes[ATTR_ERROR_TYPE] = errorType;
    return attributes;
  }
}

/**
 * The attributes every span and metric of one queue shares (system, queue name, host), made once
 * per queue URL and cached in `cache`.
 */
export function queueAttributes(cache: Map<string, Attributes>, queueUrl: string): Attributes {
  let attributes = cache.get(queueUrl);
  if (!attributes) {
    attributes = {
      [ATTR_MESSAGING_SYSTEM]: MESSAGING_SYSTEM_AWS_SQS,
      [ATTR_MESSAGING_DESTINATION_NAME]: queueName(queueUrl),
      [ATTR_SERVER_ADDRESS]: hostOf(queueUrl),
    };
    cache.set(queueUrl, attributes);
  }
  return attributes;
}

function hostOf(url: string): string {
  try {
    return new URL(url).hostname;
  } catch {
    return '';
  }
}
