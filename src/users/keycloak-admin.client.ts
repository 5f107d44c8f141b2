import { Inject, Injectable } from '@nestjs/common';
import { KeycloakBreaker } from './keycloak.breaker.js';
import { KeycloakHttpError, KeycloakUnavailableError, parseRetryAfter } from './keycloak.errors.js';
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
  credentials?: Array<{ type: 'password'; value: string; temporary: boolean }>;
}

export interface KeycloakRef {
  id: string;
  name: string;
}

interface RequestOptions {
  method?: 'GET' | 'POST' | 'PUT';
  body?: unknown;
  /** Statuses returned to the caller instead of thrown (e.g. 404 on a lookup, 409 on create). */
  accept?: number[];
}

/**
 * Thin client for the parts of Keycloak's Admin REST API the registration handler uses, on
 * plain `fetch`. Every call goes through the circuit breaker, carries a cached service-account
 * token (renewed once on a 401) and is bounded by `timeoutMs`.
 */
@Injectable()
export class KeycloakAdminClient {
  private readonly adminBase: string;

  constructor(
    @Inject(KEYCLOAK_OPTIONS) private readonly options: KeycloakOptions,
    private readonly tokens: KeycloakTokenProvider,
    private readonly breaker: KeycloakBreaker,
  ) {
    this.adminBase = `${options.url}/admin/realms/${encodeURIComponent(options.realm)}`;
  }

  /** Creates a user; returns its id, or `undefined` when Keycloak answers 409 (exists). */
  async createUser(user: NewKeycloakUser): Promise<string | undefined> {
    const response = await this.request('create user', '/users', { method: 'POST', body: user, accept: [409] });
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
    const users = await this.json<Array<ExistingUser & { username: string }>>('find user', `/users?${query}`);
    const user = users.find((u) => u.username === username.toLowerCase());
    return user && { id: user.id, email: user.email, attributes: user.attributes };
  }

  /** A group by path (`/parent/child`) or top-level name; `undefined` if there is none. */
  async findGroup(pathOrName: string): Promise<KeycloakRef | undefined> {
    const path = pathOrName.split('/').filter(Boolean).map(encodeURIComponent).join('/');
    const response = await this.request('find group', `/group-by-path/${path}`, { accept: [404] });
    return response.status === 404 ? undefined : ((await response.json()) as KeycloakRef);
  }

  /** Adds the user to a group; Keycloak treats an existing membership as success. */
  async joinGroup(userId: string, groupId: string): Promise<void> {
    await this.request('join group', `/users/${encodeURIComponent(userId)}/groups/${encodeURIComponent(groupId)}`, {
      method: 'PUT',
    });
  }

  /** Group ids the user belongs to. */
  async userGroupIds(userId: string): Promise<Set<string>> {
    const groups = await this.json<KeycloakRef[]>(
      'list user groups',
      `/users/${encodeURIComponent(userId)}/groups?briefRepresentation=true&max=1000`,
    );
    return new Set(groups.map((g) => g.id));
  }

  /** A realm role by name; `undefined` if there is none. */
  async findRealmRole(name: string): Promise<KeycloakRef | undefined> {
    const response = await this.request('find realm role', `/roles/${encodeURIComponent(name)}`, { accept: [404] });
    return response.status === 404 ? undefined : ((await response.json()) as KeycloakRef);
  }

  /** Names of the realm roles mapped directly to the user. */
  async userRealmRoleNames(userId: string): Promise<Set<string>> {
    const roles = await this.json<KeycloakRef[]>(
      'list user roles',
      `/users/${encodeURIComponent(userId)}/role-mappings/realm`,
    );
    return new Set(roles.map((r) => r.name));
  }

  async addRealmRoles(userId: string, roles: KeycloakRef[]): Promise<void> {
    await this.request('map realm roles', `/users/${encodeURIComponent(userId)}/role-mappings/realm`, {
      method: 'POST',
      body: roles,
    });
  }

  private async json<T>(operation: string, path: string): Promise<T> {
    return (await (await this.request(operation, path)).json()) as T;
  }

  private request(operation: string, path: string, options: RequestOptions = {}): Promise<Response> {
    return this.breaker.execute(async () => {
      let token = await this.tokens.getToken();
      let response = await this.send(operation, path, options, token);
      if (response.status === 401) {
        // The token may have been revoked or the realm keys rotated: one retry with a fresh one.
        await response.body?.cancel();
        this.tokens.invalidate(token);
        token = await this.tokens.getToken();
        response = await this.send(operation, path, options, token);
      }
      if (response.ok || options.accept?.includes(response.status)) return response;
      throw await this.httpError(operation, response);
    });
  }

  private async send(operation: string, path: string, options: RequestOptions, token: string): Promise<Response> {
    const headers: Record<string, string> = { authorization: `Bearer ${token}`, accept: 'application/json' };
    if (options.body !== undefined) headers['content-type'] = 'application/json';
    try {
      return await fetch(`${this.adminBase}${path}`, {
        method: options.method ?? 'GET',
        headers,
        body: options.body === undefined ? undefined : JSON.stringify(options.body),
        signal: AbortSignal.timeout(this.options.timeoutMs),
      });
    } catch (err) {
      throw new KeycloakUnavailableError(operation, err);
    }
  }

  private async httpError(operation: string, response: Response): Promise<KeycloakHttpError> {
    let code: string | undefined;
    try {
      // `errorMessage` is a message key or fixed text; `params` would echo submitted values.
      const body = (await response.json()) as { errorMessage?: unknown; error?: unknown; field?: unknown };
      const message =
        typeof body.errorMessage === 'string'
          ? body.errorMessage
          : typeof body.error === 'string'
            ? body.error
            : undefined;
      code = message && typeof body.field === 'string' ? `${body.field}: ${message}` : message;
    } catch {
      code = undefined;
    }
    return new KeycloakHttpError(
      operation,
      response.status,
      code?.slice(0, 200),
      parseRetryAfter(response.headers.get('retry-after')),
    );
  }
}
