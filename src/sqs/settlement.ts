import type { SQSClient } from '@aws-sdk/client-sqs';
import type { Acknowledger } from './acknowledger.js';
import { MAX_VISIBILITY_SECONDS, retryDelaySeconds, type BackoffPolicy } from './backoff.js';
import type { DeadLetterForwarder } from './dead-letter-forwarder.js';
import { DownstreamUnavailableError } from './downstream-gate.js';
import { classifyFailure, describeError } from './error-classifier.js';
import type { HeldMessage } from './held-message.js';
import type { HeldRegistry } from './held-registry.js';
import type { IntakePauses } from './intake-pauses.js';
import type { MessageBuffer } from './message-buffer.js';
import { messageLogFields } from './message-log-fields.js';
import { requeueCopy } from './outage-requeue.js';
import { DeadLetterReason } from './sqs.errors.js';
import type { SqsEvents } from './sqs.events.js';
import type { TransportLogger } from './transport-logger.js';
import type { VisibilityHeartbeat } from './visibility-heartbeat.js';

/** How a message's run ended, as the dispatcher reports it. */
export type DispatchOutcome =
  | { kind: 'succeeded'; durationMs: number }
  | { kind: 'failed'; error: unknown; durationMs: number }
  /** It could not be run: no pattern, no handler, a malformed body. */
  | { kind: 'undeliverable'; reason: DeadLetterReason; detail: string };

/** Emits one of the server's typed events. */
export type EventSink = <K extends keyof SqsEvents>(event: K, ...args: Parameters<SqsEvents[K]>) => void;

export interface SettlementParts {
  client: SQSClient;
  acknowledger: Acknowledger;
  deadLetters: DeadLetterForwarder;
  buffer: MessageBuffer;
  heartbeat: VisibilityHeartbeat;
  registry: HeldRegistry;
  pauses: IntakePauses;
  emit: EventSink;
  logger: TransportLogger;
  backoff: BackoffPolicy;
  patternAttribute: string;
  /** Aborted when the server closes: no queue is paused any more then. */
  closing: AbortSignal;
}

/**
 * Decides each message's fate once its run is over, and carries it out: delete on success;
 * retry with backoff; dead-letter with its reason; on the last receive (the queue's
 * `maxReceiveCount`), move it with the reason `max-receives`, or requeue a fresh copy when only
 * a dependency's outage made it fail; give back unfinished work; keep FIFO groups in order.
 */
export class Settlement {
  constructor(private readonly parts: SettlementParts) {}

  settle(held: HeldMessage, outcome: DispatchOutcome): Promise<void> {
    switch (outcome.kind) {
      case 'succeeded':
        this.parts.emit('processed', held.info, outcome.durationMs);
        this.acknowledge(held);
        return Promise.resolve();
      case 'undeliverable':
        return this.deadLetter(held, outcome.reason, outcome.detail);
      case 'failed':
        return this.onFailure(held, outcome.error, outcome.durationMs);
    }
  }

  /** Gives messages back unprocessed, visible at once (shutdown, a paused queue). */
  async release(messages: HeldMessage[]): Promise<void> {
    if (messages.length === 0) return;
    for (const m of messages) this.parts.heartbeat.untrack(m);
    await this.parts.acknowledger.changeVisibility(messages, 0);
    for (const m of messages) {
      this.parts.emit('released', m.info);
      this.parts.registry.forget(m);
    }
  }

  /**
   * Queues the delete and frees the worker at once: waiting for the batched delete would hold
   * the worker for the linger plus a round trip. The message stays registered until the delete
   * is confirmed, so a redelivery meanwhile is still suppressed; close() flushes.
   */
  private acknowledge(held: HeldMessage): void {
    this.parts.heartbeat.untrack(held);
    void this.parts.acknowledger.delete(held).then(() => this.parts.registry.forget(held));
  }

  private async onFailure(held: HeldMessage, err: unknown, durationMs: number): Promise<void> {
    const failure = classifyFailure(err);
    if (failure.action === 'dead-letter') return this.deadLetter(held, failure.reason, failure.detail);
    const downstreamDown = err instanceof DownstreamUnavailableError && err.gate.isDown;
    if (downstreamDown && !this.parts.closing.aborted) this.parts.pauses.tie(held.queue.url, err.gate);
    const error = describeError(err);
    const delay = this.retryDelay(held, failure.minDelaySeconds);
    if (isLastAttempt(held) && downstreamDown && !held.queue.fifo) return this.requeue(held, error, delay, durationMs);
    if (isLastAttempt(held)) {
      // The redrive policy would move it on the next receive, with no reason attached and no
      // log line: move it now, so every dead-letter move carries its reason and is counted.
      const detail = `last attempt (receive ${held.info.receiveCount} of ${held.queue.maxReceiveCount}) failed: ${error.message}`;
      return this.deadLetter(held, DeadLetterReason.MaxReceives, detail);
    }
    this.parts.emit('processing_failed', held.info, error, delay, durationMs);
    await this.giveBack(held, delay);
  }

  /**
   * The last receive failed only because a dependency is down: a fresh copy (new receive count)
   * takes the original's place, so no outage, however long, dead-letters a valid message.
   * If the copy cannot be sent, the original goes back and the redrive policy decides.
   */
  private async requeue(held: HeldMessage, error: Error, delay: number, durationMs: number): Promise<void> {
    this.parts.emit('processing_failed', held.info, error, delay, durationMs);
    let copyId: string | undefined;
    try {
      copyId = await requeueCopy(this.parts.client, held, delay);
    } catch (err) {
      this.log(
        'error',
        held,
        `requeueing a fresh copy failed (${describeError(err).message}); the redrive policy may move it on its next receive`,
      );
      return this.giveBack(held, delay);
    }
    this.log(
      'warn',
      held,
      `last receive failed while a dependency is down: requeued as ${copyId ?? 'a copy'} with a fresh receive count, visible in ${delay}s`,
    );
    this.acknowledge(held);
  }

  private async deadLetter(held: HeldMessage, reason: DeadLetterReason, detail: string): Promise<void> {
    try {
      const outcome = await this.parts.deadLetters.forward(held, reason, detail, this.parts.patternAttribute);
      if (outcome !== 'left-to-redrive-policy') {
        // The outcome itself is logged by whoever listens to `dead_lettered` (one line per outcome).
        if (outcome === 'moved-without-reason') {
          this.log(
            'warn',
            held,
            `dead-letter copy stored without its reason attributes (the DLQ size limit left no room): ${reason}`,
            { reason },
          );
        }
        this.parts.emit('dead_lettered', held.info, reason, detail);
        this.acknowledge(held);
        return;
      }
      const delay = this.retryDelay(held);
      this.log(
        'error',
        held,
        `cannot succeed (${reason}: ${detail}) and no dead-letter queue is known; left to the redrive policy, visible again in ${delay}s`,
        { reason },
      );
      await this.giveBack(held, delay);
    } catch (err) {
      const delay = this.retryDelay(held);
      this.log('error', held, `dead-lettering failed (${describeError(err).message}); retry in ${delay}s`, { reason });
      await this.giveBack(held, delay);
    }
  }

  /**
   * Makes a message visible again after `delaySeconds`. On a FIFO queue the rest of its group
   * that was buffered is released too, so the group is redelivered in order.
   */
  private async giveBack(held: HeldMessage, delaySeconds: number): Promise<void> {
    this.parts.heartbeat.untrack(held);
    const followers = held.orderingKey ? this.parts.buffer.removeGroup(held.orderingKey) : [];
    await this.parts.acknowledger.changeVisibility([held], delaySeconds);
    if (followers.length) await this.release(followers);
    this.parts.registry.forget(held);
  }

  /** The backoff delay, at least `minDelaySeconds`, never past SQS's 12-hour visibility limit. */
  private retryDelay(held: HeldMessage, minDelaySeconds = 0): number {
    return clampRetryDelay(
      Math.max(retryDelaySeconds(held.info.receiveCount, this.parts.backoff), minDelaySeconds),
      held.receivedAt,
    );
  }

  private log(level: 'warn' | 'error', held: HeldMessage, text: string, extra: Record<string, unknown> = {}): void {
    this.parts.logger[level]({ msg: text, ...messageLogFields(held.info), ...extra });
  }
}

/** True on the receive after which the queue's redrive policy dead-letters the message. */
function isLastAttempt(held: HeldMessage): boolean {
  const max = held.queue.maxReceiveCount;
  return typeof max === 'number' && held.info.receiveCount >= max && Boolean(held.queue.deadLetterQueueUrl);
}

/**
 * SQS refuses a visibility timeout that ends more than 12 hours after the receive: a delay is
 * cut to what is left of that window (minus a second of margin), and never below zero.
 */
export function clampRetryDelay(delaySeconds: number, receivedAt: number, now = Date.now()): number {
  const heldSeconds = Math.ceil((now - receivedAt) / 1_000);
  return Math.max(0, Math.min(delaySeconds, MAX_VISIBILITY_SECONDS - heldSeconds - 1));
}
