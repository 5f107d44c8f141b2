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
  registration: {
    grantableRealmRoles: string[];
    grantableClientRoles: string[];
    grantableGroups: string[];
    allowedAttributes: string[];
    sendActionsEmail: boolean;
    stampSecret: string;
  };
}

/**
 * The stamp key of local runs that set no `REGISTRATION_STAMP_SECRET` (pods must set one): fixed,
 * so that a local restart still recognises its own pending registrations. Public, so worthless
 * as a secret: never use it where a message could come from someone else.
 */
export const LOCAL_STAMP_SECRET = 'local-development-only-registration-stamp-key';

export function toKeycloakConfig(env: Env): KeycloakConfig {
  return {
    url: env.KEYCLOAK_URL,
    realm: env.KEYCLOAK_REALM,
    clientId: env.KEYCLOAK_CLIENT_ID,
    clientSecret: env.KEYCLOAK_CLIENT_SECRET,
    timeoutMs: env.KEYCLOAK_TIMEOUT_MS,
    breaker: { failures: env.KEYCLOAK_BREAKER_FAILURES, openMs: env.KEYCLOAK_BREAKER_OPEN_MS },
    maxConcurrency: env.KEYCLOAK_MAX_CONCURRENCY,
    registration: {
      grantableRealmRoles: env.KEYCLOAK_GRANTABLE_REALM_ROLES,
      grantableClientRoles: env.KEYCLOAK_GRANTABLE_CLIENT_ROLES,
      grantableGroups: env.KEYCLOAK_GRANTABLE_GROUPS,
      allowedAttributes: env.KEYCLOAK_ALLOWED_ATTRIBUTES,
      sendActionsEmail: env.KEYCLOAK_SEND_ACTIONS_EMAIL,
      // Pods cannot get here without one: the schema requires it there.
      stampSecret: env.REGISTRATION_STAMP_SECRET ?? LOCAL_STAMP_SECRET,
    },
  };
}

export const keycloakConfig = registerAs('keycloak', (): KeycloakConfig => toKeycloakConfig(parseEnv(process.env)));
