import { Inject, Injectable, Logger } from '@nestjs/common';
import { DeadLetterReason, NonRetryableError } from '../sqs/index.js';
import { KeycloakAdminClient, type KeycloakRef } from './keycloak-admin.client.js';
import { KeycloakBreaker } from './keycloak.breaker.js';
import { KeycloakBulkhead } from './keycloak.bulkhead.js';
import { toHandlerError } from './keycloak.errors.js';
import { KEYCLOAK_OPTIONS, type KeycloakOptions } from './keycloak.options.js';
import { toKeycloakUser } from './keycloak-user.js';
import { redact, subjectRef } from './redact.js';
import { refuseExisting, registrationStamp } from './registration-stamp.js';
import type { UserRegisteredDto } from './user-registered.dto.js';

export interface RegistrationResult {
  userId: string;
  /** False when the user existed already (a redelivered or repeated message). */
  created: boolean;
  groupsAdded: number;
  rolesAdded: number;
}

/**
 * Registers users in Keycloak, idempotently: delivery is at least once, so the same
 * registration again is success and group/role assignments only add what is missing.
 *
 * "The same registration" is decided by a stamp the handler writes on the user it creates
 * (see `registrationStamp`): a 409 is success only when the existing user carries the stamp of
 * this message. Anything else (the username or the email belongs to someone else, an account
 * this handler did not create, or a message asking for other grants) is dead-lettered, and no
 * group or role is ever added to it. Failures leave as `RetryableError`, the breaker's
 * `DownstreamUnavailableError` or `NonRetryableError` for the SQS transport, with no personal data.
 */
@Injectable()
export class UsersService {
  private readonly logger = new Logger(UsersService.name);

  constructor(
    private readonly keycloak: KeycloakAdminClient,
    private readonly breaker: KeycloakBreaker,
    private readonly bulkhead: KeycloakBulkhead,
    @Inject(KEYCLOAK_OPTIONS) private readonly options: KeycloakOptions,
  ) {}

  /** Registers one user, within the Keycloak bulkhead (see `KeycloakBulkhead`). */
  register(dto: UserRegisteredDto): Promise<RegistrationResult> {
    return this.bulkhead.run(() => this.registerNow(dto));
  }

  private async registerNow(dto: UserRegisteredDto): Promise<RegistrationResult> {
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
      const error = toHandlerError(err, [dto.email, dto.username, dto.credentials?.password], this.breaker);
      // The transport logs the outcome (retried or dead-lettered, with this error's message) once;
      // this line only adds the subject, for whoever debugs one registration.
      this.logger.debug(`registering subject ${ref} failed: ${error.message}`);
      throw error;
    }
  }

  private async createOrFind(dto: UserRegisteredDto): Promise<{ userId: string; created: boolean }> {
    const stamp = registrationStamp(dto);
    const createdId = await this.keycloak.createUser(toKeycloakUser(dto, stamp));
    if (createdId) return { userId: createdId, created: true };
    const existing = await this.keycloak.findUserByUsername(dto.username);
    const refusal = refuseExisting(existing, dto, stamp);
    if (refusal || !existing) {
      throw new NonRetryableError(`Keycloak refused the user: ${refusal}`, { reason: DeadLetterReason.NonRetryable });
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
      if (!item)
        throw new NonRetryableError(`unknown ${what} "${redact(name)}" in realm ${this.options.realm}`, {
          reason: DeadLetterReason.NonRetryable,
        });
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
