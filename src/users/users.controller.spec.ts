import 'reflect-metadata';
import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import { DeadLetterReason, DownstreamGate } from '../sqs/index.js';
import { SqsTestKit } from '../sqs/testing/index.js';
import {
  KeycloakAdminClient,
  type KeycloakClientRef,
  type KeycloakRef,
  type NewKeycloakUser,
} from './keycloak-admin.client.js';
import { KeycloakBreaker } from './keycloak.breaker.js';
import { KeycloakBulkhead } from './keycloak.bulkhead.js';
import { KeycloakHttpError, KeycloakUnavailableError, type BreakerView } from './keycloak.errors.js';
import { KEYCLOAK_OPTIONS } from './keycloak.options.js';
import { RealmCheck } from './realm-check.js';
import { REGISTRATION_STAMP_ATTRIBUTE, type ExistingUser } from './registration-stamp.js';
import { RegistrationPolicyPipe } from './registration-policy.pipe.js';
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
  async findClient(clientId: string): Promise<KeycloakClientRef | undefined> {
    return clientId === 'shop' ? { id: 'c-1', clientId } : undefined;
  }
  async findClientRole(_client: string, name: string): Promise<KeycloakRef | undefined> {
    return name === 'buyer' ? { id: 'cr-1', name } : undefined;
  }
  async userClientRoleNames(userId: string): Promise<Set<string>> {
    return new Set([...this.users.get(userId)!.roles].filter((r) => r.startsWith('shop:')).map((r) => r.slice(5)));
  }
  async addClientRoles(userId: string, _client: string, roles: KeycloakRef[]): Promise<void> {
    for (const role of roles) this.users.get(userId)!.roles.add(`shop:${role.name}`);
  }
  async setUserAttribute(userId: string, name: string, values: string[]): Promise<void> {
    const user = this.users.get(userId)!;
    user.attributes = { ...user.attributes, [name]: values };
  }
  async executeActionsEmail(userId: string, actions: string[]): Promise<void> {
    this.emails.push([userId, actions]);
  }
  readonly emails: Array<[string, string[]]> = [];
}

const policy = {
  grantableRealmRoles: ['buyer'],
  grantableClientRoles: ['shop:buyer'],
  grantableGroups: ['/customers', '/nobody'],
  allowedAttributes: ['tier'],
  sendActionsEmail: false,
  stampSecret: 'unit-test-stamp-secret-of-32-characters',
};

const ada = {
  username: 'ada',
  email: 'ada@example.com',
  firstName: 'Ada',
  lastName: 'Lovelace',
  groups: ['/customers'],
  realmRoles: ['buyer'],
  clientRoles: ['shop:buyer'],
  attributes: { tier: 'gold' },
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
          RegistrationPolicyPipe,
          { provide: RealmCheck, useValue: { ensure: async () => undefined } },
          { provide: KEYCLOAK_OPTIONS, useValue: { realm: 'test', registration: policy } },
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
    assert.deepEqual([user.username, [...user.groups], [...user.roles]], ['ada', ['g-1'], ['buyer', 'shop:buyer']]);
    assert.match(user.attributes?.[REGISTRATION_STAMP_ATTRIBUTE]?.[0] ?? '', /^v2:complete:[0-9a-f]{64}$/);
    assert.deepEqual(
      [user.enabled, user.emailVerified, user.requiredActions],
      [true, false, ['VERIFY_EMAIL', 'UPDATE_PASSWORD']],
    );
    assert.equal(keycloak.emails.length, 0, 'no actions email unless KEYCLOAK_SEND_ACTIONS_EMAIL');
  });

  it('with KEYCLOAK_SEND_ACTIONS_EMAIL, asks Keycloak to email the new user once, not on a replay', async () => {
    policy.sendActionsEmail = true;
    try {
      await register(ada);
      await register(ada, 2);
      assert.deepEqual(keycloak.emails, [['u-1', ['VERIFY_EMAIL', 'UPDATE_PASSWORD']]]);
    } finally {
      policy.sendActionsEmail = false;
      keycloak.emails.length = 0;
    }
  });

  it('dead-letters a registration asking for more than the allowlists, naming fields, not values', async () => {
    for (const [asked, field] of [
      [{ realmRoles: ['admin'] }, 'realmRoles'],
      [{ clientRoles: ['shop:manager'] }, 'clientRoles'],
      [{ groups: ['/staff'] }, 'groups'],
      [{ attributes: { isAdmin: 'true' } }, 'attributes'],
    ] as const) {
      const result = await register({ ...ada, ...asked });
      assert.equal(result.outcome, 'dead-lettered');
      assert.equal(result.reason, DeadLetterReason.NonRetryable);
      assert.match(result.detail!, new RegExp(`${field} .* not (grantable|allowed) \\(KEYCLOAK_`));
      assert.doesNotMatch(result.detail!, /admin|manager|staff|isAdmin/);
    }
    assert.equal(keycloak.users.size, 0);
  });

  it('refuses what a message may no longer carry: a password, enabled, emailVerified, traversal paths', async () => {
    for (const extra of [
      { credentials: { password: 's3cret-pass' } },
      { emailVerified: true },
      { enabled: true },
      { groups: ['../roles/admin'] },
      { groups: ['/customers/'] },
      { realmRoles: ['..'] },
      { realmRoles: ['a%2Fb'] },
      { clientRoles: ['shop'] },
    ]) {
      const result = await register({ ...ada, ...extra });
      assert.equal(result.reason, DeadLetterReason.ValidationFailed, JSON.stringify(extra));
      assert.doesNotMatch(result.detail!, /s3cret|roles\/admin/);
    }
    assert.equal(keycloak.users.size, 0);
  });

  it('is idempotent: a redelivery of the same registration succeeds without a second user, granting nothing', async () => {
    await register(ada);
    const user = keycloak.users.get('u-1')!;
    user.roles.delete('buyer'); // an administrator revokes the role
    assert.equal((await register(ada, 2)).outcome, 'succeeded');
    assert.equal(keycloak.users.size, 1);
    assert.deepEqual([...user.roles], ['shop:buyer'], 'the revoked role stays revoked');
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
    const result = await register({ ...ada, groups: ['/nobody'] }); // allowlisted, but gone from the realm
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
