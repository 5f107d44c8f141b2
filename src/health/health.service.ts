import { HttpException, Injectable } from '@nestjs/common';
import {
  type HealthCheckResult,
  HealthCheckService,
  type HealthIndicatorResult,
  HealthIndicatorService,
} from '@nestjs/terminus';
import { SqsStatus } from '../sqs/index.js';
import { CredentialsHealthIndicator } from './credentials.health.js';
import { DEFAULT_CHECK_TIMEOUT_MS, errorMessage, withTimeout } from './health.options.js';
import { type ProbeLogLevel, ProbeStateLog } from './probe-state-log.js';
import { type ReadinessContributor, ReadinessRegistry } from './readiness-registry.js';
import { SqsHealthIndicator } from './sqs.health.js';

/** Composes the checks of /health/ready and /health/live, and logs when their outcome changes. */
@Injectable()
export class HealthService {
  private readonly stateLog = new ProbeStateLog();
  private drainingSince?: number;

  constructor(
    private readonly checks: HealthCheckService,
    private readonly indicators: HealthIndicatorService,
    private readonly sqs: SqsHealthIndicator,
    private readonly credentials: CredentialsHealthIndicator,
    private readonly registry: ReadinessRegistry,
  ) {}

  /**
   * From now on readiness answers 503 `draining`, so the pod leaves the Service while the
   * consumer finishes its work; liveness is not affected. Called on SIGTERM, before the drain.
   */
  beginDrain(): void {
    this.drainingSince ??= Date.now();
  }

  /**
   * The transport Connected (or its queue answering), credentials resolving, and every
   * registered contributor (which can only say `degraded`). Throws a 503 naming each
   * failing check, and while the service drains.
   */
  async ready(): Promise<HealthCheckResult> {
    const indicators: Array<() => HealthIndicatorResult | Promise<HealthIndicatorResult>> = [
      () => this.sqs.isReady(),
      () => this.credentials.isReady(),
      ...this.registry.list().map((contributor) => () => this.contribution(contributor)),
    ];
    if (this.drainingSince !== undefined) indicators.unshift(() => this.drainCheck(this.drainingSince!));
    try {
      const result = await this.checks.check(indicators);
      this.stateLog.record('readiness', result, result.status === 'ok' ? 'log' : 'warn');
      return result;
    } catch (err) {
      const result = err instanceof HttpException ? (err.getResponse() as HealthCheckResult) : undefined;
      if (result?.details) this.stateLog.record('readiness', result, this.notReadyLevel(result));
      throw err;
    }
  }

  /** Whether the process is stuck; independent of shutdown, so draining never trips it. */
  live(): { ok: boolean; result: HealthCheckResult } {
    const receiver = this.sqs.isLive();
    const ok = Object.values(receiver).every((check) => check.status !== 'down');
    const result: HealthCheckResult = ok
      ? { status: 'ok', info: receiver, error: {}, details: receiver }
      : { status: 'error', info: {}, error: receiver, details: receiver };
    this.stateLog.record('liveness', result, ok ? 'log' : 'error');
    return { ok, result };
  }

  /** Starting and draining are expected states; anything else unready is an incident. */
  private notReadyLevel(result: HealthCheckResult): ProbeLogLevel {
    const starting = result.details.sqs?.server === SqsStatus.Connecting;
    return this.drainingSince !== undefined || starting ? 'log' : 'error';
  }

  private drainCheck(since: number): HealthIndicatorResult {
    return this.indicators.check('shutdown').down({
      state: 'draining',
      reason: 'draining: shutting down, running handlers finishing',
      since: new Date(since).toISOString(),
    });
  }

  private async contribution(contributor: ReadinessContributor): Promise<HealthIndicatorResult> {
    const session = this.indicators.check(contributor.key);
    try {
      const { status, details = {} } = await withTimeout(
        Promise.resolve(contributor.check()),
        DEFAULT_CHECK_TIMEOUT_MS,
        contributor.key,
      );
      return status === 'up' ? session.up(details) : session.degraded(details);
    } catch (err) {
      // A contributor reports impairment; it never takes the pod out of the Service.
      return session.degraded({ reason: `check failed: ${errorMessage(err)}` });
    }
  }
}
