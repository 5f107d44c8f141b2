/**
 * Remembers the last outcome of an async check for `ttlMs` and shares one run between
 * concurrent callers, so probes every second do not each reach AWS.
 */
export class TtlCache<T> {
  private value?: { outcome: PromiseSettledResult<T>; at: number };
  private running?: Promise<T>;

  constructor(
    private readonly ttlMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  async get(run: () => Promise<T>): Promise<T> {
    if (this.value && this.now() - this.value.at < this.ttlMs) return unwrap(this.value.outcome);
    this.running ??= run().finally(() => (this.running = undefined));
    const outcome = await this.running.then(
      (value): PromiseSettledResult<T> => ({ status: 'fulfilled', value }),
      (reason: unknown): PromiseSettledResult<T> => ({ status: 'rejected', reason }),
    );
    this.value = { outcome, at: this.now() };
    return unwrap(outcome);
  }

  clear(): void {
    this.value = undefined;
  }
}

function unwrap<T>(outcome: PromiseSettledResult<T>): T {
  if (outcome.status === 'fulfilled') return outcome.value;
  throw outcome.reason;
}
