import { Inject, Injectable, Logger, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import { CircuitState, ConsecutiveBreaker, circuitBreaker, handleWhen, type CircuitBreakerPolicy } from 'cockatiel';
import { DownstreamGate } from '../sqs/index.js';
import { isKeycloakOutage } from './keycloak.errors.js';
import { pingRealm } from './keycloak-ping.js';
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

/**
 * After an outage-class failure while the breaker is closed, the breaker pings Keycloak itself
 * this often until one answers or the breaker opens: see `suspect`.
 */
export function confirmIntervalMs(openMs: number): number {
  return Math.max(50, Math.min(1_000, Math.floor(openMs / 10)));
}

/** Probes wait openMs plus up to this share of it, drawn at random: see `probeDelay`. */
export const PROBE_JITTER = 0.5;

/**
 * How long an open breaker waits before its next probe: `openMs` plus a random share of up to
 * {@link PROBE_JITTER} of it. Without the jitter, every pod of a fleet that opened together
 * probes together and resumes together, and a just-recovered Keycloak gets the whole fleet's
 * traffic in the same second.
 */
export function probeDelay(openMs: number, random: () => number = Math.random): number {
  return openMs + Math.floor(random() * openMs * PROBE_JITTER);
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
 * `breaker.failures` consecutive outages it opens, and calls fail at once with
 * `BrokenCircuitError`.
 *
 * While open, the breaker does not wait for a message to find out whether Keycloak is back:
 * every `breaker.openMs` it runs its own probe (`GET /realms/{realm}`, see `pingRealm`) as the
 * half-open trial call. A probe that answers closes the breaker; one that fails keeps it open
 * for another `openMs`.
 *
 * The breaker owns the {@link gate} the SQS transport watches: down while the breaker is open
 * or half-open, so intake from the queues whose handlers hit it pauses, and up the moment it
 * closes, so intake resumes without spending a message on the check.
 *
 * At start-up (module init, before the transport's first receive) it pings Keycloak once: a pod
 * that starts during an outage starts with its gate down and probes like an open breaker, so
 * it learns of the outage without spending a message on it.
 *
 * The same holds when Keycloak drops while the breaker is closed: after the first outage-class
 * failure it pings Keycloak every `confirmIntervalMs` through the breaker, so the consecutive
 * failures that open it come from pings, not from messages. With few messages arriving, the
 * breaker otherwise waited for `breaker.failures` messages to fail, and each retry of one
 * spent a receive of its budget (the brownout fault case dead-lettered one on its fifth).
 */
@Injectable()
export class KeycloakBreaker implements OnModuleInit, OnModuleDestroy {
  /** Keycloak's availability as the transport sees it (see `DownstreamGate`). */
  readonly gate = new DownstreamGate('keycloak');
  /** How long the breaker stays open between probes, in ms. */
  readonly openMs: number;
  private readonly logger = new Logger(KeycloakBreaker.name);
  private readonly policy: CircuitBreakerPolicy;
  private readonly subscriptions: Array<{ dispose(): void }> = [];
  private openedAt?: number;
  private outageStartedAt?: number;
  private probeTimer?: NodeJS.Timeout;
  /** The next confirmation ping while an outage is suspected (breaker closed). */
  private confirmTimer?: NodeJS.Timeout;
  private destroyed = false;
  /** Why the start-up ping failed, while no probe has answered since. */
  private bootFailure?: string;

  constructor(@Inject(KEYCLOAK_OPTIONS) private readonly options: KeycloakOptions) {
    this.openMs = options.breaker.openMs;
    this.policy = circuitBreaker(handleWhen(isKeycloakOutage), {
      halfOpenAfter: options.breaker.openMs,
      breaker: new ConsecutiveBreaker(options.breaker.failures),
    });
    this.subscriptions.push(
      this.policy.onBreak(() => this.opened()),
      this.policy.onHalfOpen(() => this.logger.debug('Keycloak circuit breaker half-open: trying one call')),
      this.policy.onReset(() => this.closed()),
      this.policy.onFailure(({ handled }) => {
        if (handled) this.suspect();
      }),
    );
  }

  /** Runs `fn` through the breaker; rejects with `BrokenCircuitError` while it is open. */
  execute<T>(fn: () => Promise<T>): Promise<T> {
    return this.policy.execute(fn);
  }

  get state(): BreakerState {
    return this.bootFailure ? 'open' : STATE_NAMES[this.policy.state];
  }

  snapshot(): KeycloakBreakerSnapshot {
    const state = this.state;
    return state === 'closed' ? { state } : { state, openedAt: this.outageStartedAt, lastFailure: this.lastFailure() };
  }

  /** Subscribes to state changes (tests, metrics). Returns the unsubscribe function. */
  onStateChange(listener: (state: BreakerState) => void): () => void {
    const subscription = this.policy.onStateChange((state) => listener(STATE_NAMES[state]));
    return () => subscription.dispose();
  }

  /** The start-up check: a Keycloak that does not answer now starts the breaker down. */
  async onModuleInit(): Promise<void> {
    try {
      await pingRealm(this.options);
    } catch (err) {
      this.bootFailure = err instanceof Error ? err.message : 'no answer';
      this.outageStartedAt = this.openedAt = Date.now();
      this.logger.warn(
        `Keycloak does not answer at start-up (${this.bootFailure}): intake waits; probing every ${this.openMs} ms`,
      );
      this.gate.markDown(`Keycloak did not answer at start-up: ${this.bootFailure}`);
      this.scheduleProbe(probeDelay(this.openMs));
    }
  }

  onModuleDestroy(): void {
    this.destroyed = true;
    clearTimeout(this.probeTimer);
    clearTimeout(this.confirmTimer);
    for (const subscription of this.subscriptions) subscription.dispose();
  }

  private opened(): void {
    this.openedAt = Date.now();
    const reason = `Keycloak circuit breaker open: ${this.lastFailure() ?? 'repeated failures'}`;
    if (this.outageStartedAt === undefined) {
      this.outageStartedAt = this.openedAt;
      this.logger.warn(`${reason}; probing Keycloak every ${this.openMs} ms`);
    } else {
      // A failed trial re-opens it every openMs for as long as the outage lasts: once is enough at warn.
      this.logger.debug(`${reason} (trial failed)`);
    }
    this.gate.markDown(reason);
    this.scheduleProbe(probeDelay(this.openMs));
  }

  private closed(): void {
    this.bootFailure = undefined;
    clearTimeout(this.probeTimer);
    this.probeTimer = undefined;
    const downMs = this.outageStartedAt === undefined ? 0 : Date.now() - this.outageStartedAt;
    this.outageStartedAt = undefined;
    this.logger.log(`Keycloak circuit breaker closed: Keycloak answers again after ${Math.round(downMs / 1000)} s`);
    this.gate.markUp();
  }

  /**
   * An outage-class failure: unless the breaker is already open (its probes decide then), ping
   * Keycloak soon, through the breaker. A ping that fails counts toward opening it (and fails
   * this way again, scheduling the next); one that answers resets the count and ends it.
   */
  private suspect(): void {
    if (this.destroyed || this.confirmTimer || !this.isClosed()) return;
    this.confirmTimer = setTimeout(() => void this.confirm(), confirmIntervalMs(this.openMs));
    this.confirmTimer.unref();
  }

  private async confirm(): Promise<void> {
    this.confirmTimer = undefined;
    if (this.destroyed || !this.isClosed()) return;
    try {
      await this.policy.execute(() => pingRealm(this.options));
    } catch {
      // Counted by the breaker; its onFailure schedules the next ping while it stays closed.
    }
  }

  private scheduleProbe(delayMs: number): void {
    clearTimeout(this.probeTimer);
    if (this.destroyed) return;
    // A few ms late rather than early: before openMs has passed, cockatiel refuses the trial.
    this.probeTimer = setTimeout(() => void this.probe(), Math.max(0, delayMs) + 5);
    this.probeTimer.unref();
  }

  /** The half-open trial, run by the breaker itself: success closes it, an outage re-opens it. */
  private async probe(): Promise<void> {
    this.probeTimer = undefined;
    if (this.destroyed) return;
    if (this.isClosed()) return this.bootFailure ? this.probeAfterBoot() : undefined;
    try {
      await this.policy.execute(() => pingRealm(this.options));
    } catch {
      // The outcome is the breaker's new state; its events do the rest.
    }
    if (!this.destroyed && !this.probeTimer && !this.isClosed()) {
      // Still open without a trial of ours (refused as too early, or a handler's trial took the
      // slot): try again when the current open period ends.
      this.scheduleProbe((this.openedAt ?? Date.now()) + this.openMs - Date.now());
    }
  }

  /** Down since start-up with the policy closed (no call failed yet): a plain ping decides. */
  private async probeAfterBoot(): Promise<void> {
    try {
      await pingRealm(this.options);
      if (this.bootFailure && this.isClosed()) this.closed();
    } catch {
      if (!this.destroyed && this.bootFailure) this.scheduleProbe(probeDelay(this.openMs));
    }
  }

  /** A call, not a property read: TypeScript would keep the narrowing across the probe's await. */
  private isClosed(): boolean {
    return this.policy.state === CircuitState.Closed;
  }

  private lastFailure(): string | undefined {
    const failure = this.policy.lastFailure;
    // Our errors carry operation, status and Keycloak's error code only: safe to show.
    return failure && 'error' in failure && failure.error instanceof Error ? failure.error.message : this.bootFailure;
  }
}
