import { type DynamicModule, Module } from '@nestjs/common';
import { LoggerModule, type Params } from 'nestjs-pino';
import type { DestinationStream } from 'pino';
import { type ObservabilityConfig, observabilityConfig } from '../config/observability.config.js';
import { createPinoOptions, isProbeRequest } from './pino-options.js';
import { SqsOutcomeLog } from './sqs-outcome-log.binder.js';

export interface LoggingModuleOptions {
  /** Where the JSON lines go; stdout by default. Tests pass a capturing stream. */
  destination?: DestinationStream;
}

/** The nestjs-pino parameters of the service (exported for tests and for `main.ts`). */
export function createLoggerParams(observability: ObservabilityConfig, options: LoggingModuleOptions = {}): Params {
  const pinoHttp = {
    ...createPinoOptions(observability),
    autoLogging: { ignore: isProbeRequest },
    quietReqLogger: true,
  };
  return {
    pinoHttp: options.destination ? [pinoHttp, options.destination] : pinoHttp,
    // No nestjs-pino microservice context: its `reqId` is an HTTP-looking counter, and its
    // "errored" line doubled every failed attempt at error level. The message fields come from
    // the transport's async context (`mixin`), and SqsOutcomeLog writes one line per outcome.
    microservice: false,
  };
}

/**
 * nestjs-pino configured from the `observability` namespace (needs the global ConfigModule),
 * and {@link SqsOutcomeLog} on the transport's events when an `SqsServer` is provided.
 * Use with `NestFactory.create(AppModule, { bufferLogs: true })` and
 * `app.useLogger(app.get(Logger))`; connect the microservice with `{ inheritAppConfig: true }`
 * so that handler logs carry the message fields.
 */
@Module({})
export class LoggingModule {
  static forRoot(options: LoggingModuleOptions = {}): DynamicModule {
    return {
      module: LoggingModule,
      imports: [
        LoggerModule.forRootAsync({
          inject: [observabilityConfig.KEY],
          useFactory: (observability: ObservabilityConfig) => createLoggerParams(observability, options),
        }),
      ],
      providers: [SqsOutcomeLog],
      exports: [LoggerModule],
    };
  }
}
