import type { HeldMessage } from '../core/held-message.js';
import type { MessageBuffer } from '../buffer/message-buffer.js';

/**
 * Holds a paused queue's buffered messages instead of giving them back: they stay invisible
 * (the heartbeat keeps extending them) and run when intake resumes, so a pause spends no
 * receive. A hold is bounded: after `holdMs` the messages are handed to `onExpired` (given
 * back), so a long outage does not keep them from other consumers for hours.
 */
export class PauseHold {
  private readonly timers = new Map<string, NodeJS.Timeout>();

  constructor(
    private readonly buffer: MessageBuffer,
    private readonly holdMs: number,
    private readonly onExpired: (queueUrl: string, messages: HeldMessage[]) => void,
  ) {}

  /** The queue paused: keep what it buffered (and what a receive in flight brings). */
  hold(queueUrl: string): void {
    this.buffer.holdQueue(queueUrl);
    if (this.timers.has(queueUrl)) return;
    const timer = setTimeout(() => {
      this.timers.delete(queueUrl);
      this.onExpired(queueUrl, this.buffer.removeQueue(queueUrl));
    }, this.holdMs);
    timer.unref();
    this.timers.set(queueUrl, timer);
  }

  /** The queue resumed: its held messages run, in their order. */
  resume(queueUrl: string): void {
    clearTimeout(this.timers.get(queueUrl));
    this.timers.delete(queueUrl);
    this.buffer.unholdQueue(queueUrl);
  }

  /** Stops every timer (the server closes; the buffer hands everything back itself). */
  close(): void {
    for (const timer of this.timers.values()) clearTimeout(timer);
    this.timers.clear();
  }
}
