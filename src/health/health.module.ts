import {
  type DynamicModule,
  Global,
  type InjectionToken,
  Module,
  type ModuleMetadata,
  type Provider,
} from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { type SqsConfig, sqsConfig } from '../config/sqs.config.js';
import { CredentialsHealthIndicator } from './credentials.health.js';
import { HealthController } from './health.controller.js';
import { HEALTH_OPTIONS, type HealthOptions } from './health.options.js';
import { HealthService } from './health.service.js';
import { ReadinessRegistry } from './readiness-registry.js';
import { SQS_SERVER_TOKEN } from './sqs-server-like.js';
import { SqsHealthIndicator } from './sqs.health.js';

export interface HealthModuleOptions extends Pick<ModuleMetadata, 'imports'> {
  /**
   * The transport's provider (e.g. the `SqsServer` class); aliased to SQS_SERVER_TOKEN. Omit
   * it when SQS_SERVER_TOKEN is already provided by a global module.
   */
  sqsServer?: InjectionToken;
  /** Fixed options; by default the queue URL comes from the `sqs` config namespace. */
  options?: HealthOptions;
}

/**
 * /health/live, /health/ready and /health (Terminus), plus the {@link ReadinessRegistry}
 * other modules register readiness contributors with (exported globally).
 */
@Global()
@Module({})
export class HealthModule {
  static forRoot(moduleOptions: HealthModuleOptions = {}): DynamicModule {
    const providers: Provider[] = [
      SqsHealthIndicator,
      CredentialsHealthIndicator,
      HealthService,
      ReadinessRegistry,
      moduleOptions.options
        ? { provide: HEALTH_OPTIONS, useValue: moduleOptions.options }
        : {
            provide: HEALTH_OPTIONS,
            inject: [sqsConfig.KEY],
            useFactory: (sqs: SqsConfig): HealthOptions => ({ queueUrl: sqs.queueUrl }),
          },
    ];
    if (moduleOptions.sqsServer) providers.push({ provide: SQS_SERVER_TOKEN, useExisting: moduleOptions.sqsServer });
    return {
      module: HealthModule,
      // Terminus would log every failing probe; HealthService logs changes of state instead.
      imports: [TerminusModule.forRoot({ logger: false }), ...(moduleOptions.imports ?? [])],
      controllers: [HealthController],
      providers,
      exports: [ReadinessRegistry],
    };
  }
}
