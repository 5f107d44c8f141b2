import { Gauge, type Registry } from 'prom-client';

export const BREAKER_STATES = ['closed', 'open', 'half-open'] as const;
export type BreakerStateName = (typeof BREAKER_STATES)[number];

/** A circuit breaker as the metrics see it (a `KeycloakBreaker` fits). */
export interface BreakerLike {
  readonly state: BreakerStateName;
}

/**
 * `circuit_breaker_state{breaker, state}`: 1 for the breaker's current state, 0 for the others
 * (a state set, so an alert is `circuit_breaker_state{state="open"} == 1`). Read at scrape time.
 */
export class BreakerMetrics {
  private readonly breakers = new Map<string, BreakerLike>();
  private readonly gauge: Gauge<'breaker' | 'state'>;

  constructor(registry: Registry) {
    const breakers = this.breakers;
    this.gauge = new Gauge({
      name: 'circuit_breaker_state',
      help: 'Circuit breaker state of a dependency: 1 for the current state (closed, open, half-open)',
      labelNames: ['breaker', 'state'],
      registers: [registry],
      collect() {
        for (const [breaker, source] of breakers) {
          for (const state of BREAKER_STATES) this.set({ breaker, state }, source.state === state ? 1 : 0);
        }
      },
    });
  }

  /** Reports `breaker` under its name from now on. */
  watch(name: string, breaker: BreakerLike): void {
    this.breakers.set(name, breaker);
  }
}
