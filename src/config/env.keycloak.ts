import { ATTRIBUTE_NAME, isSafeName, normalizeGroupPath, parseClientRole } from '../users/grant-names.js';
import { REGISTRATION_STAMP_ATTRIBUTE } from '../users/registration-stamp.js';
import { boolean, httpUrl, integer, list, matching, optional, required, withDefault } from './env.fields.js';

/** Shortest `REGISTRATION_STAMP_SECRET` accepted: 32 characters (an HMAC-SHA-256 key). */
export const MIN_STAMP_SECRET_LENGTH = 32;

const NON_EMPTY = matching(/^.+$/s, 'a non-empty string');

/** The KEYCLOAK_* variables of the user registration handler (see src/users). */
export const keycloakEnvShape = {
  KEYCLOAK_URL: required(...httpUrl('the base URL of Keycloak, such as https://sso.example.com')).describe(
    'Base URL of Keycloak, for the user registration handler; https in pods (or a loopback sidecar).',
  ),
  KEYCLOAK_REALM: required(...matching(/^[\w.-]{1,255}$/, 'a realm name')).describe(
    'Realm the handler creates users in.',
  ),
  KEYCLOAK_CLIENT_ID: required(...NON_EMPTY).describe(
    'Service-account client (client credentials grant) with the manage-users role.',
  ),
  KEYCLOAK_CLIENT_SECRET: required(...NON_EMPTY).describe('Secret of that client; never logged.'),
  KEYCLOAK_TIMEOUT_MS: withDefault(...integer(100, 60_000), 5_000).describe('Timeout of each Admin API call (ms).'),
  KEYCLOAK_BREAKER_FAILURES: withDefault(...integer(1, 1_000), 5).describe(
    'Consecutive failures that open the circuit breaker (and pause intake).',
  ),
  KEYCLOAK_BREAKER_OPEN_MS: withDefault(...integer(100, 600_000), 10_000).describe(
    'How long the breaker stays open before a probe (ms, plus up to half of it as jitter).',
  ),
  KEYCLOAK_MAX_CONCURRENCY: withDefault(...integer(1, 1_000), 4).describe(
    'Registrations a pod runs against Keycloak at once (the bulkhead), whatever SQS_CONCURRENCY is.',
  ),
  ...registrationEnvShape(),
};

/**
 * What a registration message may ask for, and the stamp's key (see docs/user-registration.md).
 * The allowlists are empty by default: a default install grants nothing.
 */
function registrationEnvShape() {
  const safe = (raw: string) => (isSafeName(raw) ? raw : undefined);
  const attribute = (raw: string) =>
    ATTRIBUTE_NAME.test(raw) && raw.toLowerCase() !== REGISTRATION_STAMP_ATTRIBUTE ? raw : undefined;
  return {
    KEYCLOAK_GRANTABLE_REALM_ROLES: withDefault(
      ...list('realm role names (no / \\ % ? #, not . or ..)', safe),
      [],
    ).describe('Realm roles a message may ask for; empty: none. Each must exist (checked at start-up).'),
    KEYCLOAK_GRANTABLE_CLIENT_ROLES: withDefault(
      ...list('client roles written clientId:role', (raw) => (parseClientRole(raw) ? raw : undefined)),
      [],
    ).describe('Client roles a message may ask for, written clientId:role; empty: none.'),
    KEYCLOAK_GRANTABLE_GROUPS: withDefault(
      ...list('group paths such as /customers or /customers/vip (no empty, . or .. segment)', normalizeGroupPath),
      [],
    ).describe('Group paths a message may ask to join; empty: none. Each must exist (checked at start-up).'),
    KEYCLOAK_ALLOWED_ATTRIBUTES: withDefault(
      ...list(`attribute names (letters, digits, . _ : -; not ${REGISTRATION_STAMP_ATTRIBUTE})`, attribute),
      [],
    ).describe('User attributes a message may set; empty: none.'),
    KEYCLOAK_SEND_ACTIONS_EMAIL: withDefault(...boolean(), false).describe(
      'Have Keycloak email each new user a link to verify the email and set a password (the realm needs SMTP).',
    ),
    REGISTRATION_STAMP_SECRET: optional(
      ...matching(
        new RegExp(`^.{${MIN_STAMP_SECRET_LENGTH},}$`, 's'),
        `a secret of at least ${MIN_STAMP_SECRET_LENGTH} characters`,
      ),
    ).describe(
      'HMAC key of the registration stamp and of log pseudonyms; required in pods; rotate only with the queue drained. Never logged.',
    ),
  };
}
