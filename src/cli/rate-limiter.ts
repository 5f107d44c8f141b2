import { setTimeout as sleep } from 'node:timers/promises';

/** Spaces calls so that at most `perSecond` pass in any second (a redrive must not flood the consumers). */
export class RateLimiter {
  private next = 0;

  constructor(
    private readonly perSecond: number,
    private readonly now: () => number = Date.now,
  ) {}

  async take(): Promise<void> {
    const at = Math.max(this.now(), this.next);
    this.next = at + 1_000 / this.perSecond;
    const wait = at - this.now();
    if (wait > 0) await sleep(wait);
  }
}
