import { Inject, Injectable } from '@nestjs/common';
import { bulkhead, type BulkheadPolicy } from 'cockatiel';
import { KEYCLOAK_OPTIONS, type KeycloakOptions } from './keycloak.options.js';

/** Registrations per process at once when `maxConcurrency` is not set. */
export const DEFAULT_KEYCLOAK_MAX_CONCURRENCY = 4;

/**
 * The per-dependency bulkhead: at most `maxConcurrency` registrations run against Keycloak at
 * once in this process, whatever the worker pool's size. The rest wait their turn in memory
 * (never more than the workers, each waiting one holding its message invisible), so Keycloak's
 * load is bounded by pods x `maxConcurrency`, also in the first seconds after an outage when
 * every pod resumes at once.
 */
@Injectable()
export class KeycloakBulkhead {
  /** Registrations run at once at most. */
  readonly limit: number;
  private readonly policy: BulkheadPolicy;

  constructor(@Inject(KEYCLOAK_OPTIONS) options: Pick<KeycloakOptions, 'maxConcurrency'>) {
    this.limit = options.maxConcurrency ?? DEFAULT_KEYCLOAK_MAX_CONCURRENCY;
    // The queue is unbounded here because the worker pool bounds it.
    this.policy = bulkhead(this.limit, Number.POSITIVE_INFINITY);
  }

  /** Runs `fn` once one of the `limit` places is free. */
  run<T>(fn: () => Promise<T>): Promise<T> {
    return this.policy.execute(() => fn());
  }

  /** Registrations running now. */
  get active(): number {
    return this.limit - this.policy.executionSlots;
  }
}
