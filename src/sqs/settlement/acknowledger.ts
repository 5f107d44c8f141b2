import {
  ChangeMessageVisibilityBatchCommand,
  DeleteMessageBatchCommand,
  type BatchResultErrorEntry,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import type { HeldMessage } from '../core/held-message.js';

const MAX_BATCH = 10;
const DELETE_ATTEMPTS = 3;

interface PendingDelete {
  message: HeldMessage;
  done: () => void;
}

export interface AcknowledgerHooks {
  /** A delete failed for good: the message will be redelivered (at-least-once). */
  onDeleteError(message: HeldMessage, error: Error): void;
  onVisibilityError(message: HeldMessage, error: Error): void;
}

/**
 * Deletes and visibility changes, batched per queue.
 *
 * A delete waits at most `lingerMs` for others to share its `DeleteMessageBatch` (ten go at
 * once), which brings the cost down to one call per ten messages without delaying anything
 * noticeably. Failed entries are retried when SQS says the fault was its own, and reported
 * otherwise: a partial batch failure is never ignored.
 */
export class Acknowledger {
  private readonly pendingDeletes = new Map<string, PendingDelete[]>();
  private readonly timers = new Map<string, NodeJS.Timeout>();
  private readonly inFlight = new Set<Promise<unknown>>();
  /**
   * Each message's newest visibility change. A change waits for the one before it to answer:
   * sent side by side on two connections, an older change (a heartbeat's extension, a retry's
   * backoff) could reach SQS after a newer give-back and hide the message again.
   */
  private readonly lastVisibilityChange = new WeakMap<HeldMessage, Promise<void>>();

  constructor(
    private readonly client: SQSClient,
    private readonly lingerMs: number,
    private readonly hooks: AcknowledgerHooks,
  ) {}

  /** Queues a delete; resolves once SQS confirmed it or it was reported as failed. */
  delete(message: HeldMessage): Promise<void> {
    return new Promise((done) => {
      const queueUrl = message.queue.url;
      const pending = this.pendingDeletes.get(queueUrl) ?? [];
      pending.push({ message, done });
      this.pendingDeletes.set(queueUrl, pending);
      if (pending.length >= MAX_BATCH) this.flushQueue(queueUrl);
      else if (!this.timers.has(queueUrl)) {
        this.timers.set(
          queueUrl,
          setTimeout(() => this.flushQueue(queueUrl), this.lingerMs),
        );
      }
    });
  }

  /**
   * Sets the visibility of messages (0 releases them at once); failures are reported. Changes
   * to one message reach SQS in the order they were asked for.
   */
  changeVisibility(messages: HeldMessage[], seconds: number): Promise<void> {
    const byQueue = Map.groupBy(messages, (m) => m.queue.url);
    const calls: Promise<void>[] = [];
    for (const [queueUrl, group] of byQueue) {
      for (let i = 0; i < group.length; i += MAX_BATCH) {
        const batch = group.slice(i, i + MAX_BATCH);
        const earlier = batch.map((m) => this.lastVisibilityChange.get(m)).filter((p) => p !== undefined);
        const call = this.track(
          earlier.length === 0
            ? this.sendVisibilityBatch(queueUrl, batch, seconds)
            : Promise.all(earlier).then(() => this.sendVisibilityBatch(queueUrl, batch, seconds)),
        );
        for (const m of batch) this.lastVisibilityChange.set(m, call);
        calls.push(call);
      }
    }
    return Promise.all(calls).then(() => undefined);
  }

  /** Sends every queued delete now and waits for all calls under way. */
  async flush(): Promise<void> {
    for (const queueUrl of [...this.pendingDeletes.keys()]) this.flushQueue(queueUrl);
    while (this.inFlight.size > 0) await Promise.allSettled([...this.inFlight]);
  }

  private flushQueue(queueUrl: string): void {
    const timer = this.timers.get(queueUrl);
    if (timer) clearTimeout(timer);
    this.timers.delete(queueUrl);
    const pending = this.pendingDeletes.get(queueUrl) ?? [];
    this.pendingDeletes.delete(queueUrl);
    for (let i = 0; i < pending.length; i += MAX_BATCH) {
      void this.track(this.sendDeleteBatch(queueUrl, pending.slice(i, i + MAX_BATCH), 1));
    }
  }

  private async sendDeleteBatch(queueUrl: string, batch: PendingDelete[], attempt: number): Promise<void> {
    let failed: Array<{ entry: PendingDelete; error: Error; retryable: boolean }>;
    // A redelivery answered while this call is out brings a newer receipt; SQS accepts a delete
    // with the older one without deleting, so those are deleted again with the newest.
    const sent = batch.map((p) => p.message.receiptHandle);
    let stale: PendingDelete[] = [];
    try {
      const result = await this.client.send(
        new DeleteMessageBatchCommand({
          QueueUrl: queueUrl,
          Entries: batch.map((p, i) => ({ Id: String(i), ReceiptHandle: sent[i] })),
        }),
      );
      failed = (result.Failed ?? []).map((f) => ({
        entry: batch[Number(f.Id)]!,
        error: batchEntryError('DeleteMessageBatch', f),
        retryable: !f.SenderFault,
      }));
      const failedIds = new Set((result.Failed ?? []).map((f) => f.Id));
      stale = batch.filter((p, i) => !failedIds.has(String(i)) && p.message.receiptHandle !== sent[i]);
      batch.forEach((p, i) => failedIds.has(String(i)) || stale.includes(p) || p.done());
    } catch (err) {
      failed = batch.map((entry) => ({ entry, error: asError(err), retryable: true }));
    }
    const retry = failed.filter((f) => f.retryable && attempt < DELETE_ATTEMPTS).map((f) => f.entry);
    for (const f of failed) {
      if (retry.includes(f.entry)) continue;
      this.hooks.onDeleteError(f.entry.message, f.error);
      f.entry.done();
    }
    if (stale.length) await this.sendDeleteBatch(queueUrl, stale, attempt);
    if (retry.length) {
      await sleep(100 * 2 ** attempt);
      await this.sendDeleteBatch(queueUrl, retry, attempt + 1);
    }
  }

  private async sendVisibilityBatch(queueUrl: string, batch: HeldMessage[], seconds: number): Promise<void> {
    try {
      const result = await this.client.send(
        new ChangeMessageVisibilityBatchCommand({
          QueueUrl: queueUrl,
          Entries: batch.map((m, i) => ({ Id: String(i), ReceiptHandle: m.receiptHandle, VisibilityTimeout: seconds })),
        }),
      );
      for (const f of result.Failed ?? []) {
        this.hooks.onVisibilityError(batch[Number(f.Id)]!, batchEntryError('ChangeMessageVisibilityBatch', f));
      }
    } catch (err) {
      for (const m of batch) this.hooks.onVisibilityError(m, asError(err));
    }
  }

  private track<T>(promise: Promise<T>): Promise<T> {
    this.inFlight.add(promise);
    const forget = (): void => void this.inFlight.delete(promise);
    promise.then(forget, forget);
    return promise;
  }
}

function batchEntryError(action: string, entry: BatchResultErrorEntry): Error {
  return new Error(`${action} entry failed: ${entry.Code ?? 'unknown'}${entry.Message ? ` (${entry.Message})` : ''}`);
}

function asError(err: unknown): Error {
  return err instanceof Error ? err : new Error(String(err));
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
