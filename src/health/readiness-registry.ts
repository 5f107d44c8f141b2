import { Injectable } from '@nestjs/common';
import type { HealthIndicatorResult } from '@nestjs/terminus';

/** What a contributor reports: it may say the service is impaired, never that it is not ready. */
export interface ReadinessContribution {
  status: 'up' | 'degraded';
  /** Shown under the contributor's key in the /health/ready response (no secrets). */
  details?: Record<string, unknown>;
}

/**
 * A check another module adds to readiness, such as the Keycloak circuit breaker: while the
 * breaker is open the pod stays in the Service (messages wait in SQS and are retried) but
 * the response says `degraded`, so it shows on dashboards.
 */
export interface ReadinessContributor {
  /** Key in the response, such as `keycloak`. */
  key: string;
  check(): ReadinessContribution | Promise<ReadinessContribution>;
}

/**
 * Where modules register readiness contributors. Inject it (HealthModule exports it globally)
 * and call `register` from a constructor or `onModuleInit`.
 */
@Injectable()
export class ReadinessRegistry {
  private readonly contributors = new Map<string, ReadinessContributor>();

  register(contributor: ReadinessContributor): void {
    if (this.contributors.has(contributor.key)) {
      throw new Error(`A readiness contributor is already registered as "${contributor.key}"`);
    }
    this.contributors.set(contributor.key, contributor);
  }

  /**
   * Registers a Terminus-style indicator (such as `KeycloakHealthIndicator.isHealthy`); a
   * `down` it reports is shown as `degraded`.
   */
  registerIndicator(key: string, indicator: () => HealthIndicatorResult | Promise<HealthIndicatorResult>): void {
    this.register({
      key,
      check: async () => {
        const { status, ...details } = (await indicator())[key] ?? {
          status: 'down',
          reason: `indicator reported no "${key}" key`,
        };
        return { status: status === 'up' ? 'up' : 'degraded', details };
      },
    });
  }

  list(): ReadinessContributor[] {
    return [...this.contributors.values()];
  }
}
