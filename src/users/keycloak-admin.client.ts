import { Inject, Injectable } from '@nestjs/common';
import { isSafeName, normalizeGroupPath } from './grant-names.js';
import { KeycloakBreaker } from './keycloak.breaker.js';
import { KeycloakHttpError } from './keycloak.errors.js';
import { KeycloakHttp } from './keycloak-http.js';
import { KEYCLOAK_OPTIONS, type KeycloakOptions } from './keycloak.options.js';
import type { ExistingUser } from './registration-stamp.js';
import { KeycloakTokenProvider } from './keycloak-token.provider.js';

/** The subset of Keycloak's UserRepresentation this service writes. */
export interface NewKeycloakUser {
  username: string;
  email: string;
  firstName: string;
  lastName: string;
  enabled: boolean;
  emailVerified: boolean;
  attributes?: Record<string, string[]>;
  requiredActions?: string[];
}

export interface KeycloakRef {
  id: string;
  name: string;
}

/** A client of the realm: its internal id (for Admin API paths) and its `clientId`. */
export interface KeycloakClientRef {
  id: string;
  clientId: string;
}

/** The realm's user profile, as far as the start-up check reads it. */
export interface UserProfileConfig {
  unmanagedAttributePolicy?: string;
  attributes?: Array<{ name: string; permissions?: { view?: string[]; edit?: string[] } }>;
}

const e = encodeURIComponent;

/**
 * Thin client for the parts of Keycloak's Admin REST API the registration handler uses, on
 * plain `fetch` (see KeycloakHttp). Every name that goes into a path is checked (no `.`/`..`
 * segment, no separator) and encoded, and every lookup returns only the very role, group or
 * client that was asked for: a lookup that Keycloak answers with anything else is "not found".
 */
@Injectable()
export class KeycloakAdminClient {
  private readonly http: KeycloakHttp;

  constructor(
    @Inject(KEYCLOAK_OPTIONS) options: KeycloakOptions,
    tokens: KeycloakTokenProvider,
    breaker: KeycloakBreaker,
  ) {
    this.http = new KeycloakHttp(options, tokens, breaker);
  }

  /** Creates a user; returns its id, or `undefined` when Keycloak answers 409 (exists). */
  async createUser(user: NewKeycloakUser): Promise<string | undefined> {
    const response = await this.http.request('create user', '/users', { method: 'POST', body: user, accept: [409] });
    if (response.status === 409) return undefined;
    const id = response.headers.get('location')?.split('/').pop();
    if (!id) throw new KeycloakHttpError('create user', response.status, 'no Location header');
    return id;
  }

  /**
   * The user with exactly this username (Keycloak stores usernames in lower case), with its
   * attributes: the full representation, since the brief one leaves them out.
   */
  async findUserByUsername(username: string): Promise<ExistingUser | undefined> {
    const query = new URLSearchParams({
      username: username.toLowerCase(),
      exact: 'true',
      briefRepresentation: 'false',
    });
    const users = await this.http.json<Array<ExistingUser & { username: string }>>('find user', `/users?${query}`);
    const user = users.find((u) => u.username === username.toLowerCase());
    return user && { id: user.id, email: user.email, attributes: user.attributes };
  }

  /**
   * Replaces one attribute of the user, keeping the rest of its representation (a PUT with
   * a partial `attributes` map would drop the others).
   */
  async setUserAttribute(userId: string, name: string, values: string[]): Promise<void> {
    const user = await this.http.json<Record<string, unknown> & { attributes?: Record<string, string[]> }>(
      'read user',
      `/users/${e(userId)}`,
    );
    const body = { ...user, attributes: { ...user.attributes, [name]: values } };
    await this.http.request('update user', `/users/${e(userId)}`, { method: 'PUT', body });
  }

  /** Asks Keycloak to email the user a link that runs `actions` (needs SMTP in the realm). */
  async executeActionsEmail(userId: string, actions: string[]): Promise<void> {
    await this.http.request('send actions email', `/users/${e(userId)}/execute-actions-email`, {
      method: 'PUT',
      body: actions,
    });
  }

  /** A group by path (`/parent/child`) or top-level name; `undefined` if there is none. */
  async findGroup(pathOrName: string): Promise<KeycloakRef | undefined> {
    const path = normalizeGroupPath(pathOrName);
    if (!path) return undefined;
    const encoded = path.split('/').slice(1).map(e).join('/');
    const response = await this.http.request('find group', `/group-by-path/${encoded}`, { accept: [404] });
    if (response.status === 404) return undefined;
    const group = (await response.json()) as KeycloakRef & { path?: string };
    return group.path === path ? { id: group.id, name: group.name } : undefined;
  }

  /** Adds the user to a group; Keycloak treats an existing membership as success. */
  async joinGroup(userId: string, groupId: string): Promise<void> {
    await this.http.request('join group', `/users/${e(userId)}/groups/${e(groupId)}`, { method: 'PUT' });
  }

  /** Group ids the user belongs to. */
  async userGroupIds(userId: string): Promise<Set<string>> {
    const groups = await this.http.json<KeycloakRef[]>(
      'list user groups',
      `/users/${e(userId)}/groups?briefRepresentation=true&max=1000`,
    );
    return new Set(groups.map((g) => g.id));
  }

  /** A realm role by name; `undefined` if there is none. */
  async findRealmRole(name: string): Promise<KeycloakRef | undefined> {
    return this.findRole('find realm role', '/roles', name);
  }

  /** Names of the realm roles mapped directly to the user. */
  async userRealmRoleNames(userId: string): Promise<Set<string>> {
    return this.roleNames('list user roles', `/users/${e(userId)}/role-mappings/realm`);
  }

  async addRealmRoles(userId: string, roles: KeycloakRef[]): Promise<void> {
    await this.http.request('map realm roles', `/users/${e(userId)}/role-mappings/realm`, {
      method: 'POST',
      body: roles,
    });
  }

  /** A client by its `clientId`; `undefined` if there is none. */
  async findClient(clientId: string): Promise<KeycloakClientRef | undefined> {
    if (!isSafeName(clientId)) return undefined;
    const query = new URLSearchParams({ clientId, search: 'false' });
    const clients = await this.http.json<KeycloakClientRef[]>('find client', `/clients?${query}`);
    const client = clients.find((c) => c.clientId === clientId);
    return client && { id: client.id, clientId: client.clientId };
  }

  /** A role of the client (by its internal id); `undefined` if there is none. */
  async findClientRole(clientUuid: string, name: string): Promise<KeycloakRef | undefined> {
    return this.findRole('find client role', `/clients/${e(clientUuid)}/roles`, name);
  }

  /** Names of the client's roles mapped directly to the user. */
  async userClientRoleNames(userId: string, clientUuid: string): Promise<Set<string>> {
    return this.roleNames('list user client roles', `/users/${e(userId)}/role-mappings/clients/${e(clientUuid)}`);
  }

  async addClientRoles(userId: string, clientUuid: string, roles: KeycloakRef[]): Promise<void> {
    await this.http.request('map client roles', `/users/${e(userId)}/role-mappings/clients/${e(clientUuid)}`, {
      method: 'POST',
      body: roles,
    });
  }

  /** The realm's user profile configuration (who may view and edit which attribute). */
  async userProfile(): Promise<UserProfileConfig> {
    return this.http.json<UserProfileConfig>('read user profile', '/users/profile');
  }

  private async findRole(operation: string, base: string, name: string): Promise<KeycloakRef | undefined> {
    if (!isSafeName(name)) return undefined;
    const response = await this.http.request(operation, `${base}/${e(name)}`, { accept: [404] });
    if (response.status === 404) return undefined;
    const role = (await response.json()) as KeycloakRef;
    return role.name === name ? { id: role.id, name: role.name } : undefined;
  }

  private async roleNames(operation: string, path: string): Promise<Set<string>> {
    return new Set((await this.http.json<KeycloakRef[]>(operation, path)).map((r) => r.name));
  }
}
