// The Keycloak the suite runner started (scripts/servers/keycloak.mjs), and a probe that reads
// it through the Admin API as the bootstrap admin, independently of the code under test.
import { randomUUID } from 'node:crypto';
import type { KeycloakOptions, RegistrationPolicy } from '../../../src/users/index.js';

export interface KeycloakTestEnv {
  url: string;
  realm: string;
  clientId: string;
  clientSecret: string;
  adminUser: string;
  adminPassword: string;
  tokenLifespanSeconds: number;
}

export function keycloakTestEnv(): KeycloakTestEnv {
  const env = process.env;
  const url = env.KEYCLOAK_TEST_URL;
  if (!url || !env.KEYCLOAK_TEST_CLIENT_SECRET || !env.KEYCLOAK_TEST_ADMIN_PASSWORD) {
    throw new Error(
      'KEYCLOAK_TEST_* is not set: run through `npm test -- users-keycloak` (scripts/servers/keycloak.mjs)',
    );
  }
  return {
    url,
    realm: env.KEYCLOAK_TEST_REALM ?? 'nest-sqs-worker',
    clientId: env.KEYCLOAK_TEST_CLIENT_ID ?? 'nest-sqs-worker',
    clientSecret: env.KEYCLOAK_TEST_CLIENT_SECRET,
    adminUser: env.KEYCLOAK_TEST_ADMIN_USER ?? 'admin',
    adminPassword: env.KEYCLOAK_TEST_ADMIN_PASSWORD,
    tokenLifespanSeconds: Number(env.KEYCLOAK_TEST_TOKEN_LIFESPAN ?? 300),
  };
}

/** The stamp key of the suites (fixed, so specs can compute the stamps the service writes). */
export const TEST_STAMP_SECRET = 'users-keycloak-suite-stamp-secret-0123456789';

/** What the suites let a message ask for: test/keycloak/realm-nest-sqs-worker.json has more (admin, /staff, shop:manager). */
export const TEST_POLICY: RegistrationPolicy = {
  grantableRealmRoles: ['customer', 'beta-tester'],
  grantableClientRoles: ['shop:buyer'],
  grantableGroups: ['/customers', '/newsletter', '/customers/vip'],
  allowedAttributes: ['tier'],
  sendActionsEmail: false,
  stampSecret: TEST_STAMP_SECRET,
};

export function keycloakOptions(env: KeycloakTestEnv, overrides: Partial<KeycloakOptions> = {}): KeycloakOptions {
  return {
    registration: TEST_POLICY,
    url: env.url,
    realm: env.realm,
    clientId: env.clientId,
    clientSecret: env.clientSecret,
    timeoutMs: 3_000,
    breaker: { failures: 3, openMs: 2_000 },
    ...overrides,
  };
}

/** A unique user for one test; the email and the last name are values that must never leak. */
export function newUser(tag: string) {
  const id = randomUUID().slice(0, 8);
  return {
    username: `${tag}-${id}`,
    email: `${tag}-${id}@example.test`,
    firstName: 'Test',
    lastName: `User ${id}`,
  };
}

interface UserRep {
  id: string;
  username: string;
  email?: string;
  enabled?: boolean;
  emailVerified?: boolean;
  attributes?: Record<string, string[]>;
  requiredActions?: string[];
  credentials?: unknown[];
}

export class KeycloakProbe {
  private token?: { value: string; until: number };

  constructor(private readonly env: KeycloakTestEnv) {}

  private async adminToken(): Promise<string> {
    if (this.token && Date.now() < this.token.until) return this.token.value;
    const body = new URLSearchParams({
      grant_type: 'password',
      client_id: 'admin-cli',
      username: this.env.adminUser,
      password: this.env.adminPassword,
    });
    const res = await fetch(`${this.env.url}/realms/master/protocol/openid-connect/token`, { method: 'POST', body });
    if (!res.ok) throw new Error(`admin token: ${res.status}`);
    const json = (await res.json()) as { access_token: string; expires_in: number };
    this.token = { value: json.access_token, until: Date.now() + (json.expires_in - 10) * 1000 };
    return json.access_token;
  }

  private async get<T>(path: string): Promise<T> {
    const res = await fetch(`${this.env.url}/admin/realms/${this.env.realm}${path}`, {
      headers: { authorization: `Bearer ${await this.adminToken()}` },
    });
    if (!res.ok) throw new Error(`GET ${path}: ${res.status}`);
    return (await res.json()) as T;
  }

  /** An Admin API write as the bootstrap admin; throws unless Keycloak answers 2xx. */
  async write(method: 'PUT' | 'POST' | 'DELETE', path: string, body: unknown): Promise<void> {
    const res = await fetch(`${this.env.url}/admin/realms/${this.env.realm}${path}`, {
      method,
      headers: { authorization: `Bearer ${await this.adminToken()}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${await res.text()}`);
  }

  /** As an administrator: removes a realm role from the user. */
  async revokeRealmRole(userId: string, role: string): Promise<void> {
    const rep = await this.get<{ id: string; name: string }>(`/roles/${encodeURIComponent(role)}`);
    await this.write('DELETE', `/users/${userId}/role-mappings/realm`, [rep]);
  }

  /** As an administrator: sets one attribute of the user (keeping the rest). */
  async setAttribute(userId: string, name: string, values: string[]): Promise<void> {
    const user = await this.user(userId);
    await this.write('PUT', `/users/${userId}`, { ...user, attributes: { ...user.attributes, [name]: values } });
  }

  /** As the user would after following the actions email: a password set, the actions done; returns its token. */
  async finishSetup(userId: string, username: string, password: string): Promise<string> {
    await this.write('PUT', `/users/${userId}/reset-password`, { type: 'password', value: password, temporary: false });
    const user = await this.user(userId);
    await this.write('PUT', `/users/${userId}`, { ...user, requiredActions: [], emailVerified: true });
    return this.userToken(username, password);
  }

  async clientRoleNames(userId: string, clientId: string): Promise<string[]> {
    const [client] = await this.get<Array<{ id: string }>>(`/clients?clientId=${encodeURIComponent(clientId)}`);
    return (await this.get<Array<{ name: string }>>(`/users/${userId}/role-mappings/clients/${client!.id}`))
      .map((r) => r.name)
      .sort();
  }

  async userProfile(): Promise<Record<string, unknown>> {
    return this.get<Record<string, unknown>>('/users/profile');
  }

  async setUserProfile(profile: Record<string, unknown>): Promise<void> {
    await this.write('PUT', '/users/profile', profile);
  }

  async credentialCount(userId: string): Promise<number> {
    return (await this.get<unknown[]>(`/users/${userId}/credentials`)).length;
  }

  /** Creates a user as an administrator would (no registration stamp); returns its id. */
  async createUser(user: { username: string; email: string; firstName: string; lastName: string }): Promise<string> {
    const res = await fetch(`${this.env.url}/admin/realms/${this.env.realm}/users`, {
      method: 'POST',
      headers: { authorization: `Bearer ${await this.adminToken()}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        username: user.username,
        email: user.email,
        firstName: user.firstName,
        lastName: user.lastName,
        enabled: true,
      }),
    });
    if (res.status !== 201) throw new Error(`create user: ${res.status}`);
    return res.headers.get('location')!.split('/').pop()!;
  }

  /** An access token of the user itself (resource owner grant with the realm's admin-cli). */
  async userToken(username: string, password: string): Promise<string> {
    const body = new URLSearchParams({ grant_type: 'password', client_id: 'admin-cli', username, password });
    const res = await fetch(`${this.env.url}/realms/${this.env.realm}/protocol/openid-connect/token`, {
      method: 'POST',
      body,
    });
    if (!res.ok) throw new Error(`user token: ${res.status}`);
    return ((await res.json()) as { access_token: string }).access_token;
  }

  /** Every user whose username is exactly `username`. */
  async usersNamed(username: string): Promise<UserRep[]> {
    const users = await this.get<UserRep[]>(`/users?username=${encodeURIComponent(username)}&exact=true`);
    return users.filter((u) => u.username === username.toLowerCase());
  }

  async user(id: string): Promise<UserRep> {
    return this.get<UserRep>(`/users/${id}`);
  }

  async groupNames(userId: string): Promise<string[]> {
    return (await this.get<Array<{ name: string }>>(`/users/${userId}/groups`)).map((g) => g.name).sort();
  }

  async realmRoleNames(userId: string): Promise<string[]> {
    return (await this.get<Array<{ name: string }>>(`/users/${userId}/role-mappings/realm`)).map((r) => r.name).sort();
  }

  /** True when Keycloak accepts the password (resource owner grant with the realm's admin-cli). */
  async passwordWorks(username: string, password: string): Promise<boolean> {
    const body = new URLSearchParams({ grant_type: 'password', client_id: 'admin-cli', username, password });
    const res = await fetch(`${this.env.url}/realms/${this.env.realm}/protocol/openid-connect/token`, {
      method: 'POST',
      body,
    });
    return res.ok;
  }
}
