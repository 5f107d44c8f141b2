import type { Acknowledger } from '../settlement/acknowledger.js';
import type { HeldMessage } from '../core/held-message.js';

export interface HeartbeatOptions {
  visibilityTimeout: number;
  intervalSeconds: number;
  maxVisibilitySeconds: number;
}

export interface HeartbeatHooks {
  onExtended(message: HeldMessage, seconds: number): void;
  /** The message reached `maxVisibilitySeconds`: it is no longer extended and will reappear. */
  onGivenUp(message: HeldMessage): void;
}

/**
 * Keeps every held message invisible while this process has it, buffered or running, so a
 * handler slower than the visibility timeout is not delivered a second time. One ticker for
 * all messages; the extensions due on a tick share `ChangeMessageVisibilityBatch` calls.
 * A message stops being extended the moment it is untracked (deleted, released, dead-lettered).
 */
export class VisibilityHeartbeat {
  private readonly held = new Set<HeldMessage>();
  /** Extensions sent and not yet answered, by message (only set on ticks, off the hot path). */
  private readonly extending = new Map<HeldMessage, Promise<void>>();
  private timer?: NodeJS.Timeout;

  constructor(
    private readonly acknowledger: Acknowledger,
    private readonly options: HeartbeatOptions,
    private readonly hooks: HeartbeatHooks,
    private readonly now: () => number = Date.now,
  ) {}

  start(): void {
    const tickMs = Math.min(1_000, (this.options.intervalSeconds * 1_000) / 2);
    this.timer = setInterval(() => this.tick(), tickMs);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
    this.held.clear();
    this.extending.clear();
  }

  track(message: HeldMessage): void {
    this.held.add(message);
  }

  untrack(message: HeldMessage): void {
    this.held.delete(message);
  }

  /**
   * Untracks messages and waits for any extension of theirs still in flight: a give-back sent
   * before it is answered could be overtaken by it and hide the message for a whole
   * visibility timeout instead of releasing it.
   */
  async untrackAll(messages: readonly HeldMessage[]): Promise<void> {
    for (const m of messages) this.held.delete(m);
    if (this.extending.size === 0) return;
    const pending = new Set<Promise<void>>();
    for (const m of messages) {
      const extension = this.extending.get(m);
      if (extension) pending.add(extension);
    }
    if (pending.size) await Promise.all(pending);
  }

  /** Extends the messages whose last extension is `intervalSeconds` old. */
  tick(): void {
    const now = this.now();
    const { intervalSeconds, visibilityTimeout, maxVisibilitySeconds } = this.options;
    const bySeconds = new Map<number, HeldMessage[]>();
    for (const message of this.held) {
      if (now - message.visibleFromAt < intervalSeconds * 1_000) continue;
      const heldSeconds = (now - message.receivedAt) / 1_000;
      const seconds = Math.floor(Math.min(visibilityTimeout, maxVisibilitySeconds - heldSeconds));
      if (seconds <= 0) {
        this.held.delete(message);
        this.hooks.onGivenUp(message);
        continue;
      }
      message.visibleFromAt = now;
      bySeconds.set(seconds, [...(bySeconds.get(seconds) ?? []), message]);
    }
    for (const [seconds, messages] of bySeconds) {
      const extension: Promise<void> = this.acknowledger.changeVisibility(messages, seconds).then(() => {
        for (const m of messages) {
          if (this.extending.get(m) === extension) this.extending.delete(m);
          if (this.held.has(m)) this.hooks.onExtended(m, seconds);
        }
      });
      for (const m of messages) this.extending.set(m, extension);
    }
  }
}
