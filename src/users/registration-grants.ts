import { DeadLetterReason, NonRetryableError } from '../sqs/index.js';
import { parseClientRole } from './grant-names.js';
import type { KeycloakAdminClient, KeycloakClientRef, KeycloakRef } from './keycloak-admin.client.js';
import { redact } from './redact.js';
import type { RegistrationRequest } from './registration-policy.js';

/** The groups and roles of a registration, found in the realm. */
export interface ResolvedGrants {
  groups: KeycloakRef[];
  realmRoles: KeycloakRef[];
  clientRoles: Array<{ client: KeycloakClientRef; roles: KeycloakRef[] }>;
}

type Lookups = Pick<KeycloakAdminClient, 'findGroup' | 'findRealmRole' | 'findClient' | 'findClientRole'> &
  Pick<
    KeycloakAdminClient,
    'joinGroup' | 'userGroupIds' | 'userRealmRoleNames' | 'addRealmRoles' | 'userClientRoleNames' | 'addClientRoles'
  >;

/**
 * Finds every group and role `request` asks for, before a user exists: an unknown one fails the
 * message (non-retryable) rather than leave a half-configured user.
 */
export async function resolveGrants(keycloak: Lookups, request: RegistrationRequest): Promise<ResolvedGrants> {
  const groups = await each(request.groups, 'group', (name) => keycloak.findGroup(name));
  const realmRoles = await each(request.realmRoles, 'realm role', (name) => keycloak.findRealmRole(name));
  const byClient = new Map<string, string[]>();
  for (const text of new Set(request.clientRoles ?? [])) {
    const { clientId, role } = parseClientRole(text) ?? unknown('client role', text);
    byClient.set(clientId, [...(byClient.get(clientId) ?? []), role]);
  }
  const clientRoles: ResolvedGrants['clientRoles'] = [];
  for (const [clientId, names] of byClient) {
    const client = (await keycloak.findClient(clientId)) ?? unknown('client', clientId);
    clientRoles.push({ client, roles: await each(names, 'client role', (n) => keycloak.findClientRole(client.id, n)) });
  }
  return { groups, realmRoles, clientRoles };
}

/** Adds what the user lacks of `grants`; returns how many groups and roles were added. */
export async function applyGrants(
  keycloak: Lookups,
  userId: string,
  grants: ResolvedGrants,
): Promise<{ groupsAdded: number; rolesAdded: number }> {
  let groupsAdded = 0;
  if (grants.groups.length) {
    const current = await keycloak.userGroupIds(userId);
    const missing = grants.groups.filter((g) => !current.has(g.id));
    for (const group of missing) await keycloak.joinGroup(userId, group.id);
    groupsAdded = missing.length;
  }
  let rolesAdded = 0;
  if (grants.realmRoles.length) {
    const current = await keycloak.userRealmRoleNames(userId);
    const missing = grants.realmRoles.filter((r) => !current.has(r.name));
    if (missing.length) await keycloak.addRealmRoles(userId, missing);
    rolesAdded += missing.length;
  }
  for (const { client, roles } of grants.clientRoles) {
    const current = await keycloak.userClientRoleNames(userId, client.id);
    const missing = roles.filter((r) => !current.has(r.name));
    if (missing.length) await keycloak.addClientRoles(userId, client.id, missing);
    rolesAdded += missing.length;
  }
  return { groupsAdded, rolesAdded };
}

async function each<T>(
  names: readonly string[] | undefined,
  what: string,
  find: (name: string) => Promise<T | undefined>,
): Promise<T[]> {
  const found: T[] = [];
  for (const name of new Set(names ?? [])) found.push((await find(name)) ?? unknown(what, name));
  return found;
}

function unknown(what: string, name: string): never {
  throw new NonRetryableError(`unknown ${what} "${redact(name)}" in the realm`, {
    reason: DeadLetterReason.NonRetryable,
  });
}
