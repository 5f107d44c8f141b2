import { registerAs } from '@nestjs/config';
import { type Env, parseEnv } from './env.schema.js';

/** Settings of the Keycloak Admin API client (the user registration handler). */
export interface KeycloakConfig {
  url: string;
  realm: string;
  clientId: string;
  clientSecret: string;
  timeoutMs: number;
  breaker: { failures: number; openMs: number };
  maxConcurrency: number;
}

export function toKeycloakConfig(env: Env): KeycloakConfig {
  return {
    url: env.KEYCLOAK_URL,
    realm: env.KEYCLOAK_REALM,
    clientId: env.KEYCLOAK_CLIENT_ID,
    clientSecret: env.KEYCLOAK_CLIENT_SECRET,
    timeoutMs: env.KEYCLOAK_TIMEOUT_MS,
    breaker: { failures: env.KEYCLOAK_BREAKER_FAILURES, openMs: env.KEYCLOAK_BREAKER_OPEN_MS },
    maxConcurrency: env.KEYCLOAK_MAX_CONCURRENCY,
  };
}

export const keycloakConfig = registerAs('keycloak', (): KeycloakConfig => toKeycloakConfig(parseEnv(process.env)));
