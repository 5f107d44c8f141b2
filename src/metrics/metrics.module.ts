import { type DynamicModule, type InjectionToken, Module, type ModuleMetadata, type Provider } from '@nestjs/common';
import { SQS_SERVER_TOKEN } from '../health/sqs-server-like.js';
import { MetricsController } from './metrics.controller.js';
import { MetricsService } from './metrics.service.js';

export interface MetricsModuleOptions extends Pick<ModuleMetadata, 'imports'> {
  /** The transport's provider (the `SqsServer` class), aliased to SQS_SERVER_TOKEN. */
  sqsServer?: InjectionToken;
}

/** /metrics in Prometheus text format, and the SQS metrics bound to the server's events. */
@Module({})
export class MetricsModule {
  static forRoot(options: MetricsModuleOptions = {}): DynamicModule {
    const providers: Provider[] = [MetricsService];
    if (options.sqsServer) providers.push({ provide: SQS_SERVER_TOKEN, useExisting: options.sqsServer });
    return {
      module: MetricsModule,
      imports: options.imports ?? [],
      controllers: [MetricsController],
      providers,
      exports: [MetricsService],
    };
  }
}
