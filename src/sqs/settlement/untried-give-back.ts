import type { SQSClient } from '@aws-sdk/client-sqs';
import type { Acknowledger } from './acknowledger.js';
import type { DeadLetterForwarder } from './dead-letter-forwarder.js';
import { describeError } from './error-classifier.js';
import type { HeldMessage } from '../core/held-message.js';
import type { HeldRegistry } from '../pool/held-registry.js';
import { messageLogFields } from '../core/message-log-fields.js';
import { requeueCopies } from './outage-requeue.js';
import { DeadLetterReason } from '../core/sqs.errors.js';
import type { EventSink } from './settlement.js';
import type { TransportLogger } from '../core/transport-logger.js';
import type { VisibilityHeartbeat } from '../pool/visibility-heartbeat.js';

/** Why messages are given back before their handler ran (or before it finished). */
export enum GiveBackCause {
  /** Buffered when the server closed, or received while it was closing. */
  Shutdown = 'shutdown',
  /** Held while its queue was paused for longer than the hold allows. */
  PauseHoldExpired = 'pause-hold-expired',
  /** Behind a FIFO message of its group that failed: it must come back after it. */
  FifoOrder = 'fifo-order',
  /** Its handler was still running when the shutdown grace period ran out. */
  GraceExpired = 'grace-expired',
}

/** How one message is given back; see docs/delivery-guarantees.md. */
export type GiveBackMode = 'visibility-0' | 'copy' | 'dead-letter';

export interface GiveBackParts {
  client: SQSClient;
  acknowledger: Acknowledger;
  deadLetters: DeadLetterForwarder;
  heartbeat: VisibilityHeartbeat;
  registry: HeldRegistry;
  emit: EventSink;
  logger: TransportLogger;
  patternAttribute: string;
}

/**
 * Picks how a message is given back so that a receive is spent only by an attempt:
 * - no redrive policy (`maxReceiveCount` null): visibility 0, receives cost nothing;
 * - standard queue: a fresh copy (new receive count) replaces it, unless its handler ran and
 *   this is not its last receive (the attempt spent the receive, visibility 0 is honest);
 *   while `maxReceiveCount` is unknown, a copy too;
 * - FIFO queue (a copy would go behind its group): visibility 0, which costs one receive,
 *   except on its last receive, where the redrive policy would move it with no reason: the
 *   transport dead-letters it itself with `last-receive-untried`.
 */
export function giveBackMode(held: HeldMessage, attempted: boolean): GiveBackMode {
  const max = held.queue.maxReceiveCount;
  if (max === null) return 'visibility-0';
  if (held.queue.fifo) return typeof max === 'number' && held.info.receiveCount >= max ? 'dead-letter' : 'visibility-0';
  // Unknown (not read yet) may be the last: a copy is the safe side.
  const mayBeLast = max === undefined || held.info.receiveCount >= max;
  return attempted && !mayBeLast ? 'visibility-0' : 'copy';
}

/**
 * Gives messages back to their queue without a (finished) run: shutdown, a pause held too
 * long, FIFO order, the grace period over. Each message is forgotten before any call, so if it
 * comes back at once it is admitted as new work, never dropped as a duplicate; a heartbeat
 * extension still in flight is waited for, so it cannot land after the give-back and hide the
 * message for a visibility timeout.
 */
export class UntriedGiveBack {
  constructor(private readonly parts: GiveBackParts) {}

  async giveBack(messages: HeldMessage[], cause: GiveBackCause): Promise<void> {
    if (messages.length === 0) return;
    for (const m of messages) this.parts.registry.forget(m);
    await this.parts.heartbeat.untrackAll(messages);
    const attempted = cause === GiveBackCause.GraceExpired;
    const byMode = Map.groupBy(messages, (m) => giveBackMode(m, attempted));
    await Promise.all([
      this.release(byMode.get('visibility-0') ?? []),
      this.copy(byMode.get('copy') ?? [], cause),
      ...(byMode.get('dead-letter') ?? []).map((m) => this.deadLetter(m, cause)),
    ]);
  }

  private async release(messages: HeldMessage[]): Promise<void> {
    if (messages.length === 0) return;
    await this.parts.acknowledger.changeVisibility(messages, 0);
    for (const m of messages) this.parts.emit('released', m.info);
  }

  /** Copies in batches; the original is deleted once its copy is stored. */
  private async copy(messages: HeldMessage[], cause: GiveBackCause): Promise<void> {
    if (messages.length === 0) return;
    const results = await requeueCopies(this.parts.client, messages);
    const failed: HeldMessage[] = [];
    for (const [held, result] of results) {
      if ('error' in result) {
        this.log(held, `requeueing a fresh copy failed (${result.error.message})`);
        failed.push(held);
        continue;
      }
      void this.parts.acknowledger.delete(held);
      this.parts.emit('released', held.info);
      this.parts.emit('requeued', held.info, result.copyId, cause);
    }
    // The fallback: a message with receives left goes back as it is (one receive spent); on
    // its last one it is dead-lettered with a reason rather than left to a silent redrive move.
    const last = (m: HeldMessage) => m.info.receiveCount >= (m.queue.maxReceiveCount ?? Infinity);
    await Promise.all([
      this.release(failed.filter((m) => !last(m))),
      ...failed.filter(last).map((m) => this.deadLetter(m, cause)),
    ]);
  }

  private async deadLetter(held: HeldMessage, cause: GiveBackCause): Promise<void> {
    const reason = DeadLetterReason.LastReceiveUntried;
    const detail = `given back (${cause}) on its last receive (${held.info.receiveCount} of ${held.queue.maxReceiveCount}) without a finished attempt`;
    try {
      const outcome = await this.parts.deadLetters.forward(held, reason, detail, this.parts.patternAttribute);
      if (outcome !== 'left-to-redrive-policy') {
        this.parts.emit('dead_lettered', held.info, reason, detail);
        void this.parts.acknowledger.delete(held);
        return;
      }
      this.log(held, `${detail}; no dead-letter queue known, the redrive policy will move it`);
    } catch (err) {
      this.log(
        held,
        `${detail}; dead-lettering failed (${describeError(err).message}), the redrive policy will move it`,
      );
    }
    await this.release([held]);
  }

  private log(held: HeldMessage, text: string): void {
    this.parts.logger.error({ msg: text, ...messageLogFields(held.info) });
  }
}
