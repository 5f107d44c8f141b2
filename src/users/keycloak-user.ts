import type { NewKeycloakUser } from './keycloak-admin.client.js';
import { REGISTRATION_STAMP_ATTRIBUTE } from './registration-stamp.js';
import type { UserRegisteredDto } from './user-registered.dto.js';

/**
 * The UserRepresentation a registration creates, stamped with `stamp` (see
 * `registrationStamp`) so that a redelivery can recognise the user as its own.
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
    enabled: dto.enabled ?? true,
    emailVerified: dto.emailVerified ?? false,
    attributes: { ...Object.fromEntries(custom), [REGISTRATION_STAMP_ATTRIBUTE]: [stamp] },
    credentials: dto.credentials
      ? [{ type: 'password', value: dto.credentials.password, temporary: dto.credentials.temporary ?? false }]
      : undefined,
  };
}
