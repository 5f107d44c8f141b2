/** Held by a message that may run; `done` frees its place and says how it went. */
export interface SlowStartTicket {
  done(succeeded: boolean): void;
}

const FREE: SlowStartTicket = { done: () => undefined };

interface Ramp {
  limit: number;
  running: number;
  succeeded: number;
  waiters: Array<(ticket: SlowStartTicket | false) => void>;
}

/**
 * A gentle return after a pause. When a queue resumes (its dependency answers again), its
 * messages run `initial` at a time; each time as many have succeeded as the current limit, the
 * limit doubles, until it reaches the worker pool's size and the ramp ends. A failure holds the
 * limit where it is. A just-recovered dependency thus sees a few calls first, not every pod's
 * full concurrency at once (the thundering herd that turns a recovery into a second outage).
 *
 * Workers ask before running a message ({@link enter}); a queue without a ramp answers at once.
 * Pausing again admits no more until the queue resumes; only closing refuses the waiting ones.
 * A waiting message holds its worker (and stays invisible under the heartbeat): with several
 * queues, a ramping one can keep workers from the others for the ramp's few seconds.
 */
export class SlowStart {
  private readonly ramps = new Map<string, Ramp>();

  /**
   * @param initial messages run at once when a queue resumes; 0 (or a pool no larger) turns
   * the slow start off.
   * @param full the worker pool's size, where the ramp ends.
   */
  constructor(
    private readonly initial: number,
    private readonly full: number,
  ) {}

  /** The queue resumed after a pause: its ramp (re)starts at `initial`. */
  begin(queueUrl: string): void {
    if (this.initial <= 0 || this.initial >= this.full) return;
    const ramp = this.ramps.get(queueUrl) ?? { limit: 0, running: 0, succeeded: 0, waiters: [] };
    ramp.limit = this.initial;
    ramp.succeeded = 0;
    this.ramps.set(queueUrl, ramp);
    this.admit(queueUrl, ramp);
  }

  /**
   * The queue paused (again): nothing more is admitted until it resumes. Waiting messages stay
   * waiting, held invisible by the heartbeat like the paused queue's buffered ones, and run
   * when the ramp starts over; giving them back would spend a receive that no attempt used.
   */
  pause(queueUrl: string): void {
    const ramp = this.ramps.get(queueUrl);
    if (ramp) ramp.limit = 0;
  }

  /** Closing: every waiting message is refused. */
  close(): void {
    for (const ramp of this.ramps.values()) this.refuse(ramp);
    this.ramps.clear();
  }

  /**
   * The ticket at once when `queueUrl` has no ramp (the usual case), with no promise to wait
   * for; undefined when the message must ask {@link enter}.
   */
  enterNow(queueUrl: string): SlowStartTicket | undefined {
    return this.ramps.size === 0 || !this.ramps.has(queueUrl) ? FREE : undefined;
  }

  /** Resolves when a message of `queueUrl` may run, or `false` when it must be given back. */
  enter(queueUrl: string): Promise<SlowStartTicket | false> {
    const ramp = this.ramps.get(queueUrl);
    if (!ramp) return Promise.resolve(FREE);
    if (ramp.running < ramp.limit) return Promise.resolve(this.ticket(queueUrl, ramp));
    return new Promise((resolve) => ramp.waiters.push(resolve));
  }

  /** Messages each ramping queue runs at once now (for logs and tests). */
  limits(): Map<string, number> {
    return new Map([...this.ramps].map(([url, ramp]) => [url, ramp.limit]));
  }

  private ticket(queueUrl: string, ramp: Ramp): SlowStartTicket {
    ramp.running++;
    let open = true;
    return {
      done: (succeeded) => {
        if (!open) return;
        open = false;
        ramp.running--;
        this.settled(queueUrl, ramp, succeeded);
      },
    };
  }

  private settled(queueUrl: string, ramp: Ramp, succeeded: boolean): void {
    if (this.ramps.get(queueUrl) !== ramp) return; // the ramp ended or the engine closed
    if (!succeeded) {
      ramp.succeeded = 0;
    } else if (++ramp.succeeded >= ramp.limit) {
      ramp.limit = Math.min(this.full, ramp.limit * 2);
      ramp.succeeded = 0;
    }
    if (ramp.limit === 0) return; // paused: the waiters wait for the resume
    if (ramp.limit >= this.full) {
      this.ramps.delete(queueUrl);
      for (const waiter of ramp.waiters.splice(0)) waiter(FREE);
      return;
    }
    this.admit(queueUrl, ramp);
  }

  private admit(queueUrl: string, ramp: Ramp): void {
    while (ramp.waiters.length && ramp.running < ramp.limit) ramp.waiters.shift()!(this.ticket(queueUrl, ramp));
  }

  private refuse(ramp: Ramp): void {
    for (const waiter of ramp.waiters.splice(0)) waiter(false);
  }
}
