// Public surface of the user registration handler.
export { UsersModule } from './users.module.js';
export { UsersService, type RegistrationResult } from './users.service.js';
export { UsersController } from './users.controller.js';
export { USER_REGISTERED_PATTERN } from './users.constants.js';
export { UserRegisteredDto } from './user-registered.dto.js';
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
  stampValue,
  judgeExisting,
  type RegistrationIdentity,
  type ExistingUser,
  type StampState,
} from './registration-stamp.js';
export { toKeycloakUser, REGISTRATION_REQUIRED_ACTIONS } from './keycloak-user.js';
export { type RegistrationPolicy, policyViolations } from './registration-policy.js';
export { RegistrationPolicyPipe } from './registration-policy.pipe.js';
export { RealmCheck, RealmPolicyError, REALM_CHECK_BOOT_BUDGET_MS } from './realm-check.js';
export { isSafeName, normalizeGroupPath, parseClientRole } from './grant-names.js';
export { pingRealm } from './keycloak-ping.js';
export type { BreakerView } from './keycloak.errors.js';
