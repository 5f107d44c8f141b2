import type { MessageBuffer } from '../buffer/message-buffer.js';
import type { QueueIntake } from './queue-intake.js';

export interface IntakeSizerOptions {
  batchSize: number;
  /**
   * A buffered message older than this means the intake fetches further ahead than the
   * workers need: one receive is retired. Half the heartbeat interval, so buffered messages
   * are rarely old enough to cost a visibility extension.
   */
  staleAfterMs: number;
  /** How often the buffer's oldest message is checked. */
  tickMs?: number;
}

/**
 * Sizes the intake to what the workers drain, by Little's law without estimating any rate:
 * while workers starve and a queue answers with full batches, that queue gets more receives
 * in flight (growing again once a receive it added came back full, doubling while batches stay full); while messages wait in the buffer for long,
 * one receive is retired; an empty answer retires its own receive (see QueueIntake). The
 * buffer's capacity follows: one batch for every receive in flight, within its bound.
 */
export class IntakeSizer {
  private timer?: NodeJS.Timeout;

  constructor(
    private readonly intakes: readonly QueueIntake[],
    private readonly buffer: MessageBuffer,
    private readonly options: IntakeSizerOptions,
  ) {}

  start(): void {
    this.resize();
    this.timer = setInterval(() => this.tick(), this.options.tickMs ?? 250);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  /** A worker found nothing to start: fetch further ahead on the queues that have more. */
  onStarved(): void {
    let grown = false;
    for (const intake of this.intakes) grown = intake.grow() || grown;
    if (grown) this.resize();
  }

  /** Retires a receive when the buffer holds more than the workers get through in time. */
  tick(now = Date.now()): void {
    if (this.buffer.oldestWaitMs(now) <= this.options.staleAfterMs) return;
    const widest = [...this.intakes].sort((a, b) => b.receivers - a.receivers)[0];
    if (widest?.shrink()) this.resize();
  }

  /** One batch of room for every receive in flight. */
  resize(): void {
    const receives = this.intakes.reduce((sum, intake) => sum + intake.receivers, 0);
    this.buffer.setCapacity(Math.max(this.options.batchSize, receives * this.options.batchSize));
  }
}
