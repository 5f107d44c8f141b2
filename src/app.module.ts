import { Module, type DynamicModule, type OnModuleInit } from '@nestjs/common';
import { AwsModule } from './config/aws.module.js';
import { createConfigModule } from './config/config.module.js';
import { keycloakConfig, type KeycloakConfig } from './config/keycloak.config.js';
import { HealthModule, ReadinessRegistry } from './health/index.js';
import { LoggingModule } from './logging/logging.module.js';
import { MetricsModule } from './metrics/metrics.module.js';
import { MetricsService } from './metrics/metrics.service.js';
import { SqsServer } from './sqs/index.js';
import { SqsTransportModule } from './sqs-transport.module.js';
import { KeycloakBreaker, KeycloakHealthIndicator, KeycloakModule, UsersModule } from './users/index.js';

/**
 * The service: validated configuration, JSON logs, the SQS transport as a provider, health and
 * metrics over HTTP, and the handlers (user registration in Keycloak). Add a handler module to
 * `imports` to add patterns.
 *
 * Built by `forRoot()` rather than at import time, because the configuration is validated when
 * the config module is created and the environment must be complete by then.
 */
@Module({})
export class AppModule implements OnModuleInit {
  static forRoot(): DynamicModule {
    return {
      module: AppModule,
      imports: [
        createConfigModule(),
        LoggingModule.forRoot(),
        AwsModule,
        SqsTransportModule,
        HealthModule.forRoot(),
        MetricsModule.forRoot(),
        KeycloakModule.forRootAsync({ inject: [keycloakConfig.KEY], useFactory: (config: KeycloakConfig) => config }),
        UsersModule,
      ],
    };
  }

  constructor(
    private readonly readiness: ReadinessRegistry,
    private readonly keycloakHealth: KeycloakHealthIndicator,
    private readonly metrics: MetricsService,
    private readonly keycloakBreaker: KeycloakBreaker,
    private readonly server: SqsServer,
  ) {}

  onModuleInit(): void {
    // An open Keycloak breaker shows as degraded, never as not-ready: see KeycloakHealthIndicator.
    this.readiness.registerIndicator('keycloak', () => this.keycloakHealth.isHealthy('keycloak'));
    this.metrics.breakers.watch('keycloak', this.keycloakBreaker);
    // Every handler of the queue needs Keycloak: tied before the first receive, a pod that starts
    // during an outage (the breaker's start-up ping failed) starts paused and spends no receive.
    this.server.pauseWhileDown(this.keycloakBreaker.gate);
  }
}
