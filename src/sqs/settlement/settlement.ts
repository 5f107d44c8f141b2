import type { SQSClient } from '@aws-sdk/client-sqs';
import type { Acknowledger } from './acknowledger.js';
import { MAX_VISIBILITY_SECONDS, retryDelaySeconds, type BackoffPolicy } from './backoff.js';
import type { DeadLetterForwarder } from './dead-letter-forwarder.js';
import { DownstreamUnavailableError, type DownstreamGate } from '../core/downstream-gate.js';
import { classifyFailure, describeError } from './error-classifier.js';
import type { HeldMessage } from '../core/held-message.js';
import type { HeldRegistry } from '../pool/held-registry.js';
import type { IntakePauses } from '../intake/intake-pauses.js';
import type { MessageBuffer } from '../buffer/message-buffer.js';
import { messageLogFields } from '../core/message-log-fields.js';
import { requeueCopy } from './outage-requeue.js';
import { DeadLetterReason } from '../core/sqs.errors.js';
import type { SqsEvents } from '../core/sqs.events.js';
import type { TransportLogger } from '../core/transport-logger.js';
import { GiveBackCause, UntriedGiveBack } from './untried-give-back.js';
import type { VisibilityHeartbeat } from '../pool/visibility-heartbeat.js';

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
 * Carries out each message's fate as `decideSettlement` decided it: delete, give back with a
 * delay, requeue a fresh copy, move to the dead-letter queue with its reason (or leave it to the
 * redrive policy when no DLQ is known); give back unfinished work; keep FIFO groups in order.
 */
export class Settlement {
  private readonly untried: UntriedGiveBack;

  constructor(private readonly parts: SettlementParts) {
    this.untried = new UntriedGiveBack(parts);
  }

  settle(held: HeldMessage, outcome: DispatchOutcome): Promise<void> {
    const decision = decideSettlement(held, outcome, { backoff: this.parts.backoff });
    const durationMs = outcome.kind === 'undeliverable' ? 0 : outcome.durationMs;
    if (decision.pauseFor && !this.parts.closing.aborted) this.parts.pauses.tie(held.queue.url, decision.pauseFor);
    switch (decision.action) {
      case 'delete':
        this.parts.emit('processed', held.info, durationMs);
        this.acknowledge(held);
        return Promise.resolve();
      case 'dead-letter':
        return this.deadLetter(held, decision.reason, decision.detail);
      case 'requeue':
        return this.requeue(held, decision.error, decision.delaySeconds, durationMs);
      case 'retry':
        this.parts.emit('processing_failed', held.info, decision.error, decision.delaySeconds, durationMs);
        return this.giveBack(held, decision.delaySeconds);
    }
  }

  /**
   * Gives messages back before their handler ran or finished, without spending a receive that
   * no attempt used (see `giveBackMode`): visible at once, as they are or as fresh copies.
   */
  release(messages: HeldMessage[], cause: GiveBackCause): Promise<void> {
    return this.untried.giveBack(messages, cause);
  }

  /**
   * The engine's own step threw for `held` (not its handler): logged once, counted, and the
   * message settled anyway, so it is never left invisible under the heartbeat for hours.
   * Retried with backoff like a failure; on its last receive dead-lettered with `internal-error`.
   */
  async internalError(held: HeldMessage, err: unknown): Promise<void> {
    const error = describeError(err);
    this.parts.logger.error({
      msg: `internal error while processing the message (a transport bug): ${error.message}`,
      stack: err instanceof Error ? err.stack : undefined,
      ...messageLogFields(held.info),
    });
    this.parts.emit('internal_error', held.info, error);
    try {
      if (isLastAttempt(held)) return await this.deadLetter(held, DeadLetterReason.InternalError, error.message);
      await this.giveBack(held, this.retryDelay(held));
    } catch {
      // Settling failed as well: untracked, the message reappears after its visibility timeout.
      this.parts.heartbeat.untrack(held);
      this.parts.registry.forget(held);
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
    this.parts.emit('requeued', held.info, copyId, 'outage');
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
    // Forgotten first: visible again at once (delay 0), it may be received before the call
    // answers, and must then be admitted as new work, not dropped as a duplicate.
    this.parts.registry.forget(held);
    // The followers too, in the same turn: a receive answering during the awaits below may
    // bring one of them again together with later messages of its group. Still registered, the
    // copy was taken for a duplicate and left out of the buffer while the later ones ran, then
    // released by its new receipt: the group out of order (the simulation found it).
    const followers = held.orderingKey ? this.parts.buffer.removeGroup(held.orderingKey) : [];
    for (const follower of followers) this.parts.registry.forget(follower);
    await this.parts.heartbeat.untrackAll([held]);
    await this.parts.acknowledger.changeVisibility([held], delaySeconds);
    if (followers.length) await this.release(followers, GiveBackCause.FifoOrder);
  }

  /** The backoff delay for a message given back after a failed dead-letter move. */
  private retryDelay(held: HeldMessage): number {
    return settlementRetryDelay(held, this.parts.backoff);
  }

  private log(level: 'warn' | 'error', held: HeldMessage, text: string, extra: Record<string, unknown> = {}): void {
    this.parts.logger[level]({ msg: text, ...messageLogFields(held.info), ...extra });
  }
}

/** What becomes of a message once its run is over; `Settlement` carries it out. */
export type SettlementDecision = (
  | { action: 'delete' }
  /** Visible again after `delaySeconds`. */
  | { action: 'retry'; delaySeconds: number; error: Error }
  /** The last receive failed during an outage: a fresh copy, visible in `delaySeconds`, replaces it. */
  | { action: 'requeue'; delaySeconds: number; error: Error }
  | { action: 'dead-letter'; reason: DeadLetterReason; detail: string }
) & {
  /** The dependency whose outage made it fail: intake from its queue pauses while it is down. */
  pauseFor?: DownstreamGate;
};

export interface DecisionOptions {
  backoff: BackoffPolicy;
  /** Epoch ms, for the 12-hour visibility limit. Default `Date.now()`. */
  now?: number;
  /** The backoff's jitter source. Default `Math.random`. */
  random?: () => number;
}

/**
 * Decides a message's fate from how its run ended, and does nothing else: delete on success;
 * dead-letter what can never succeed (with its reason); retry with backoff; on the last receive
 * (the queue's `maxReceiveCount`), dead-letter with `max-receives`, or requeue a fresh copy when
 * only a dependency's outage made it fail (never on FIFO: a copy would break the order).
 * The transport and the test kit both settle through it.
 */
export function decideSettlement(
  held: HeldMessage,
  outcome: DispatchOutcome,
  options: DecisionOptions,
): SettlementDecision {
  if (outcome.kind === 'succeeded') return { action: 'delete' };
  if (outcome.kind === 'undeliverable')
    return { action: 'dead-letter', reason: outcome.reason, detail: outcome.detail };
  const err = outcome.error;
  const failure = classifyFailure(err);
  if (failure.action === 'dead-letter')
    return { action: 'dead-letter', reason: failure.reason, detail: failure.detail };
  const pauseFor = err instanceof DownstreamUnavailableError && err.gate.isDown ? err.gate : undefined;
  const error = describeError(err);
  const delaySeconds = settlementRetryDelay(
    held,
    options.backoff,
    failure.minDelaySeconds,
    options.now,
    options.random,
  );
  if (!isLastAttempt(held)) return { action: 'retry', delaySeconds, error, pauseFor };
  if (pauseFor && !held.queue.fifo) return { action: 'requeue', delaySeconds, error, pauseFor };
  // The redrive policy would move it on the next receive, with no reason attached and no
  // log line: move it now, so every dead-letter move carries its reason and is counted.
  const detail = `last attempt (receive ${held.info.receiveCount} of ${held.queue.maxReceiveCount}) failed: ${error.message}`;
  return { action: 'dead-letter', reason: DeadLetterReason.MaxReceives, detail, pauseFor };
}

/** The backoff delay, at least `minDelaySeconds`, never past SQS's 12-hour visibility limit. */
function settlementRetryDelay(
  held: HeldMessage,
  backoff: BackoffPolicy,
  minDelaySeconds = 0,
  now = Date.now(),
  random: () => number = Math.random,
): number {
  const delay = Math.max(retryDelaySeconds(held.info.receiveCount, backoff, random), minDelaySeconds);
  return clampRetryDelay(delay, held.receivedAt, now);
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
