import { Inject, Injectable, Logger, type OnModuleDestroy } from '@nestjs/common';
import { CircuitState, ConsecutiveBreaker, circuitBreaker, handleWhen, type CircuitBreakerPolicy } from 'cockatiel';
import { isKeycloakOutage } from './keycloak.errors.js';
import { KEYCLOAK_OPTIONS, type KeycloakOptions } from './keycloak.options.js';

export type BreakerState = 'closed' | 'open' | 'half-open';

/** What the health indicator reports, read without calling Keycloak. */
export interface KeycloakBreakerSnapshot {
  state: BreakerState;
  /** Epoch ms the breaker last opened. */
  openedAt?: number;
  /** The failure that opened it, already free of personal data. */
  lastFailure?: string;
}

const STATE_NAMES: Record<CircuitState, BreakerState> = {
  [CircuitState.Closed]: 'closed',
  [CircuitState.Open]: 'open',
  [CircuitState.HalfOpen]: 'half-open',
  [CircuitState.Isolated]: 'open',
};

/**
 * Circuit breaker around every Keycloak call. Only outages count (network errors, timeouts,
 * 5xx, 429, token failures): a 400 or 409 proves Keycloak is answering. After
 * `breaker.failures` consecutive outages it opens for `breaker.openMs`, during which calls
 * fail at once with `BrokenCircuitError`; then one trial call decides whether it closes.
 */
@Injectable()
export class KeycloakBreaker implements OnModuleDestroy {
  private readonly logger = new Logger(KeycloakBreaker.name);
  private readonly policy: CircuitBreakerPolicy;
  private readonly subscriptions: Array<{ dispose(): void }> = [];
  private openedAt?: number;

  constructor(@Inject(KEYCLOAK_OPTIONS) options: KeycloakOptions) {
    this.policy = circuitBreaker(handleWhen(isKeycloakOutage), {
      halfOpenAfter: options.breaker.openMs,
      breaker: new ConsecutiveBreaker(options.breaker.failures),
    });
    this.subscriptions.push(
      this.policy.onBreak(() => {
        this.openedAt = Date.now();
        this.logger.warn(`Keycloak circuit breaker opened: ${this.lastFailure() ?? 'repeated failures'}`);
      }),
      this.policy.onHalfOpen(() => this.logger.log('Keycloak circuit breaker half-open: trying one call')),
      this.policy.onReset(() => this.logger.log('Keycloak circuit breaker closed: Keycloak answers again')),
    );
  }

  /** Runs `fn` through the breaker; rejects with `BrokenCircuitError` while it is open. */
  execute<T>(fn: () => Promise<T>): Promise<T> {
    return this.policy.execute(fn);
  }

  get state(): BreakerState {
    return STATE_NAMES[this.policy.state];
  }

  snapshot(): KeycloakBreakerSnapshot {
    const state = this.state;
    return state === 'closed' ? { state } : { state, openedAt: this.openedAt, lastFailure: this.lastFailure() };
  }

  /** Subscribes to state changes (tests, metrics). Returns the unsubscribe function. */
  onStateChange(listener: (state: BreakerState) => void): () => void {
    const subscription = this.policy.onStateChange((state) => listener(STATE_NAMES[state]));
    return () => subscription.dispose();
  }

  onModuleDestroy(): void {
    for (const subscription of this.subscriptions) subscription.dispose();
  }

  private lastFailure(): string | undefined {
    const failure = this.policy.lastFailure;
    // Our errors carry operation, status and Keycloak's error code only: safe to show.
    return failure && 'error' in failure && failure.error instanceof Error ? failure.error.message : undefined;
  }
}
