import { type AppConfig, toAppConfig } from './app.config.js';
import { type AwsConfig, toAwsConfig } from './aws.config.js';
import { parseEnv } from './env.schema.js';
import { type HttpConfig, toHttpConfig } from './http.config.js';
import { type KeycloakConfig, toKeycloakConfig } from './keycloak.config.js';
import { type ObservabilityConfig, toObservabilityConfig } from './observability.config.js';
import { type SqsConfig, toSqsConfig } from './sqs.config.js';

/** Every namespace, as `ConfigService` holds them under `app`, `http`, `aws`, ... */
export interface AppConfiguration {
  app: AppConfig;
  http: HttpConfig;
  observability: ObservabilityConfig;
  aws: AwsConfig;
  sqs: SqsConfig;
  keycloak: KeycloakConfig;
}

/**
 * Validates `source` and builds every namespace, for code that runs before (or without)
 * the Nest container, such as `main.ts` building the transport's options.
 * @throws {EnvValidationError} one line per bad variable.
 */
export function loadConfig(source: Record<string, unknown> = process.env): AppConfiguration {
  const env = parseEnv(source);
  return {
    app: toAppConfig(env),
    http: toHttpConfig(env),
    observability: toObservabilityConfig(env),
    aws: toAwsConfig(env),
    sqs: toSqsConfig(env),
    keycloak: toKeycloakConfig(env),
  };
}
