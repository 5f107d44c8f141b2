import { registerAs } from '@nestjs/config';
import { type Env, parseEnv } from './env.schema.js';

export type LogLevel = Env['LOG_LEVEL'];

/** Logging and tracing switches. */
export interface ObservabilityConfig {
  logLevel: LogLevel;
  /** Carry W3C `traceparent` through message attributes (needs `@opentelemetry/api`). */
  otelEnabled: boolean;
}

export function toObservabilityConfig(env: Env): ObservabilityConfig {
  return { logLevel: env.LOG_LEVEL, otelEnabled: env.OTEL_ENABLED };
}

export const observabilityConfig = registerAs('observability', (): ObservabilityConfig =>
  toObservabilityConfig(parseEnv(process.env)),
);
