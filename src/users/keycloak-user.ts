import type { NewKeycloakUser } from './keycloak-admin.client.js';
import { REGISTRATION_STAMP_ATTRIBUTE, stampValue } from './registration-stamp.js';
import type { UserRegisteredDto } from './user-registered.dto.js';

/**
 * What a new user must do before the account is usable: prove the email and set a password.
 * No message carries a password (see docs/user-registration.md).
 */
export const REGISTRATION_REQUIRED_ACTIONS = ['VERIFY_EMAIL', 'UPDATE_PASSWORD'];

/**
 * The UserRepresentation a registration creates: enabled, email not verified, no credential,
 * the required actions above, and the registration stamp `stamp` in state `pending` (see
 * `registrationStamp`), so that a redelivery can recognise the user as its own.
 */
export function toKeycloakUser(dto: UserRegisteredDto, stamp: string): NewKeycloakUser {
  const custom = Object.entries(dto.attributes ?? {}).map(([name, value]) => [
    name,
    Array.isArray(value) ? value : [value],
  ]);
  return {
    username: dto.username,
    email: dto.email,
    firstName: dto.firstName,
    lastName: dto.lastName,
    enabled: true,
    emailVerified: false,
    attributes: { ...Object.fromEntries(custom), [REGISTRATION_STAMP_ATTRIBUTE]: [stampValue(stamp, 'pending')] },
    requiredActions: REGISTRATION_REQUIRED_ACTIONS,
  };
}
