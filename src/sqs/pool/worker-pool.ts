import type { HeldMessage } from '../core/held-message.js';
import type { MessageBuffer } from '../buffer/message-buffer.js';

/**
 * A fixed pool of workers. Each takes one message from the buffer, runs it to the end, and
 * takes the next: at most `size` handlers run at once, and a slow message only ever occupies
 * its own worker, never a batch's worth of them.
 */
export class WorkerPool {
  private readonly running = new Set<HeldMessage>();
  private workers: Promise<void>[] = [];

  constructor(
    private readonly size: number,
    private readonly buffer: MessageBuffer,
    private readonly process: (message: HeldMessage) => Promise<void>,
  ) {}

  /** Messages whose handler is running now. */
  get inFlight(): ReadonlySet<HeldMessage> {
    return this.running;
  }

  start(): void {
    this.workers = Array.from({ length: this.size }, () => this.work());
  }

  /**
   * Waits for the workers to finish once the buffer is closed. Resolves true when all did,
   * false when `timeoutMs` passed first (their messages are still in `inFlight`).
   */
  async drain(timeoutMs: number): Promise<boolean> {
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), timeoutMs)));
    const finished = Promise.all(this.workers).then(() => true as const);
    try {
      return await Promise.race([finished, timedOut]);
    } finally {
      clearTimeout(timer);
    }
  }

  private async work(): Promise<void> {
    for (;;) {
      const message = await this.buffer.take();
      if (!message) return;
      this.running.add(message);
      try {
        await this.process(message);
      } catch {
        // `process` owns its errors; a throw here must never kill a worker and shrink the pool.
      } finally {
        this.running.delete(message);
        this.buffer.complete(message);
      }
    }
  }
}
