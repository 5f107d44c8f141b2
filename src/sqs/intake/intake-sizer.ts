import type { MessageBuffer, Sojourn } from '../buffer/message-buffer.js';
import type { QueueIntake } from './queue-intake.js';

export interface IntakeSizerOptions {
  batchSize: number;
  /**
   * A buffered message older than this means the intake fetches further ahead than the
   * workers need: one receive is retired. Half the heartbeat interval, so buffered messages
   * are rarely old enough to cost a visibility extension.
   */
  staleAfterMs: number;
  /** How often the buffer is checked (its oldest message, its standing queue). */
  tickMs?: number;
}

/**
 * A standing queue shorter than this is left alone, however fast the workers drain: a few
 * milliseconds of messages cost nothing and absorb the bunching of batch answers.
 */
const STANDING_FLOOR_MS = 5;

/**
 * Sizes the intake to what the workers drain, by Little's law without estimating any rate:
 * while workers starve and a queue answers with full batches, that queue gets more receives
 * in flight (growing again once a receive it added came back full, doubling while batches stay
 * full). The other way, like CoDel's reading of a router queue: when over a whole interval no
 * worker starved and every message taken had waited in the buffer for longer than the headroom,
 * the buffer holds a standing queue, and receives are retired for about half of it. An empty
 * answer retires its own receive (see QueueIntake), and messages waiting for long (half a
 * heartbeat interval) retire one. The buffer's capacity follows: one batch for every receive
 * in flight, within its bound.
 *
 * Why the standing queue matters: a message fetched long before a worker is free is held
 * invisible for nothing (its visibility timeout running, its memory live), and the receives
 * that fetched it were spent early. In the benchmark's W4 (C = 100, handlers of 50 ms, +20 ms
 * per call) the intake had grown to 16 receives where 9 keep every worker busy; it now settles
 * near 9 at the same throughput.
 */
export class IntakeSizer {
  private timer?: NodeJS.Timeout;
  private lastTickAt = 0;

  constructor(
    private readonly intakes: readonly QueueIntake[],
    private readonly buffer: MessageBuffer,
    private readonly options: IntakeSizerOptions,
  ) {}

  start(): void {
    this.lastTickAt = Date.now();
    this.buffer.takeSojourn();
    this.resize();
    this.timer = setInterval(() => this.tick(), this.options.tickMs ?? 100);
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

  /** Retires receives when the buffer holds more than the workers get through in time. */
  tick(now = Date.now()): void {
    const sojourn = this.buffer.takeSojourn();
    const intervalMs = now - this.lastTickAt;
    this.lastTickAt = now;
    const retire =
      this.buffer.oldestWaitMs(now) > this.options.staleAfterMs ? 1 : this.standingExcess(sojourn, intervalMs);
    let shrunk = false;
    for (let i = 0; i < retire; i++) {
      const widest = [...this.intakes].sort((a, b) => b.receivers - a.receivers)[0];
      if (!widest?.shrink()) break;
      shrunk = true;
    }
    if (shrunk) this.resize();
  }

  /**
   * Receives to retire for the standing queue of the last interval: half of the batches it
   * held beyond the headroom (halving, so that a wrong reading costs little and repeated ones
   * converge). The headroom is two batches' worth of the workers' time, the floor, or half a
   * round trip, whichever is longest: what covers a late answer.
   */
  private standingExcess(sojourn: Sojourn, intervalMs: number): number {
    if (sojourn.starved || sojourn.taken === 0 || intervalMs <= 0) return 0;
    const batchMs = (this.options.batchSize * intervalMs) / sojourn.taken;
    const roundTripMs = this.intakes.reduce((most, intake) => Math.max(most, intake.roundTripMs), 0);
    const headroomMs = Math.max(2 * batchMs, STANDING_FLOOR_MS, roundTripMs / 2);
    if (sojourn.minWaitMs <= headroomMs) return 0;
    return Math.floor((sojourn.minWaitMs - headroomMs) / batchMs / 2);
  }

  /** One batch of room for every receive in flight. */
  resize(): void {
    const receives = this.intakes.reduce((sum, intake) => sum + intake.receivers, 0);
    this.buffer.setCapacity(Math.max(this.options.batchSize, receives * this.options.batchSize));
  }
}
