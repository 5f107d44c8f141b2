import { Module } from '@nestjs/common';
import { HealthIndicatorService } from '@nestjs/terminus';
import { KeycloakAdminClient } from './keycloak-admin.client.js';
import { KeycloakBreaker } from './keycloak.breaker.js';
import { KeycloakBulkhead } from './keycloak.bulkhead.js';
import { KeycloakHealthIndicator } from './keycloak.health.js';
import { KEYCLOAK_OPTIONS, KeycloakConfigurableModule } from './keycloak.options.js';
import { KeycloakTokenProvider } from './keycloak-token.provider.js';

/**
 * The Keycloak Admin API client, its token cache, circuit breaker and health indicator.
 * Global by default (`isGlobal: false` to opt out), so UsersModule and the health module
 * find them:
 *
 * ```ts
 * KeycloakModule.forRootAsync({ inject: [keycloakConfig.KEY], useFactory: (c: KeycloakConfig) => c })
 * ```
 */
@Module({
  providers: [
    KeycloakTokenProvider,
    KeycloakBreaker,
    KeycloakBulkhead,
    KeycloakAdminClient,
    KeycloakHealthIndicator,
    HealthIndicatorService,
  ],
  exports: [
    KEYCLOAK_OPTIONS,
    KeycloakTokenProvider,
    KeycloakBreaker,
    KeycloakBulkhead,
    KeycloakAdminClient,
    KeycloakHealthIndicator,
  ],
})
export class KeycloakModule extends KeycloakConfigurableModule {}
