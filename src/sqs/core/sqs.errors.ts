/**
 * Why a message was sent to the dead-letter queue. Carried as the `dlq-reason` message
 * attribute and as the `reason` label of the `sqs_messages_dead_lettered_total` metric.
 */
export enum DeadLetterReason {
  /** The body is not valid JSON (or an SNS envelope around invalid JSON). */
  MalformedBody = 'malformed-body',
  /** The pattern attribute is not a non-empty String (a Number or Binary attribute). */
  MalformedAttribute = 'malformed-attribute',
  /** No pattern in the attribute, the body or the queue's default. */
  NoPattern = 'no-pattern',
  /** A pattern no `@MessagePattern` / `@EventPattern` handler is registered for. */
  NoHandler = 'no-handler',
  /** The payload failed validation (a `ValidationPipe` or a 400-class rejection). */
  ValidationFailed = 'validation-failed',
  /** The handler threw a {@link NonRetryableError}: retrying cannot help. */
  NonRetryable = 'non-retryable',
  /**
   * The message failed on its last receive before the queue's redrive policy (`maxReceiveCount`)
   * would move it: the transport moves it itself, so the copy carries this reason and the last error.
   */
  MaxReceives = 'max-receives',
  /**
   * The message is a claim check (an S3 pointer in the SQS Extended Client format) whose object
   * is missing, whose bucket is not the configured one, or which no `largePayloads` option reads.
   */
  PayloadMissing = 'payload-missing',
  /**
   * A FIFO message had to be given back before its handler ran (shutdown, its group's order)
   * on its last receive: the redrive policy would have moved it with no reason, so the
   * transport moves it itself. Also a standard message on its last receive whose fresh copy
   * could not be sent. Redrive it: nothing was wrong with it.
   */
  LastReceiveUntried = 'last-receive-untried',
  /**
   * The transport's own processing step threw (a bug, or a listener that broke an invariant)
   * on the message's last receive: retried before that, dead-lettered here so it is seen.
   */
  InternalError = 'internal-error',
}

/**
 * Thrown by a handler when the message can never succeed (a downstream 400, a business rule).
 * The transport sends the message straight to the dead-letter queue with `reason`.
 * The message must not contain secrets or personal data: it is logged and stored.
 */
export class NonRetryableError extends Error {
  override readonly name = 'NonRetryableError';
  readonly reason: DeadLetterReason;

  constructor(message: string, options?: { cause?: unknown; reason?: DeadLetterReason }) {
    super(message, { cause: options?.cause });
    this.reason = options?.reason ?? DeadLetterReason.NonRetryable;
  }
}

/**
 * Thrown by a handler for a transient failure (network, 5xx, 429, an open circuit breaker).
 * Any other error is retried as well; this class only lets a handler ask for a minimum
 * delay before the message becomes visible again.
 */
export class RetryableError extends Error {
  override readonly name: string = 'RetryableError';
  readonly retryAfterSeconds?: number;

  constructor(message: string, options?: { cause?: unknown; retryAfterSeconds?: number }) {
    super(message, { cause: options?.cause });
    this.retryAfterSeconds = options?.retryAfterSeconds;
  }
}

/** An invalid `SqsServer` / `SqsClient` option, reported at start-up. */
export class SqsOptionsError extends Error {
  override readonly name = 'SqsOptionsError';
}
