import { Inject, Injectable, Logger } from '@nestjs/common';
import { DeadLetterReason, NonRetryableError } from '../sqs/index.js';
import { KeycloakAdminClient } from './keycloak-admin.client.js';
import { KeycloakBreaker } from './keycloak.breaker.js';
import { KeycloakBulkhead } from './keycloak.bulkhead.js';
import { toHandlerError } from './keycloak.errors.js';
import { KEYCLOAK_OPTIONS, type KeycloakOptions } from './keycloak.options.js';
import { REGISTRATION_REQUIRED_ACTIONS, toKeycloakUser } from './keycloak-user.js';
import { RealmCheck } from './realm-check.js';
import { subjectRef } from './redact.js';
import { applyGrants, resolveGrants } from './registration-grants.js';
import { assertWithinPolicy } from './registration-policy.js';
import {
  judgeExisting,
  REGISTRATION_STAMP_ATTRIBUTE,
  registrationStamp,
  stampValue,
  type StampState,
} from './registration-stamp.js';
import type { UserRegisteredDto } from './user-registered.dto.js';

export interface RegistrationResult {
  userId: string;
  /** False when the user existed already (a redelivered or repeated message). */
  created: boolean;
  groupsAdded: number;
  rolesAdded: number;
}

/**
 * Registers users in Keycloak, idempotently and once: delivery is at least once, so the same
 * registration again is success, but it grants only while the registration is pending.
 *
 * A registration asks only for what the operator allows (`RegistrationPolicy`). "The same
 * registration" is decided by a keyed stamp the handler writes on the user it creates (see
 * `registrationStamp`), `pending` until every grant is applied, then `complete`. On a 409 the
 * existing user counts as this registration's only if it carries this stamp: pending, the
 * grants are completed (a create whose answer was lost); complete, nothing is granted again (a
 * replay or a redrive cannot undo an administrator's revocation). Anything else is
 * dead-lettered and granted nothing. Failures leave as `RetryableError`, the breaker's
 * `DownstreamUnavailableError` or `NonRetryableError` for the SQS transport, with no personal data.
 */
@Injectable()
export class UsersService {
  private readonly logger = new Logger(UsersService.name);

  constructor(
    private readonly keycloak: KeycloakAdminClient,
    private readonly breaker: KeycloakBreaker,
    private readonly bulkhead: KeycloakBulkhead,
    private readonly realmCheck: RealmCheck,
    @Inject(KEYCLOAK_OPTIONS) private readonly options: KeycloakOptions,
  ) {}

  /** Registers one user, within the Keycloak bulkhead (see `KeycloakBulkhead`). */
  register(dto: UserRegisteredDto): Promise<RegistrationResult> {
    return this.bulkhead.run(() => this.registerNow(dto));
  }

  private async registerNow(dto: UserRegisteredDto): Promise<RegistrationResult> {
    const policy = this.options.registration;
    const ref = subjectRef(dto.username, policy.stampSecret);
    try {
      // The pipe checked it already; the service holds the rule for callers without the pipe.
      assertWithinPolicy(dto, policy);
      await this.realmCheck.ensure();
      const grants = await resolveGrants(this.keycloak, dto);
      const stamp = registrationStamp(dto, policy.stampSecret);
      const { userId, created, state } = await this.createOrFind(dto, stamp);
      if (state === 'complete') {
        this.logger.log(`user ${userId} (subject ${ref}) was registered by this message already: nothing granted`);
        return { userId, created: false, groupsAdded: 0, rolesAdded: 0 };
      }
      const { groupsAdded, rolesAdded } = await applyGrants(this.keycloak, userId, grants);
      if (policy.sendActionsEmail) await this.keycloak.executeActionsEmail(userId, REGISTRATION_REQUIRED_ACTIONS);
      await this.keycloak.setUserAttribute(userId, REGISTRATION_STAMP_ATTRIBUTE, [stampValue(stamp, 'complete')]);
      this.logger.log(
        `${created ? 'created' : 'completed pending'} user ${userId} (subject ${ref}), ${groupsAdded} group(s) and ${rolesAdded} role(s) added`,
      );
      return { userId, created, groupsAdded, rolesAdded };
    } catch (err) {
      const error = toHandlerError(err, [dto.email, dto.username], this.breaker);
      // The transport logs the outcome (retried or dead-lettered, with this error's message) once;
      // this line only adds the subject, for whoever debugs one registration.
      this.logger.debug(`registering subject ${ref} failed: ${error.message}`);
      throw error;
    }
  }

  private async createOrFind(
    dto: UserRegisteredDto,
    stamp: string,
  ): Promise<{ userId: string; created: boolean; state: StampState }> {
    const createdId = await this.keycloak.createUser(toKeycloakUser(dto, stamp));
    if (createdId) return { userId: createdId, created: true, state: 'pending' };
    const existing = await this.keycloak.findUserByUsername(dto.username);
    const judgement = judgeExisting(existing, dto, stamp);
    if (judgement.refusal !== undefined || !existing) {
      throw new NonRetryableError(`Keycloak refused the user: ${judgement.refusal}`, {
        reason: DeadLetterReason.NonRetryable,
      });
    }
    return { userId: existing.id, created: false, state: judgement.state };
  }
}
