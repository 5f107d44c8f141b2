import { BrokenCircuitError, IsolatedCircuitError } from 'cockatiel';
import { DeadLetterReason, type DownstreamGate, NonRetryableError, RetryableError } from '../sqs/index.js';
import { redact } from './redact.js';

/**
 * Keycloak answered with an error status. The message carries the operation, the status and
 * Keycloak's error code (`errorMessage`/`error`), never the request or `params` (which echo
 * submitted values such as the email).
 */
export class KeycloakHttpError extends Error {
  override readonly name = 'KeycloakHttpError';

  constructor(
    readonly operation: string,
    readonly status: number,
    readonly keycloakError?: string,
    readonly retryAfterSeconds?: number,
  ) {
    super(`Keycloak ${operation} answered ${status}${keycloakError ? ` (${keycloakError})` : ''}`);
  }
}

/** Keycloak could not be reached: connection refused or reset, DNS, or the request timed out. */
export class KeycloakUnavailableError extends Error {
  override readonly name = 'KeycloakUnavailableError';

  constructor(operation: string, cause: unknown) {
    super(`Keycloak ${operation} failed: ${describeNetworkError(cause)}`, { cause });
  }
}

/** The client credentials grant failed (bad secret, disabled client, Keycloak down). */
export class KeycloakTokenError extends Error {
  override readonly name = 'KeycloakTokenError';
}

/**
 * True for failures that say "Keycloak is not healthy" rather than "this request is wrong":
 * these count towards opening the circuit breaker and are retried.
 */
export function isKeycloakOutage(error: unknown): boolean {
  if (error instanceof KeycloakUnavailableError || error instanceof KeycloakTokenError) return true;
  return error instanceof KeycloakHttpError && (error.status >= 500 || error.status === 429 || error.status === 408);
}

/** What {@link toHandlerError} needs to know about the circuit breaker (`KeycloakBreaker`). */
export interface BreakerView {
  /** Down while the breaker is open or half-open. */
  readonly gate: DownstreamGate;
  readonly openMs: number;
}

/**
 * Turns any failure of a Keycloak call into what the SQS transport understands:
 * - `gate.unavailable(...)` (a `DownstreamUnavailableError`) when the breaker is open, or an
 *   outage leaves it open: the transport pauses the queue until the breaker closes;
 * - `RetryableError` for an outage while the breaker is still closed (retried no sooner than
 *   `openMs`, by which time the breaker has decided), and a 401 after a fresh token;
 * - `NonRetryableError` for 400, 403, 404 and other answers that retrying cannot change.
 * `sensitive` values are removed from the message, which becomes a log line or a dead-letter reason.
 */
export function toHandlerError(
  error: unknown,
  sensitive: ReadonlyArray<string | undefined>,
  breaker: BreakerView,
): Error {
  if (error instanceof NonRetryableError || error instanceof RetryableError) return error;
  const retryAfterSeconds = Math.max(1, Math.ceil(breaker.openMs / 1000));
  if (error instanceof BrokenCircuitError || error instanceof IsolatedCircuitError) {
    return breaker.gate.unavailable('Keycloak circuit breaker is open', { retryAfterSeconds });
  }
  const message = redact(error instanceof Error ? error.message : String(error), sensitive);
  if (isKeycloakOutage(error) && breaker.gate.isDown) return breaker.gate.unavailable(message, { retryAfterSeconds });
  if (error instanceof KeycloakHttpError && !isKeycloakOutage(error) && error.status !== 401) {
    return new NonRetryableError(message, { reason: DeadLetterReason.NonRetryable });
  }
  const fromHeader = error instanceof KeycloakHttpError ? error.retryAfterSeconds : undefined;
  // An outage while the breaker is still closed: retry no sooner than the breaker has decided
  // (its confirmation pings open it within a few seconds), so that the retry finds the queue
  // paused rather than spending another receive on the same outage.
  return new RetryableError(message, {
    retryAfterSeconds: isKeycloakOutage(error) ? Math.max(fromHeader ?? 0, retryAfterSeconds) : fromHeader,
  });
}

function describeNetworkError(error: unknown): string {
  if (error instanceof Error && (error.name === 'TimeoutError' || error.name === 'AbortError'))
    return 'request timed out';
  const cause = error instanceof Error ? (error.cause as { code?: unknown } | undefined) : undefined;
  if (cause && typeof cause.code === 'string') return cause.code;
  return error instanceof Error ? error.message : String(error);
}

/** Parses a Retry-After header (seconds or HTTP date) into whole seconds. */
export function parseRetryAfter(header: string | null): number | undefined {
  if (!header) return undefined;
  const seconds = Number(header);
  if (Number.isFinite(seconds) && seconds >= 0) return Math.ceil(seconds);
  const date = Date.parse(header);
  return Number.isNaN(date) ? undefined : Math.max(0, Math.ceil((date - Date.now()) / 1000));
}
