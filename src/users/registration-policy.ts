import { DeadLetterReason, NonRetryableError } from '../sqs/index.js';
import { normalizeGroupPath } from './grant-names.js';

/**
 * What the operator lets a registration message ask for, and the key of the registration stamp.
 * A message may ask only for what is listed here; the lists are empty by default, so a default
 * install grants nothing. Every listed role and group must exist in the realm (checked at boot).
 */
export interface RegistrationPolicy {
  /** Realm roles a message may ask for (`KEYCLOAK_GRANTABLE_REALM_ROLES`). */
  grantableRealmRoles: string[];
  /** Client roles a message may ask for, as `clientId:role` (`KEYCLOAK_GRANTABLE_CLIENT_ROLES`). */
  grantableClientRoles: string[];
  /** Group paths a message may ask to join, as `/parent/child` (`KEYCLOAK_GRANTABLE_GROUPS`). */
  grantableGroups: string[];
  /** Custom user attributes a message may set (`KEYCLOAK_ALLOWED_ATTRIBUTES`). */
  allowedAttributes: string[];
  /**
   * Ask Keycloak to email the new user a link to verify the email and set a password
   * (`KEYCLOAK_SEND_ACTIONS_EMAIL`; the realm needs SMTP). Default false.
   */
  sendActionsEmail: boolean;
  /** HMAC key of the registration stamp and the log pseudonyms (`REGISTRATION_STAMP_SECRET`). */
  stampSecret: string;
}

/** What a message asks for (the DTO's grant fields). */
export interface RegistrationRequest {
  groups?: readonly string[];
  realmRoles?: readonly string[];
  clientRoles?: readonly string[];
  attributes?: Readonly<Record<string, unknown>>;
}

/**
 * Why `request` asks for more than `policy` allows, one phrase per field, or `[]`. The phrases
 * name fields and the variable to change, never the values (they come from the message).
 */
export function policyViolations(request: RegistrationRequest, policy: RegistrationPolicy): string[] {
  const outside = (asked: readonly string[] | undefined, allowed: readonly string[]) =>
    (asked ?? []).some((name) => !allowed.includes(name));
  const groups = new Set(policy.grantableGroups.map(normalizeGroupPath).filter(Boolean));
  const violations: string[] = [];
  if (outside(request.realmRoles, policy.grantableRealmRoles))
    violations.push('realmRoles asks for a realm role that is not grantable (KEYCLOAK_GRANTABLE_REALM_ROLES)');
  if (outside(request.clientRoles, policy.grantableClientRoles))
    violations.push('clientRoles asks for a client role that is not grantable (KEYCLOAK_GRANTABLE_CLIENT_ROLES)');
  if ((request.groups ?? []).some((path) => !groups.has(normalizeGroupPath(path) ?? '')))
    violations.push('groups asks for a group that is not grantable (KEYCLOAK_GRANTABLE_GROUPS)');
  if (outside(Object.keys(request.attributes ?? {}), policy.allowedAttributes))
    violations.push('attributes sets an attribute that is not allowed (KEYCLOAK_ALLOWED_ATTRIBUTES)');
  return violations;
}

/** Throws the dead-letter error for a request outside the policy (non-retryable: it never will be). */
export function assertWithinPolicy(request: RegistrationRequest, policy: RegistrationPolicy): void {
  const violations = policyViolations(request, policy);
  if (violations.length) {
    throw new NonRetryableError(`registration refused: ${violations.join('; ')}`, {
      reason: DeadLetterReason.NonRetryable,
    });
  }
}
