import { registerAs } from '@nestjs/config';
import { type Env, parseEnv } from './env.schema.js';

export type LogLevel = Env['LOG_LEVEL'];

/** Logging and tracing switches. */
export interface ObservabilityConfig {
  logLevel: LogLevel;
  /**
   * A line per successfully handled message at info (default false: traces and metrics carry
   * successes; at 1,000 msg/s those lines would be 86 million a day). Retries, releases and dead
   * letters are logged either way.
   */
  logHandledMessages: boolean;
  /**
   * The transport's OpenTelemetry spans and metrics (default true). They cost nothing while no
   * SDK is registered; main.ts registers one when `OTEL_EXPORTER_OTLP_ENDPOINT` is set.
   */
  otelEnabled: boolean;
}

export function toObservabilityConfig(env: Env): ObservabilityConfig {
  return { logLevel: env.LOG_LEVEL, logHandledMessages: env.LOG_HANDLED_MESSAGES, otelEnabled: env.OTEL_ENABLED };
}

export const observabilityConfig = registerAs('observability', (): ObservabilityConfig =>
  toObservabilityConfig(parseEnv(process.env)),
);
