// Public surface of the SQS transport.
export { SqsServer, SQS_TRANSPORT, messageLogFields } from './sqs.server.js';
export type { SqsServerOptions, SqsQueueOptions, SqsBackoffOptions, ResolvedSqsServerOptions } from './sqs.options.js';
export { LONG_POLL_TIMEOUT_MARGIN_MS, receiveRequestTimeoutMs, resolveSqsServerOptions, sqsSocketBudget } from './sqs.options.js';
export { SqsClient, SqsClientStatus, type SqsClientOptions } from './sqs.client.js';
export { SqsRecord, type SqsRecordOptions } from './sqs.record.js';
export { SqsContext } from './sqs.context.js';
export { SqsExceptionFilter } from './sqs-exception.filter.js';
export { SqsStatus, type SqsEvents, type SqsMessageInfo, type SqsPausedQueue, type SqsServerSnapshot } from './sqs.events.js';
export { DeadLetterReason, NonRetryableError, RetryableError, SqsOptionsError } from './sqs.errors.js';
export { DownstreamGate, DownstreamUnavailableError } from './downstream-gate.js';
export { DLQ_REASON_ATTRIBUTE, DLQ_DETAIL_ATTRIBUTE } from './dead-letter-forwarder.js';
export { currentSqsMessage } from './message-context.js';
