import { Controller, Get, ServiceUnavailableException } from '@nestjs/common';
import { HealthCheck, type HealthCheckResult } from '@nestjs/terminus';
import { HealthService } from './health.service.js';
import { type IntakeSignal, SqsHealthIndicator } from './sqs.health.js';

/** Kubernetes probes: `livenessProbe` on /health/live, `readinessProbe` on /health/ready. */
@Controller('health')
export class HealthController {
  constructor(
    private readonly service: HealthService,
    private readonly sqs: SqsHealthIndicator,
  ) {}

  /** 200 unless the receiver loop is stuck; then 503, and Kubernetes restarts the container. */
  @Get('live')
  live(): HealthCheckResult {
    const { ok, result } = this.service.live();
    if (!ok) throw new ServiceUnavailableException(result);
    return result;
  }

  /** 200 when the pod should get traffic; 503 naming each failing check otherwise. */
  @Get('ready')
  @HealthCheck()
  ready(): Promise<HealthCheckResult> {
    return this.service.ready();
  }

  /**
   * Always 200: `{ paused, pausedQueues, queues }`. The chart's KEDA ScaledObject reads `paused`
   * through the Service where no Prometheus scrapes the pods, to hold the replica count while
   * a dependency is down.
   */
  @Get('intake')
  intake(): IntakeSignal {
    return this.sqs.intakeSignal();
  }

  /** Alias of /health/ready. */
  @Get()
  @HealthCheck()
  alias(): Promise<HealthCheckResult> {
    return this.service.ready();
  }
}
