import { Injectable } from '@nestjs/common';
import { HealthIndicatorService, type HealthIndicatorResult } from '@nestjs/terminus';
import { KeycloakBreaker } from './keycloak.breaker.js';

/**
 * Readiness view of Keycloak, from the circuit breaker's state: no request to Keycloak per
 * readiness check (the breaker probes Keycloak itself while open). An open (or half-open)
 * breaker reports `degraded`, not `down`: the transport already pauses intake from the queues
 * that need Keycloak, and failing readiness would only take every pod out of the Service at once.
 */
@Injectable()
export class KeycloakHealthIndicator {
  constructor(
    private readonly health: HealthIndicatorService,
    private readonly breaker: KeycloakBreaker,
  ) {}

  isHealthy<const Key extends string = 'keycloak'>(key: Key = 'keycloak' as Key): HealthIndicatorResult<Key> {
    const session = this.health.check(key);
    const snapshot = this.breaker.snapshot();
    if (snapshot.state === 'closed') return session.up({ breaker: 'closed' });
    return session.degraded({
      breaker: snapshot.state,
      openedAt: snapshot.openedAt ? new Date(snapshot.openedAt).toISOString() : undefined,
      lastFailure: snapshot.lastFailure,
    });
  }
}
