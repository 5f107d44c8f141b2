/** The longest visibility SQS allows a message, counted from its receipt. */
export const MAX_VISIBILITY_SECONDS = 43_200;

export interface BackoffPolicy {
  baseSeconds: number;
  maxSeconds: number;
}

/**
 * Seconds before a failed message should be visible again: `base * 2^(receiveCount - 1)`,
 * capped, with "equal jitter" (half fixed, half random) so that a burst of failures spreads
 * out but a delay never collapses to zero and still grows with every attempt.
 */
export function retryDelaySeconds(
  receiveCount: number,
  policy: BackoffPolicy,
  random: () => number = Math.random,
): number {
  const attempt = Number.isFinite(receiveCount) ? Math.max(1, Math.floor(receiveCount)) : 1;
  const exponential = policy.baseSeconds * 2 ** Math.min(attempt - 1, 30);
  const capped = Math.min(policy.maxSeconds, exponential);
  const half = capped / 2;
  return Math.min(MAX_VISIBILITY_SECONDS, Math.round(half + random() * half));
}

/** The longest a receive loop waits after an SQS error before it tries again. */
export const RECEIVE_ERROR_BACKOFF_CAP_MS = 10_000;

/**
 * Delay before the receiver retries after an SQS error: exponential from 100 ms to 10 s with
 * full jitter, so many pods losing SQS at once don't come back in lockstep, and never a spin.
 * The ceiling bounds how long processing lags behind SQS coming back.
 */
export function receiveErrorDelayMs(consecutiveErrors: number, random: () => number = Math.random): number {
  const ceiling = Math.min(RECEIVE_ERROR_BACKOFF_CAP_MS, 100 * 2 ** Math.min(Math.max(consecutiveErrors - 1, 0), 20));
  return Math.max(50, Math.round(random() * ceiling));
}
