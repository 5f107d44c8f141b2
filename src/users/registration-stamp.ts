import { createHash } from 'node:crypto';

/**
 * The user attribute the handler writes on creation. The realm's user profile must keep it and
 * let administrators alone edit it (see the README): a user who could write it could make a
 * message with more groups or roles look like their own registration.
 */
export const REGISTRATION_STAMP_ATTRIBUTE = 'nsw-registration';

/** What identifies one registration: who, and what it grants. Never the password. */
export interface RegistrationIdentity {
  username: string;
  email: string;
  groups?: readonly string[];
  realmRoles?: readonly string[];
}

/** A group path in one spelling (`customers`, `/customers/` and `/customers` are one group). */
export function normalizeGroupPath(pathOrName: string): string {
  return `/${pathOrName.split('/').filter(Boolean).join('/')}`;
}

/**
 * The stamp of a registration: a versioned SHA-256 of the lower-cased username and email and
 * the sorted groups and realm roles. Two messages share a stamp only if they register the same
 * person with the same grants, so "the same registration again" can be told from "another
 * registration that happens to use this username".
 */
export function registrationStamp(identity: RegistrationIdentity): string {
  const groups = [...new Set((identity.groups ?? []).map(normalizeGroupPath))].sort();
  const roles = [...new Set(identity.realmRoles ?? [])].sort();
  const canonical = JSON.stringify([identity.username.toLowerCase(), identity.email.toLowerCase(), groups, roles]);
  return `v1:${createHash('sha256').update(canonical).digest('hex')}`;
}

/** The parts of an existing Keycloak user that decide whether it is this registration's. */
export interface ExistingUser {
  id: string;
  email?: string;
  attributes?: Record<string, string[] | undefined>;
}

/**
 * Why `existing` (the user Keycloak has under the message's username, if any) is NOT the user
 * this registration created, or `undefined` when it is. The reasons name no personal data:
 * they become log lines and dead-letter reasons.
 */
export function refuseExisting(
  existing: ExistingUser | undefined,
  identity: RegistrationIdentity,
  stamp: string,
): string | undefined {
  // Keycloak answered 409 but has no user of that name: the email is someone else's.
  if (!existing) return 'the email address is registered to a different user';
  if (existing.email?.toLowerCase() !== identity.email.toLowerCase())
    return 'the username is taken by a user with another email address';
  const stamps = existing.attributes?.[REGISTRATION_STAMP_ATTRIBUTE] ?? [];
  if (stamps.length === 0)
    return 'a user with this username and email exists that this handler did not create (no registration stamp)';
  if (!stamps.includes(stamp))
    return 'a user with this username and email was created by another registration (other groups or realm roles)';
  return undefined;
}
