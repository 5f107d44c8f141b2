import { Injectable } from '@nestjs/common';
import { type HealthCheckResult, HealthCheckService, type HealthIndicatorResult, HealthIndicatorService } from '@nestjs/terminus';
import { CredentialsHealthIndicator } from './credentials.health.js';
import { DEFAULT_CHECK_TIMEOUT_MS, errorMessage, withTimeout } from './health.options.js';
import { type ReadinessContributor, ReadinessRegistry } from './readiness-registry.js';
import { SqsHealthIndicator } from './sqs.health.js';

/** Composes the checks of /health/ready and /health/live. */
@Injectable()
export class HealthService {
  constructor(
    private readonly checks: HealthCheckService,
    private readonly indicators: HealthIndicatorService,
    private readonly sqs: SqsHealthIndicator,
    private readonly credentials: CredentialsHealthIndicator,
    private readonly registry: ReadinessRegistry,
  ) {}

  /**
   * The transport Connected (or its queue answering), credentials resolving, and every
   * registered contributor (which can only say `degraded`). Throws a 503 naming each
   * failing check, and while the application shuts down.
   */
  ready(): Promise<HealthCheckResult> {
    return this.checks.check([
      () => this.sqs.isReady(),
      () => this.credentials.isReady(),
      ...this.registry.list().map((contributor) => () => this.contribution(contributor)),
    ]);
  }

  /** Whether the process is stuck; independent of shutdown, so draining never trips it. */
  live(): { ok: boolean; result: HealthCheckResult } {
    const receiver = this.sqs.isLive();
    const ok = Object.values(receiver).every((check) => check.status !== 'down');
    return {
      ok,
      result: ok
        ? { status: 'ok', info: receiver, error: {}, details: receiver }
        : { status: 'error', info: {}, error: receiver, details: receiver },
    };
  }

  private async contribution(contributor: ReadinessContributor): Promise<HealthIndicatorResult> {
    const session = this.indicators.check(contributor.key);
    try {
      const { status, details = {} } = await withTimeout(Promise.resolve(contributor.check()), DEFAULT_CHECK_TIMEOUT_MS, contributor.key);
      return status === 'up' ? session.up(details) : session.degraded(details);
    } catch (err) {
      // A contributor reports impairment; it never takes the pod out of the Service.
      return session.degraded({ reason: `check failed: ${errorMessage(err)}` });
    }
  }
}
