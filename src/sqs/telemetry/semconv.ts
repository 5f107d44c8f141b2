// Names from the OpenTelemetry semantic conventions (v1.45) for messaging and AWS SQS. Copied
// rather than imported: they are still "development" in @opentelemetry/semantic-conventions
// (its `incubating` entry point, which its authors advise against depending on), so a name the
// conventions rename changes here, in one place, with the version bump.

export const ATTR_MESSAGING_SYSTEM = 'messaging.system';
export const ATTR_MESSAGING_OPERATION_TYPE = 'messaging.operation.type';
export const ATTR_MESSAGING_OPERATION_NAME = 'messaging.operation.name';
export const ATTR_MESSAGING_DESTINATION_NAME = 'messaging.destination.name';
export const ATTR_MESSAGING_MESSAGE_ID = 'messaging.message.id';
export const ATTR_MESSAGING_BATCH_MESSAGE_COUNT = 'messaging.batch.message_count';
export const ATTR_AWS_SQS_QUEUE_URL = 'aws.sqs.queue.url';
export const ATTR_SERVER_ADDRESS = 'server.address';
export const ATTR_ERROR_TYPE = 'error.type';

/** `messaging.system` for SQS. */
export const MESSAGING_SYSTEM_AWS_SQS = 'aws_sqs';

/** `messaging.operation.type` values. */
export const OperationType = {
  Send: 'send',
  Receive: 'receive',
  Process: 'process',
  Settle: 'settle',
} as const;

/** Metric names and units by the messaging conventions. */
export const METRIC_PROCESS_DURATION = 'messaging.process.duration';
export const METRIC_CLIENT_OPERATION_DURATION = 'messaging.client.operation.duration';
export const METRIC_CLIENT_CONSUMED_MESSAGES = 'messaging.client.consumed.messages';
export const METRIC_CLIENT_SENT_MESSAGES = 'messaging.client.sent.messages';

/**
 * This transport's own attributes, outside the `messaging.*` namespace the conventions reserve:
 * how the message's run ended, and why it was dead-lettered.
 */
export const ATTR_OUTCOME = 'nest_sqs.outcome';
export const ATTR_DEAD_LETTER_REASON = 'nest_sqs.dead_letter.reason';
export const ATTR_RETRY_IN_SECONDS = 'nest_sqs.retry_in_seconds';
/** Where the message's trace context was found: attributes, sns, xray. */
export const ATTR_CONTEXT_SOURCE = 'nest_sqs.trace_context.source';

/** The instrumentation scope of every span and metric of the transport. */
export const INSTRUMENTATION_SCOPE = 'nest-sqs-worker';

/** The queue's name: the last path segment of its URL. */
export function queueName(queueUrl: string): string {
  return queueUrl.slice(queueUrl.lastIndexOf('/') + 1);
}
