import { Inject, Injectable, type OnModuleInit, Optional } from '@nestjs/common';
import { collectDefaultMetrics, Registry } from 'prom-client';
import { SQS_SERVER_TOKEN, type SqsServerLike } from '../health/sqs-server-like.js';
import { bindSqsMetrics } from './sqs-metrics.binder.js';
import { SqsMetrics } from './sqs-metrics.js';

/**
 * Owns the Prometheus registry: default process metrics plus the SQS metrics fed by the
 * server's events. A registry per application (not prom-client's global one), so two
 * applications in one process (the e2e tests) do not collide.
 */
@Injectable()
export class MetricsService implements OnModuleInit {
  readonly registry = new Registry();
  readonly sqs = new SqsMetrics(this.registry);

  constructor(@Optional() @Inject(SQS_SERVER_TOKEN) private readonly server?: SqsServerLike) {
    collectDefaultMetrics({ register: this.registry });
  }

  onModuleInit(): void {
    if (this.server) bindSqsMetrics(this.server, this.sqs);
  }

  contentType(): string {
    return this.registry.contentType;
  }

  scrape(): Promise<string> {
    return this.registry.metrics();
  }
}
