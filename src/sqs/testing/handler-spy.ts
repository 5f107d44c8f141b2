import type { SqsTestOutcome } from './test-outcome.js';

/** A message id, or a test over what the transport did with a message. */
export type OutcomeMatch = string | ((outcome: SqsTestOutcome) => boolean);

interface Waiter {
  matches: (outcome: SqsTestOutcome) => boolean;
  resolve: (outcome: SqsTestOutcome) => void;
}

/** Every message the kit processed, in order, and waits for the ones a test expects. */
export class HandlerSpy {
  private readonly seen: SqsTestOutcome[] = [];
  private readonly waiters = new Set<Waiter>();

  /** What was processed so far, oldest first. */
  get outcomes(): readonly SqsTestOutcome[] {
    return this.seen;
  }

  record(outcome: SqsTestOutcome): void {
    this.seen.push(outcome);
    for (const waiter of this.waiters) {
      if (!waiter.matches(outcome)) continue;
      this.waiters.delete(waiter);
      waiter.resolve(outcome);
    }
  }

  /**
   * The first processed message that matches, already processed or still to come. Rejects
   * after `timeoutMs` naming what was processed, so a test never hangs on a message that never
   * arrives.
   */
  waitFor(match: OutcomeMatch, timeoutMs = 5_000): Promise<SqsTestOutcome> {
    const matches = typeof match === 'string' ? (o: SqsTestOutcome) => o.messageId === match : match;
    const done = this.seen.find(matches);
    if (done) return Promise.resolve(done);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiters.delete(waiter);
        reject(new Error(`no processed message matched ${describe(match)} within ${timeoutMs} ms (${this.summary()})`));
      }, timeoutMs);
      const waiter: Waiter = {
        matches,
        resolve: (outcome) => {
          clearTimeout(timer);
          resolve(outcome);
        },
      };
      this.waiters.add(waiter);
    });
  }

  /** Ids, patterns and outcomes only: payloads may hold personal data. */
  private summary(): string {
    if (this.seen.length === 0) return 'none processed';
    const last = this.seen.slice(-5).map((o) => `${o.messageId} ${o.pattern ?? '(no pattern)'} ${o.outcome}`);
    return `${this.seen.length} processed, last: ${last.join('; ')}`;
  }
}

function describe(match: OutcomeMatch): string {
  return typeof match === 'string' ? `id ${match}` : 'the predicate';
}
