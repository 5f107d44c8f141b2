import { ConfigModule } from '@nestjs/config';
import { appConfig } from './app.config.js';
import { awsConfig } from './aws.config.js';
import { isPodEnvironment, validateEnv } from './env.schema.js';
import { httpConfig } from './http.config.js';
import { keycloakConfig } from './keycloak.config.js';
import { observabilityConfig } from './observability.config.js';
import { sqsConfig } from './sqs.config.js';

/** Every namespaced config factory, for `ConfigModule.forRoot({ load })`. */
export const CONFIG_NAMESPACES = [appConfig, httpConfig, observabilityConfig, awsConfig, sqsConfig, keycloakConfig];

/**
 * The global `ConfigModule`: validates the environment at boot (a bad variable rejects the
 * returned promise with an {@link EnvValidationError}) and registers every namespace.
 * A `.env` file is read only when `APP_ENV` is local: pods get their environment from the
 * chart, and a stray file baked into an image must not change it.
 */
export function createConfigModule(source: NodeJS.ProcessEnv = process.env) {
  return ConfigModule.forRoot({
    isGlobal: true,
    cache: true,
    ignoreEnvFile: isPodEnvironment(source.APP_ENV ?? ''),
    validate: validateEnv,
    load: CONFIG_NAMESPACES,
  });
}
