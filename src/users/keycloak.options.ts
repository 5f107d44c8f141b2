import { ConfigurableModuleBuilder } from '@nestjs/common';
import type { RegistrationPolicy } from './registration-policy.js';

/**
 * Settings of the Keycloak Admin API client. The shape matches `KeycloakConfig` from
 * `src/config` (the `keycloak` namespace), so `forRootAsync` can hand that object over as is.
 */
export interface KeycloakOptions {
  /** Base URL of Keycloak, without `/admin` or `/realms` (e.g. `https://sso.example.com`). */
  url: string;
  /** Realm the users are created in; the service-account client lives there too. */
  realm: string;
  /** Confidential client with a service account (client credentials grant). */
  clientId: string;
  clientSecret: string;
  /** Timeout of one HTTP request to Keycloak, in ms. Default 5000. */
  timeoutMs: number;
  breaker: {
    /** Consecutive failures (network, 5xx, 429, token) that open the breaker. Default 5. */
    failures: number;
    /** How long the breaker stays open before one trial call, in ms. Default 10000. */
    openMs: number;
  };
  /**
   * Registrations run against Keycloak at once at most, whatever the worker concurrency (the
   * bulkhead, see `KeycloakBulkhead`). Default 4.
   */
  maxConcurrency?: number;
  /** What a registration message may ask for, and the stamp's key. */
  registration: RegistrationPolicy;
}

export const {
  ConfigurableModuleClass: KeycloakConfigurableModule,
  MODULE_OPTIONS_TOKEN: KEYCLOAK_OPTIONS,
  OPTIONS_TYPE: KEYCLOAK_OPTIONS_TYPE,
  ASYNC_OPTIONS_TYPE: KEYCLOAK_ASYNC_OPTIONS_TYPE,
} = new ConfigurableModuleBuilder<KeycloakOptions>()
  .setClassMethodName('forRoot')
  .setExtras({ isGlobal: true }, (definition, extras) => ({ ...definition, global: extras.isGlobal }))
  .build();
