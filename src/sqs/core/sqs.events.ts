import type { DeadLetterReason } from './sqs.errors.js';

/** Lifecycle of an `SqsServer`, emitted on its `status` stream. */
export enum SqsStatus {
  /** `listen()` called; the queues are being checked. */
  Connecting = 'connecting',
  /** The last SQS call succeeded: receiving normally. */
  Connected = 'connected',
  /** SQS calls fail (bad URL, credentials, network): the receiver is backing off. */
  Error = 'error',
  /** `close()` called: intake stopped, running handlers finishing. */
  Draining = 'draining',
  /** Everything released and flushed. */
  Closed = 'closed',
}

/** What the transport knows about one message, passed to every event about it. */
export interface SqsMessageInfo {
  messageId: string;
  queueUrl: string;
  pattern?: string;
  receiveCount: number;
  /** Epoch ms the message was first sent (`SentTimestamp`), when SQS reported it. */
  sentTimestamp?: number;
  /** FIFO queues only. */
  groupId?: string;
}

/** Events emitted by `SqsServer`; subscribe with `server.on(event, callback)`. */
export type SqsEvents = {
  status: (status: SqsStatus) => void;
  /** A ReceiveMessage call answered (with or without messages). */
  receive: (queueUrl: string, messageCount: number) => void;
  receive_error: (queueUrl: string, error: Error) => void;
  /** A worker started the handler. */
  processing_started: (message: SqsMessageInfo) => void;
  /** The handler succeeded; the delete has been queued. */
  processed: (message: SqsMessageInfo, durationMs: number) => void;
  /** The handler failed and the message will be visible again in `retryInSeconds`. */
  processing_failed: (message: SqsMessageInfo, error: Error, retryInSeconds: number, durationMs: number) => void;
  /** The message went to the dead-letter queue (or, with none configured, to the redrive policy). */
  dead_lettered: (message: SqsMessageInfo, reason: DeadLetterReason, detail: string) => void;
  visibility_extended: (message: SqsMessageInfo, seconds: number) => void;
  /** SQS delivered a message this process still holds; it is not run twice. */
  duplicate_suppressed: (message: SqsMessageInfo) => void;
  /**
   * A message was given back to the queue unprocessed (shutdown, a pause held too long, FIFO
   * order after a failure), as it is (visibility 0) or as a fresh copy (then `requeued` too).
   */
  released: (message: SqsMessageInfo) => void;
  /**
   * A fresh copy (new `MessageId`, receive count 0) replaced the message, so the receive it
   * was given back on is not lost: `outage` (its last receive failed while a dependency was
   * down) or a give-back cause (`shutdown`, `pause-hold-expired`, `grace-expired`).
   */
  requeued: (message: SqsMessageInfo, copyId: string | undefined, cause: string) => void;
  /**
   * The transport's own processing step threw (not the handler): the message is settled
   * anyway (given back with backoff, dead-lettered with `internal-error` on its last receive).
   */
  internal_error: (message: SqsMessageInfo, error: Error) => void;
  delete_error: (queueUrl: string, error: Error) => void;
  /** Intake from a queue stopped because a dependency its handlers need is down. */
  intake_paused: (queueUrl: string, dependency: string, reason: string) => void;
  /** Intake from a queue resumed after `pausedMs`. */
  intake_resumed: (queueUrl: string, dependency: string, pausedMs: number) => void;
};

/** A queue whose intake is paused, and why. */
export interface SqsPausedQueue {
  queueUrl: string;
  /** The `DownstreamGate` name. */
  dependency: string;
  reason: string;
  /** Epoch ms the pause began. */
  since: number;
}

/** Counters and timestamps a health indicator can read without calling SQS. */
export interface SqsServerSnapshot {
  status: SqsStatus;
  /** Epoch ms of the last receive loop iteration (success or failure). */
  lastReceiveTickAt?: number;
  /** Epoch ms of the last successful SQS call. */
  lastSuccessAt?: number;
  lastError?: string;
  waitTimeSeconds: number;
  inFlight: number;
  buffered: number;
  concurrency: number;
  /**
   * Queues whose intake is paused while a dependency is down. A paused receiver does not call
   * SQS, so `lastReceiveTickAt` does not move: that is not a stuck receiver.
   */
  paused: SqsPausedQueue[];
  /** How many queues the server consumes. */
  queues: number;
  /**
   * URLs of the queues whose redrive policy (`maxReceiveCount`) could not be read yet: it is
   * read again with backoff; until then a message's last receive cannot be told.
   */
  redrivePolicyUnknown?: string[];
}
