import { Inject, Injectable, Logger } from '@nestjs/common';
import { DeadLetterReason, NonRetryableError } from '../sqs/sqs.errors.js';
import { KeycloakAdminClient, type KeycloakRef, type NewKeycloakUser } from './keycloak-admin.client.js';
import { toHandlerError } from './keycloak.errors.js';
import { KEYCLOAK_OPTIONS, type KeycloakOptions } from './keycloak.options.js';
import { redact, subjectRef } from './redact.js';
import type { UserRegisteredDto } from './user-registered.dto.js';

export interface RegistrationResult {
  userId: string;
  /** False when the user existed already (a redelivered or repeated message). */
  created: boolean;
  groupsAdded: number;
  rolesAdded: number;
}

/**
 * Registers users in Keycloak, idempotently: delivery is at least once, so an existing user
 * is success and group/role assignments only add what is missing. Failures leave as
 * `RetryableError` / `NonRetryableError` for the SQS transport, with no personal data.
 */
@Injectable()
export class UsersService {
  private readonly logger = new Logger(UsersService.name);

  constructor(
    private readonly keycloak: KeycloakAdminClient,
    @Inject(KEYCLOAK_OPTIONS) private readonly options: KeycloakOptions,
  ) {}

  async register(dto: UserRegisteredDto): Promise<RegistrationResult> {
    const ref = subjectRef(dto.username);
    try {
      // Unknown groups or roles fail the message before a half-configured user exists.
      const groups = await this.resolve(dto.groups, (name) => this.keycloak.findGroup(name), 'group');
      const roles = await this.resolve(dto.realmRoles, (name) => this.keycloak.findRealmRole(name), 'realm role');
      const { userId, created } = await this.createOrFind(dto);
      const groupsAdded = await this.assignGroups(userId, groups);
      const rolesAdded = await this.assignRoles(userId, roles);
      this.logger.log(
        `${created ? 'created' : 'found existing'} user ${userId} (subject ${ref}), ${groupsAdded} group(s) and ${rolesAdded} role(s) added`,
      );
      return { userId, created, groupsAdded, rolesAdded };
    } catch (err) {
      const error = toHandlerError(err, [dto.email, dto.username, dto.credentials?.password], this.options.breaker.openMs);
      this.logger.warn(`registering subject ${ref} failed: ${error.message}`);
      throw error;
    }
  }

  private async createOrFind(dto: UserRegisteredDto): Promise<{ userId: string; created: boolean }> {
    const createdId = await this.keycloak.createUser(toKeycloakUser(dto));
    if (createdId) return { userId: createdId, created: true };
    const existing = await this.keycloak.findUserByUsername(dto.username);
    if (!existing) {
      // 409 without a user of that name: the email belongs to someone else.
      throw new NonRetryableError('Keycloak refused the user: the email address is registered to a different user', {
        reason: DeadLetterReason.NonRetryable,
      });
    }
    return { userId: existing.id, created: false };
  }

  private async resolve(
    names: string[] | undefined,
    find: (name: string) => Promise<KeycloakRef | undefined>,
    what: string,
  ): Promise<KeycloakRef[]> {
    const found: KeycloakRef[] = [];
    for (const name of new Set(names ?? [])) {
      const item = await find(name);
      if (!item) throw new NonRetryableError(`unknown ${what} "${redact(name)}" in realm ${this.options.realm}`, { reason: DeadLetterReason.NonRetryable });
      found.push(item);
    }
    return found;
  }

  private async assignGroups(userId: string, groups: KeycloakRef[]): Promise<number> {
    if (!groups.length) return 0;
    const current = await this.keycloak.userGroupIds(userId);
    const missing = groups.filter((g) => !current.has(g.id));
    for (const group of missing) await this.keycloak.joinGroup(userId, group.id);
    return missing.length;
  }

  private async assignRoles(userId: string, roles: KeycloakRef[]): Promise<number> {
    if (!roles.length) return 0;
    const current = await this.keycloak.userRealmRoleNames(userId);
    const missing = roles.filter((r) => !current.has(r.name));
    if (missing.length) await this.keycloak.addRealmRoles(userId, missing);
    return missing.length;
  }
}

function toKeycloakUser(dto: UserRegisteredDto): NewKeycloakUser {
  const attributes = dto.attributes
    ? Object.fromEntries(Object.entries(dto.attributes).map(([k, v]) => [k, Array.isArray(v) ? v : [v]]))
    : undefined;
  return {
    username: dto.username,
    email: dto.email,
    firstName: dto.firstName,
    lastName: dto.lastName,
    enabled: dto.enabled ?? true,
    emailVerified: dto.emailVerified ?? false,
    attributes,
    credentials: dto.credentials
      ? [{ type: 'password', value: dto.credentials.password, temporary: dto.credentials.temporary ?? false }]
      : undefined,
  };
}
