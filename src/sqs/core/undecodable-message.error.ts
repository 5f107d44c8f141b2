import type { DeadLetterReason } from './sqs.errors.js';

/** Why a message can never be routed. The transport dead-letters it with `reason`. */
export class UndecodableMessageError extends Error {
  override readonly name = 'UndecodableMessageError';
  constructor(
    readonly reason: DeadLetterReason,
    message: string,
  ) {
    super(message);
  }
}
