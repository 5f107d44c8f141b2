import { createHmac } from 'node:crypto';
import { normalizeGroupPath } from './grant-names.js';

/**
 * The user attribute the handler writes on creation. The realm's user profile must declare it
 * and let administrators alone edit it, with unmanaged attributes off: checked at boot
 * (`RealmCheck`). Its value is `v2:<state>:<HMAC>`, see {@link stampValue}.
 */
export const REGISTRATION_STAMP_ATTRIBUTE = 'nsw-registration';

const VERSION = 'v2';

/** What identifies one registration: who, and what it grants. Never a password. */
export interface RegistrationIdentity {
  username: string;
  email: string;
  groups?: readonly string[];
  realmRoles?: readonly string[];
  clientRoles?: readonly string[];
}

/**
 * `pending` from the create until every grant is applied, then `complete`. A redelivery may
 * finish a pending registration (its create's answer was lost); a completed one grants nothing
 * again, so a role an administrator revoked since stays revoked.
 */
export type StampState = 'pending' | 'complete';

/**
 * The stamp of a registration: an HMAC-SHA-256, keyed by `REGISTRATION_STAMP_SECRET`, of the
 * lower-cased username and email and the sorted groups, realm roles and client roles. Two
 * messages share a stamp only if they register the same person with the same grants; without
 * the key nobody can compute one, so a stamp written by anyone else never matches.
 */
export function registrationStamp(identity: RegistrationIdentity, secret: string): string {
  const sorted = (values: readonly string[] | undefined) => [...new Set(values ?? [])].sort();
  const groups = sorted((identity.groups ?? []).map((g) => normalizeGroupPath(g) ?? g));
  const canonical = JSON.stringify([
    VERSION,
    identity.username.toLowerCase(),
    identity.email.toLowerCase(),
    groups,
    sorted(identity.realmRoles),
    sorted(identity.clientRoles),
  ]);
  return createHmac('sha256', secret).update(canonical).digest('hex');
}

/** The attribute value for `stamp` in `state`. */
export function stampValue(stamp: string, state: StampState): string {
  return `${VERSION}:${state}:${stamp}`;
}

/** The parts of an existing Keycloak user that decide whether it is this registration's. */
export interface ExistingUser {
  id: string;
  email?: string;
  attributes?: Record<string, string[] | undefined>;
}

/** The user is this registration's, in `state`; or it is not, and `refusal` says why. */
export type Judgement = { state: StampState; refusal?: undefined } | { refusal: string; state?: undefined };

/**
 * Whether `existing` (the user Keycloak has under the message's username, if any) is the user
 * this registration created, and in which state. The refusals name no personal data: they
 * become log lines and dead-letter reasons.
 */
export function judgeExisting(
  existing: ExistingUser | undefined,
  identity: RegistrationIdentity,
  stamp: string,
): Judgement {
  // Keycloak answered 409 but has no user of that name: the email is someone else's.
  if (!existing) return { refusal: 'the email address is registered to a different user' };
  if (existing.email?.toLowerCase() !== identity.email.toLowerCase())
    return { refusal: 'the username is taken by a user with another email address' };
  const values = existing.attributes?.[REGISTRATION_STAMP_ATTRIBUTE] ?? [];
  if (values.length === 0)
    return {
      refusal: 'a user with this username and email exists that this handler did not create (no registration stamp)',
    };
  for (const state of ['complete', 'pending'] as const) {
    if (values.includes(stampValue(stamp, state))) return { state };
  }
  return {
    refusal:
      'a user with this username and email carries another registration stamp (other grants, or a stamp not made with this REGISTRATION_STAMP_SECRET)',
  };
}
