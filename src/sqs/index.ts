// Public surface of the SQS transport.
export { SqsServer, SQS_TRANSPORT, messageLogFields } from './adapter/sqs.server.js';
export type {
  SqsServerOptions,
  SqsQueueOptions,
  SqsBackoffOptions,
  ResolvedSqsServerOptions,
} from './core/sqs.options.js';
export {
  LONG_POLL_TIMEOUT_MARGIN_MS,
  receiveRequestTimeoutMs,
  resolveSqsServerOptions,
  sqsSocketBudget,
} from './core/sqs.options.js';
export { SqsClient, SqsClientStatus, type SqsClientOptions } from './adapter/sqs.client.js';
export { SqsRecord, type SqsRecordOptions } from './adapter/sqs.record.js';
export { SqsContext } from './dispatch/sqs.context.js';
export { SqsEventPattern, SqsMessagePattern, type SqsPattern } from './adapter/sqs-patterns.js';
export type { SqsEnvelope, SqsEnvelopeSource } from './envelopes/sqs-envelope.js';
export type { SqsClientLargePayloadOptions, SqsLargePayloadOptions } from './large-payload/large-payload.options.js';
export {
  LEGACY_PAYLOAD_SIZE_ATTRIBUTE,
  PAYLOAD_SIZE_ATTRIBUTE,
  POINTER_CLASS,
} from './large-payload/payload-pointer.js';
export { DEFAULT_MAX_BUFFERED_BYTES } from './core/sqs.options.js';
export { SqsExceptionFilter } from './adapter/sqs-exception.filter.js';
export {
  SqsStatus,
  type SqsEvents,
  type SqsMessageInfo,
  type SqsPausedQueue,
  type SqsServerSnapshot,
} from './core/sqs.events.js';
export { DeadLetterReason, NonRetryableError, RetryableError, SqsOptionsError } from './core/sqs.errors.js';
export { DownstreamGate, DownstreamUnavailableError } from './core/downstream-gate.js';
export {
  DLQ_ATTRIBUTE_PREFIX,
  DLQ_DETAIL_ATTRIBUTE,
  DLQ_FIRST_RECEIVED_ATTRIBUTE,
  DLQ_MESSAGE_ID_ATTRIBUTE,
  DLQ_PATTERN_ATTRIBUTE,
  DLQ_REASON_ATTRIBUTE,
  DLQ_RECEIVE_COUNT_ATTRIBUTE,
  DLQ_SOURCE_QUEUE_ATTRIBUTE,
} from './settlement/dead-letter-forwarder.js';
export { currentSqsMessage } from './dispatch/message-context.js';
export { RECEIVE_ERROR_BACKOFF_CAP_MS } from './settlement/backoff.js';
export { displayPattern } from './dispatch/pattern-display.js';
export { CENSOR, isSecretKey, isSensitiveKey, scrubSecrets, scrubText, scrubValue } from './scrub/scrub.js';
export { createLongPollHttpHandler, type LongPollHttpHandlerOptions } from './intake/long-poll-http-handler.js';
export { isQueueUrl, QUEUE_URL_PATTERN } from './core/queue-url.js';
export { discoverDeadLetterQueueUrl, readRedrivePolicy } from './core/queue-registry.js';
export { runWithSqsMessage } from './dispatch/message-context.js';
export { SQS_SERVER_TOKEN, type SqsServerLike } from './adapter/sqs-server-like.js';
export {
  deleteLingerLimitMs,
  OPTION_NAMES,
  optionRuleViolations,
  type RuleNames,
  type RuleValues,
  type RuleViolation,
} from './core/option-rules.js';
