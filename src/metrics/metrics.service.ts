import { Inject, Injectable, Optional } from '@nestjs/common';
import { collectDefaultMetrics, Registry } from 'prom-client';
import { SQS_SERVER_OPTIONS } from '../config/aws.module.js';
import { SQS_SERVER_TOKEN } from '../health/sqs-server-like.js';
import { type SqsServerOptions } from '../sqs/index.js';
import { BreakerMetrics } from './breaker-metrics.js';
import { registerBuildInfo } from './build-info.js';
import { bindSqsMetrics, type MetricsServer } from './sqs-metrics.binder.js';
import { SqsMetrics } from './sqs-metrics.js';

/**
 * Owns the Prometheus registry: default process metrics, build info, circuit breakers, plus the
 * SQS metrics fed by the server's events. A registry per application (not prom-client's global
 * one), so two applications in one process (the e2e tests) do not collide.
 */
@Injectable()
export class MetricsService {
  readonly registry = new Registry();
  readonly sqs = new SqsMetrics(this.registry);
  readonly breakers = new BreakerMetrics(this.registry);

  constructor(
    @Optional() @Inject(SQS_SERVER_TOKEN) server?: MetricsServer,
    @Optional() @Inject(SQS_SERVER_OPTIONS) serverOptions?: Pick<SqsServerOptions, 'queues'>,
  ) {
    collectDefaultMetrics({ register: this.registry });
    registerBuildInfo(this.registry);
    // Bound here, not in onModuleInit: a hybrid app runs its init hooks in `app.listen()`, after
    // `startAllMicroservices()` has started the server, and the first events would be lost.
    const queueUrls = serverOptions?.queues.map((q) => q.url) ?? [];
    if (server) bindSqsMetrics(server, this.sqs, { queueUrls });
  }

  contentType(): string {
    return this.registry.contentType;
  }

  scrape(): Promise<string> {
    return this.registry.metrics();
  }
}
