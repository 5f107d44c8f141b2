import { HttpException } from '@nestjs/common';
import { RpcException } from '@nestjs/microservices';
import { DeadLetterReason, NonRetryableError, RetryableError } from '../core/sqs.errors.js';

/** What to do with a message whose handler failed. */
export type FailureAction =
  { action: 'retry'; minDelaySeconds?: number } | { action: 'dead-letter'; reason: DeadLetterReason; detail: string };

const RETRYABLE_HTTP_STATUSES = new Set([408, 425, 429]);

/**
 * Decides between retry and dead-letter. Only errors that say so are final: a
 * `NonRetryableError`, a 4xx `HttpException` (a `ValidationPipe` or guard rejection, except
 * 408/425/429) or an `RpcException` whose error object has `retryable: false`. Anything else,
 * including errors a default exception filter reduced to `{ status, message }`, is retried:
 * the redrive policy still bounds it.
 */
export function classifyFailure(error: unknown): FailureAction {
  if (error instanceof NonRetryableError) {
    return { action: 'dead-letter', reason: error.reason, detail: error.message };
  }
  if (error instanceof RetryableError) {
    return { action: 'retry', minDelaySeconds: error.retryAfterSeconds };
  }
  if (error instanceof HttpException) {
    const status = error.getStatus();
    if (status >= 400 && status < 500 && !RETRYABLE_HTTP_STATUSES.has(status)) {
      const reason =
        status === 400 || status === 422 ? DeadLetterReason.ValidationFailed : DeadLetterReason.NonRetryable;
      return { action: 'dead-letter', reason, detail: httpExceptionDetail(error) };
    }
    return { action: 'retry' };
  }
  if (error instanceof RpcException) {
    const inner = error.getError();
    if (typeof inner === 'object' && inner !== null && (inner as { retryable?: unknown }).retryable === false) {
      return { action: 'dead-letter', reason: DeadLetterReason.NonRetryable, detail: error.message };
    }
  }
  return { action: 'retry' };
}

function httpExceptionDetail(error: HttpException): string {
  const response = error.getResponse();
  if (typeof response === 'string') return response;
  const message = (response as { message?: unknown }).message;
  if (Array.isArray(message)) return message.map(String).join('; ');
  return typeof message === 'string' ? message : error.message;
}

/** A short description of any thrown value, for logs and events. */
export function describeError(error: unknown): Error {
  if (error instanceof Error) return error;
  if (typeof error === 'object' && error !== null && 'message' in error) {
    return new Error(String((error as { message: unknown }).message));
  }
  return new Error(String(error));
}
