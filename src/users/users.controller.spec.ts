import 'reflect-metadata';
import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import { DeadLetterReason, DownstreamGate } from '../sqs/index.js';
import { SqsTestKit } from '../sqs/testing/index.js';
import { KeycloakAdminClient, type KeycloakRef, type NewKeycloakUser } from './keycloak-admin.client.js';
import { KeycloakBreaker } from './keycloak.breaker.js';
import { KeycloakBulkhead } from './keycloak.bulkhead.js';
import { KeycloakHttpError, KeycloakUnavailableError, type BreakerView } from './keycloak.errors.js';
import { KEYCLOAK_OPTIONS } from './keycloak.options.js';
import type { ExistingUser } from './registration-stamp.js';
import { USER_REGISTERED_PATTERN } from './users.constants.js';
import { UsersController } from './users.controller.js';
import { UsersService } from './users.service.js';

/** An in-memory realm behind KeycloakAdminClient's methods; `failWith` makes every call throw. */
class FakeKeycloak {
  readonly users = new Map<string, NewKeycloakUser & { id: string; groups: Set<string>; roles: Set<string> }>();
  readonly groups = new Map<string, KeycloakRef>([['/customers', { id: 'g-1', name: 'customers' }]]);
  readonly roles = new Map<string, KeycloakRef>([['buyer', { id: 'r-1', name: 'buyer' }]]);
  failWith?: Error;

  private check(): void {
    if (this.failWith) throw this.failWith;
  }
  async createUser(user: NewKeycloakUser): Promise<string | undefined> {
    this.check();
    const taken = [...this.users.values()].some((u) => u.username === user.username || u.email === user.email);
    if (taken) return undefined;
    const id = `u-${this.users.size + 1}`;
    this.users.set(id, { ...user, id, groups: new Set(), roles: new Set() });
    return id;
  }
  async findUserByUsername(username: string): Promise<ExistingUser | undefined> {
    this.check();
    return [...this.users.values()].find((u) => u.username === username);
  }
  async findGroup(path: string): Promise<KeycloakRef | undefined> {
    this.check();
    return this.groups.get(path.startsWith('/') ? path : `/${path}`);
  }
  async joinGroup(userId: string, groupId: string): Promise<void> {
    this.users.get(userId)!.groups.add(groupId);
  }
  async userGroupIds(userId: string): Promise<Set<string>> {
    return new Set(this.users.get(userId)!.groups);
  }
  async findRealmRole(name: string): Promise<KeycloakRef | undefined> {
    this.check();
    return this.roles.get(name);
  }
  async userRealmRoleNames(userId: string): Promise<Set<string>> {
    return new Set(this.users.get(userId)!.roles);
  }
  async addRealmRoles(userId: string, roles: KeycloakRef[]): Promise<void> {
    for (const role of roles) this.users.get(userId)!.roles.add(role.name);
  }
}

const ada = {
  username: 'ada',
  email: 'ada@example.com',
  firstName: 'Ada',
  lastName: 'Lovelace',
  groups: ['/customers'],
  realmRoles: ['buyer'],
  credentials: { password: 's3cret-pass' },
};

describe('user.registered, through the SQS test kit (no Keycloak, no SQS)', () => {
  let kit: SqsTestKit;
  const keycloak = new FakeKeycloak();
  const breaker: BreakerView = { gate: new DownstreamGate('keycloak'), openMs: 10_000 };

  before(async () => {
    kit = await SqsTestKit.create(
      {
        controllers: [UsersController],
        providers: [
          UsersService,
          { provide: KeycloakAdminClient, useValue: keycloak },
          { provide: KeycloakBreaker, useValue: breaker },
          KeycloakBulkhead,
          { provide: KEYCLOAK_OPTIONS, useValue: { realm: 'test' } },
        ],
      },
      { maxReceiveCount: 5 },
    );
  });
  after(() => kit.close());
  beforeEach(() => {
    keycloak.users.clear();
    keycloak.failWith = undefined;
    breaker.gate.markUp();
  });

  const register = (data: unknown, receiveCount = 1) => kit.send(USER_REGISTERED_PATTERN, data, { receiveCount });

  it('creates the user with its groups and roles, and the message is deleted', async () => {
    assert.equal((await register(ada)).outcome, 'succeeded');
    const user = keycloak.users.get('u-1')!;
    assert.deepEqual([user.username, [...user.groups], [...user.roles]], ['ada', ['g-1'], ['buyer']]);
    assert.ok(user.attributes?.['nsw-registration']?.[0]?.startsWith('v1:'), 'stamped');
  });

  it('is idempotent: a redelivery of the same registration succeeds without a second user', async () => {
    await register(ada);
    assert.equal((await register(ada, 2)).outcome, 'succeeded');
    assert.equal(keycloak.users.size, 1);
  });

  it('dead-letters a username taken by another email, naming no personal data', async () => {
    await register(ada);
    const result = await register({ ...ada, email: 'mallory@example.com' });
    assert.equal(result.outcome, 'dead-lettered');
    assert.equal(result.reason, DeadLetterReason.NonRetryable);
    assert.match(result.detail!, /username is taken by a user with another email/);
    assert.doesNotMatch(result.detail!, /mallory|ada@/);
  });

  it('dead-letters an invalid payload as validation-failed, echoing no values', async () => {
    const result = await register({ ...ada, email: 'not-an-email', isAdmin: true });
    assert.equal(result.outcome, 'dead-lettered');
    assert.equal(result.reason, DeadLetterReason.ValidationFailed);
    assert.match(result.detail!, /email must be an email address/);
    assert.match(result.detail!, /property isAdmin should not exist/);
    assert.doesNotMatch(result.detail!, /not-an-email/);
    assert.equal(keycloak.users.size, 0);
  });

  it('dead-letters an unknown group before any user exists', async () => {
    const result = await register({ ...ada, groups: ['/nobody'] });
    assert.equal(result.reason, DeadLetterReason.NonRetryable);
    assert.match(result.detail!, /unknown group/);
    assert.equal(keycloak.users.size, 0);
  });

  it("retries Keycloak's 5xx and 429 (honouring Retry-After), dead-letters its 403", async () => {
    keycloak.failWith = new KeycloakHttpError('create user', 503);
    assert.equal((await register(ada)).outcome, 'retried');
    keycloak.failWith = new KeycloakHttpError('create user', 429, undefined, 120);
    const limited = await register(ada);
    assert.equal(limited.outcome, 'retried');
    assert.ok(limited.delaySeconds! >= 120, `delay ${limited.delaySeconds}`);
    keycloak.failWith = new KeycloakHttpError('find group', 403);
    assert.equal((await register(ada)).reason, DeadLetterReason.NonRetryable);
  });

  it('while the breaker is open: pauses intake, and requeues the last receive instead of dead-lettering it', async () => {
    breaker.gate.markDown('circuit breaker open');
    keycloak.failWith = new KeycloakUnavailableError('create user', new Error('ECONNREFUSED'));
    const early = await register(ada);
    assert.deepEqual([early.outcome, early.pausesIntakeFor], ['retried', 'keycloak']);
    assert.ok(early.delaySeconds! >= 10, 'at least the breaker open time');
    const last = await register(ada, 5);
    assert.deepEqual([last.outcome, last.requeued], ['retried', true]);
  });
});
