// Public surface of the user registration handler.
export { UsersModule } from './users.module.js';
export { UsersService, type RegistrationResult } from './users.service.js';
export { UsersController } from './users.controller.js';
export { USER_REGISTERED_PATTERN } from './users.constants.js';
export { UserRegisteredDto, InitialCredentialsDto } from './user-registered.dto.js';
export { userPayloadValidationPipe } from './user-payload.pipe.js';
export { KeycloakModule } from './keycloak.module.js';
export { KEYCLOAK_OPTIONS, type KeycloakOptions } from './keycloak.options.js';
export { KeycloakAdminClient } from './keycloak-admin.client.js';
export { KeycloakTokenProvider } from './keycloak-token.provider.js';
export { KeycloakBreaker, type BreakerState, type KeycloakBreakerSnapshot } from './keycloak.breaker.js';
export { KeycloakBulkhead, DEFAULT_KEYCLOAK_MAX_CONCURRENCY } from './keycloak.bulkhead.js';
export { KeycloakHealthIndicator } from './keycloak.health.js';
export {
  REGISTRATION_STAMP_ATTRIBUTE,
  registrationStamp,
  refuseExisting,
  type RegistrationIdentity,
  type ExistingUser,
} from './registration-stamp.js';
export { toKeycloakUser } from './keycloak-user.js';
export { pingRealm } from './keycloak-ping.js';
export type { BreakerView } from './keycloak.errors.js';
