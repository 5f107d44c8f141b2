import { type DynamicModule, Module } from '@nestjs/common';
import type { ExecutionContext } from '@nestjs/common';
import { LoggerModule, type Params } from 'nestjs-pino';
import type { DestinationStream } from 'pino';
import { type ObservabilityConfig, observabilityConfig } from '../config/observability.config.js';
import { contextLogFields, isSqsContextLike } from './message-fields.js';
import { createPinoOptions, isProbeRequest } from './pino-options.js';

export interface LoggingModuleOptions {
  /** Where the JSON lines go; stdout by default. Tests pass a capturing stream. */
  destination?: DestinationStream;
}

/** messageId, pattern, queue and receiveCount on every line logged while a handler runs. */
function messageProps(context: ExecutionContext): object {
  const rpcContext = context.switchToRpc().getContext();
  return isSqsContextLike(rpcContext) ? contextLogFields(rpcContext) : {};
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
    microservice: {
      customProps: messageProps,
      quietRpcLogger: true,
      // The transport logs each outcome with the same fields; this line is for debugging.
      useLevel: 'debug',
    },
  };
}

/**
 * nestjs-pino configured from the `observability` namespace (needs the global ConfigModule).
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
      exports: [LoggerModule],
    };
  }
}
