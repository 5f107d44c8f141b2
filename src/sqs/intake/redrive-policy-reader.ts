import type { SQSClient } from '@aws-sdk/client-sqs';
import { setTimeout as sleep } from 'node:timers/promises';
import { describeError } from '../settlement/error-classifier.js';
import { readRedrivePolicy, type ResolvedQueue } from '../core/queue-registry.js';
import type { TransportLogger } from '../core/transport-logger.js';

export interface RedriveReaderHooks {
  /** A read answered: SQS and the credentials work. */
  onRead(queue: ResolvedQueue): void;
  /** A read failed (reported like a failed receive). */
  onError(queue: ResolvedQueue, error: Error): void;
}

/** Delays between reads of a policy not yet known: 1 s doubling up to a minute. */
export function rereadDelayMs(attempt: number): number {
  return Math.min(60_000, 1_000 * 2 ** Math.max(0, attempt - 1));
}

/**
 * Reads each queue's redrive policy (`maxReceiveCount`, the dead-letter queue) at start-up and,
 * for a queue whose read failed (throttling, a network blip, credentials not ready yet), reads
 * it again with backoff until it is known: a blip at start-up must not switch off the retry
 * accounting (the `max-receives` move, the outage requeue, the last-receive rules) for the
 * life of the pod. While a queue's policy is unknown, one log line says so, and `unknown`
 * lists it (readiness shows it).
 */
export class RedrivePolicyReader {
  private readonly stopped = new AbortController();
  private readonly pending = new Set<ResolvedQueue>();

  constructor(
    private readonly client: SQSClient,
    private readonly queues: readonly ResolvedQueue[],
    private readonly logger: TransportLogger,
    private readonly hooks: RedriveReaderHooks,
    private readonly delayMs: (attempt: number) => number = rereadDelayMs,
  ) {}

  /** URLs of the queues whose `maxReceiveCount` is not known yet. */
  get unknown(): string[] {
    return [...this.pending].map((q) => q.url);
  }

  /** Reads every queue once; those that fail keep being read in the background. */
  async start(): Promise<void> {
    await Promise.all(
      this.queues.map(async (queue) => {
        const error = await this.readOnce(queue, true);
        if (!error) return;
        this.pending.add(queue);
        this.logger.warn({
          msg: `maxReceiveCount of ${queue.url} is unknown (GetQueueAttributes failed: ${error.message}); reading it again with backoff. Until then the last receive cannot be told: give-backs on a standard queue go as fresh copies`,
          queueUrl: queue.url,
        });
        void this.retry(queue);
      }),
    );
  }

  stop(): void {
    this.stopped.abort();
  }

  private async retry(queue: ResolvedQueue): Promise<void> {
    for (let attempt = 1; !this.stopped.signal.aborted; attempt++) {
      const slept = await sleep(this.delayMs(attempt), true, { signal: this.stopped.signal, ref: false }).catch(
        () => false,
      );
      if (!slept) return;
      if ((await this.readOnce(queue, false)) === undefined) {
        this.pending.delete(queue);
        this.logger.log({
          msg: `maxReceiveCount of ${queue.url} is known: ${queue.maxReceiveCount ?? 'no redrive policy'}`,
          queueUrl: queue.url,
        });
        return;
      }
    }
  }

  /**
   * One read; returns the error, or undefined when the policy is now known. Only the first
   * failure is reported: the retries stay quiet (one line says the policy is unknown).
   */
  private async readOnce(queue: ResolvedQueue, report: boolean): Promise<Error | undefined> {
    try {
      const facts = await readRedrivePolicy(this.client, queue.url, queue.deadLetterQueueUrl === undefined);
      if (queue.deadLetterQueueUrl === undefined) queue.deadLetterQueueUrl = facts.deadLetterQueueUrl;
      queue.maxReceiveCount = facts.maxReceiveCount;
      this.hooks.onRead(queue);
      return undefined;
    } catch (err) {
      const error = describeError(err);
      if (report) this.hooks.onError(queue, error);
      return error;
    }
  }
}
