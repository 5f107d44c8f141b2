// Public surface of the SQS transport's test kit: a separate entry, so production code that
// imports src/sqs/index.ts never loads it.
export { SqsTestKit, type SqsTestKitOptions, type MicroserviceFactory } from './sqs-test-kit.js';
export type { SqsTestOutcome } from './test-outcome.js';
export type { OutcomeMatch } from './handler-spy.js';
export type { SqsTestMessageOptions, SqsTestRawMessage } from './test-message.js';
export {
  RecordingSqsClient,
  type EmittedMessage,
  type RecordingSqsClientOptions,
  type SqsTestConsumer,
} from './recording-sqs.client.js';
export type { EmittedMatcher } from './emitted-matcher.js';
export { InMemorySqsServer } from './in-memory-sqs.server.js';
