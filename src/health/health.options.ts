import { RECEIVE_ERROR_BACKOFF_CAP_MS, receiveRequestTimeoutMs } from '../sqs/index.js';

/** Tuning of the health checks; every field has a default. */
export interface HealthOptions {
  /** The work queue, probed with `GetQueueAttributes` when the last SQS call failed. */
  queueUrl?: string;
  /** How long a probe or credential result is reused (ms). Default 5000. */
  cacheMs?: number;
  /** Longest a probe or credential resolution may take before it counts as failed (ms). Default 3000. */
  checkTimeoutMs?: number;
  /** Slack added to the longest legitimate silence before a receiver counts as stuck (ms). Default 10000. */
  livenessSlackMs?: number;
  /** Clock, for tests. */
  now?: () => number;
}

/** Token of {@link HealthOptions}; `HealthModule.forRoot` provides it. */
export const HEALTH_OPTIONS = Symbol('HEALTH_OPTIONS');

export const DEFAULT_HEALTH_CACHE_MS = 5_000;
export const DEFAULT_CHECK_TIMEOUT_MS = 3_000;
export const DEFAULT_LIVENESS_SLACK_MS = 10_000;
/** The ceiling of the transport's backoff between failed receives (see `receiveErrorDelayMs`). */

/**
 * How long the receivers may stay silent before the process counts as stuck. A receive that
 * hangs is abandoned after `receiveRequestTimeoutMs(waitTimeSeconds)` and the next one follows
 * within the backoff ceiling, so a half-open network, which must only make the pod unready,
 * never reaches this limit; neither do two empty long polls in a row.
 */
export function livenessLimitMs(waitTimeSeconds: number, slackMs = DEFAULT_LIVENESS_SLACK_MS): number {
  const longestLegitimateSilence = Math.max(
    2 * waitTimeSeconds * 1_000,
    receiveRequestTimeoutMs(waitTimeSeconds) + RECEIVE_ERROR_BACKOFF_CAP_MS,
  );
  return longestLegitimateSilence + slackMs;
}

/** Rejects with `what timed out` after `ms`, so a hung dependency cannot hang a probe. */
export function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} timed out after ${ms} ms`)), ms);
    timer.unref();
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

export function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
