// UsersService and the Keycloak client against the real Keycloak the suite runner started:
// creation, idempotency, group/role assignment, error classes, the token cache, the breaker.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { tmpdir } from 'node:os';
import { fileURLToPath } from 'node:url';
import { BadRequestException } from '@nestjs/common';
import { DeadLetterReason, NonRetryableError, RetryableError } from '../../src/sqs/core/sqs.errors.js';
import { DownstreamUnavailableError } from '../../src/sqs/index.js';
import {
  REGISTRATION_STAMP_ATTRIBUTE,
  RealmPolicyError,
  UserRegisteredDto,
  registrationStamp,
  stampValue,
  toKeycloakUser,
  userPayloadValidationPipe,
} from '../../src/users/index.js';
import { eventually } from '../support/eventually.js';
import { CaptureLogger } from './support/capture-logger.js';
import {
  KeycloakProbe,
  TEST_POLICY,
  TEST_STAMP_SECRET,
  keycloakOptions,
  keycloakTestEnv,
  newUser,
} from './support/keycloak-env.js';
import { TcpProxy } from './support/tcp-proxy.js';
import { startUsersApp, type UsersApp } from './support/users-app.js';

const env = keycloakTestEnv();
const probe = new KeycloakProbe(env);
const logger = new CaptureLogger();
const secrets: Array<string | undefined> = [env.clientSecret, env.adminPassword];
let app: UsersApp;

function track<T extends { email: string; lastName: string }>(user: T): T {
  secrets.push(user.email, user.lastName);
  return user;
}

const stampOf = (dto: Parameters<typeof registrationStamp>[0]) => registrationStamp(dto, TEST_STAMP_SECRET);

async function rejection(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (err) {
    assert.ok(err instanceof Error);
    return err;
  }
  assert.fail('expected a rejection');
}

describe('UsersService against a real Keycloak', () => {
  before(async () => {
    app = await startUsersApp(keycloakOptions(env), logger);
  });
  after(async () => {
    await app?.close();
  });

  it('creates the user with its allowed attributes, groups, realm and client roles; no password, email unverified', async () => {
    const user = track(newUser('create'));
    const dto = {
      ...user,
      attributes: { tier: ['gold'] },
      groups: ['customers', '/newsletter', '/customers/vip'],
      realmRoles: ['customer'],
      clientRoles: ['shop:buyer'],
    } as UserRegisteredDto;
    const result = await app.service.register(dto);
    assert.equal(result.created, true);
    assert.deepEqual([result.groupsAdded, result.rolesAdded], [3, 2]);
    const [stored] = await probe.usersNamed(user.username);
    assert.equal(stored?.id, result.userId);
    assert.equal(stored.email, user.email);
    const full = await probe.user(result.userId);
    assert.deepEqual([full.enabled, full.emailVerified], [true, false]);
    assert.deepEqual([...(full.requiredActions ?? [])].sort(), ['UPDATE_PASSWORD', 'VERIFY_EMAIL']);
    assert.equal(await probe.credentialCount(result.userId), 0, 'no password: the user sets one');
    assert.deepEqual(await probe.groupNames(result.userId), ['customers', 'newsletter', 'vip']);
    assert.ok((await probe.realmRoleNames(result.userId)).includes('customer'));
    assert.deepEqual(await probe.clientRoleNames(result.userId, 'shop'), ['buyer']);
    assert.deepEqual(full.attributes?.tier, ['gold']);
    assert.deepEqual(full.attributes?.[REGISTRATION_STAMP_ATTRIBUTE], [stampValue(stampOf(dto), 'complete')]);
  });

  it('refuses (non-retryable) a role, client role, group or attribute outside the allowlists, before any user exists', async () => {
    const user = track(newUser('allow'));
    for (const [asked, field] of [
      [{ realmRoles: ['customer', 'admin'] }, 'realmRoles'],
      [{ clientRoles: ['shop:manager'] }, 'clientRoles'],
      [{ groups: ['/staff'] }, 'groups'],
      [{ attributes: { tier: 'gold', role: 'admin' } }, 'attributes'],
    ] as const) {
      const error = await rejection(app.service.register({ ...user, ...asked } as UserRegisteredDto));
      assert.ok(error instanceof NonRetryableError, `got ${error.name}: ${error.message}`);
      assert.equal(error.reason, DeadLetterReason.NonRetryable);
      assert.match(error.message, new RegExp(`${field} .* not (grantable|allowed)`));
      assert.doesNotMatch(error.message, /admin|manager|staff/);
    }
    assert.equal((await probe.usersNamed(user.username)).length, 0);
  });

  it('cannot be steered off the asked-for group or role by a path: traversal names are refused, lookups encoded', async () => {
    const pipe = userPayloadValidationPipe();
    for (const traversal of [
      { groups: ['../roles/admin'] },
      { groups: ['/customers/../staff'] },
      { groups: ['//customers'] },
      { groups: ['%2e%2e/roles/admin'] },
      { realmRoles: ['../admin'] },
      { realmRoles: ['..'] },
      { clientRoles: ['shop:../manager'] },
    ]) {
      const payload = { ...newUser('path'), ...traversal };
      const error = await rejection(
        Promise.resolve().then(() => pipe.transform(payload, { type: 'body', metatype: UserRegisteredDto })),
      );
      assert.ok(error instanceof BadRequestException, JSON.stringify(traversal));
    }
    // Past the DTO (a caller without the pipe, an operator's allowlist): the client still finds
    // nothing but the very group or role, and today's `GET .../roles/admin` is never taken for a group.
    const open = await startUsersApp(
      keycloakOptions(env, {
        registration: { ...TEST_POLICY, grantableGroups: [...TEST_POLICY.grantableGroups, '../roles/admin'] },
      }),
      logger,
    ).catch((err: unknown) => err);
    assert.ok(open instanceof RealmPolicyError, 'an allowlisted traversal path is no group of the realm');
    assert.equal(await app.client.findGroup('../roles/admin'), undefined);
    assert.equal(await app.client.findGroup('/customers/../staff'), undefined);
    assert.equal(await app.client.findRealmRole('../roles/admin'), undefined);
    assert.equal((await app.client.findGroup('/customers/vip'))?.name, 'vip');
  });

  it('treats an existing user as success: a repeated message creates nothing and assigns nothing twice', async () => {
    const user = track(newUser('repeat'));
    const dto = { ...user, groups: ['customers'], realmRoles: ['customer', 'beta-tester'] } as UserRegisteredDto;
    const first = await app.service.register(dto);
    const second = await app.service.register(dto);
    assert.equal(first.created, true);
    assert.deepEqual(second, { userId: first.userId, created: false, groupsAdded: 0, rolesAdded: 0 });
    assert.equal((await probe.usersNamed(user.username)).length, 1);
    assert.deepEqual(await probe.groupNames(first.userId), ['customers']);
  });

  it('completes the groups and roles of a create whose answer was lost, once, on the redelivery', async () => {
    const user = track(newUser('lost'));
    const dto = { ...user, groups: ['/newsletter'], realmRoles: ['beta-tester'] } as UserRegisteredDto;
    // Keycloak created the stamped user, but the handler never heard back (timeout, crash).
    const userId = await app.client.createUser(toKeycloakUser(dto, stampOf(dto)));
    assert.ok(userId);
    assert.deepEqual((await probe.user(userId)).attributes?.[REGISTRATION_STAMP_ATTRIBUTE], [
      stampValue(stampOf(dto), 'pending'),
    ]);
    const redelivered = await app.service.register(dto);
    assert.deepEqual(redelivered, { userId, created: false, groupsAdded: 1, rolesAdded: 1 });
    assert.deepEqual((await probe.user(userId)).attributes?.[REGISTRATION_STAMP_ATTRIBUTE], [
      stampValue(stampOf(dto), 'complete'),
    ]);
    const again = await app.service.register(dto);
    assert.deepEqual([again.groupsAdded, again.rolesAdded], [0, 0]);
    assert.deepEqual(await probe.groupNames(userId), ['newsletter']);
    assert.ok((await probe.realmRoleNames(userId)).includes('beta-tester'));
  });

  it('grants nothing on a replay after completion: a role an administrator revoked stays revoked', async () => {
    const user = track(newUser('revoked'));
    const dto = { ...user, groups: ['/customers'], realmRoles: ['customer', 'beta-tester'] } as UserRegisteredDto;
    const { userId } = await app.service.register(dto);
    await probe.revokeRealmRole(userId, 'beta-tester');
    const replay = await app.service.register(dto);
    assert.deepEqual(replay, { userId, created: false, groupsAdded: 0, rolesAdded: 0 });
    const roles = await probe.realmRoleNames(userId);
    assert.ok(roles.includes('customer') && !roles.includes('beta-tester'), roles.join(','));
  });

  it('refuses a user carrying a forged stamp (unkeyed, or keyed by another secret), granting it nothing', async () => {
    for (const forge of [
      // What today's unkeyed SHA-256 stamp would be: anyone who knows the message can compute it.
      (dto: UserRegisteredDto) =>
        `v1:${createHash('sha256')
          .update(
            JSON.stringify([dto.username.toLowerCase(), dto.email.toLowerCase(), ['/customers'], ['beta-tester']]),
          )
          .digest('hex')}`,
      (dto: UserRegisteredDto) =>
        stampValue(registrationStamp(dto, 'a-forger-guessing-the-secret-0123456789'), 'pending'),
    ]) {
      const user = track(newUser('forged'));
      const dto = { ...user, groups: ['/customers'], realmRoles: ['beta-tester'] } as UserRegisteredDto;
      const userId = await probe.createUser(user);
      await probe.setAttribute(userId, REGISTRATION_STAMP_ATTRIBUTE, [forge(dto)]);
      const error = await rejection(app.service.register(dto));
      assert.ok(error instanceof NonRetryableError, `got ${error.name}: ${error.message}`);
      assert.match(error.message, /another registration stamp/);
      assert.deepEqual(await probe.groupNames(userId), []);
      assert.ok(!(await probe.realmRoleNames(userId)).includes('beta-tester'));
    }
  });

  it('refuses (non-retryable) a username taken by a user with another email, and grants it nothing', async () => {
    const owner = track(newUser('taken'));
    const first = await app.service.register(owner as UserRegisteredDto);
    const intruder = track({ ...newUser('intruder'), username: owner.username });
    const error = await rejection(
      app.service.register({
        ...intruder,
        realmRoles: ['customer', 'beta-tester'],
        groups: ['/customers'],
      } as UserRegisteredDto),
    );
    assert.ok(error instanceof NonRetryableError, `got ${error.name}: ${error.message}`);
    assert.equal(error.reason, DeadLetterReason.NonRetryable);
    assert.match(error.message, /username is taken by a user with another email address/);
    for (const value of [owner.username, owner.email, intruder.email])
      assert.ok(!error.message.includes(value), error.message);
    assert.deepEqual(await probe.groupNames(first.userId), []);
    assert.ok(!(await probe.realmRoleNames(first.userId)).some((r) => r === 'customer' || r === 'beta-tester'));
    assert.equal((await probe.user(first.userId)).email, owner.email);
  });

  it('refuses a user this handler did not create, even with the same username and email', async () => {
    const user = track(newUser('admin'));
    const userId = await probe.createUser(user);
    const error = await rejection(
      app.service.register({ ...user, realmRoles: ['beta-tester'], groups: ['customers'] } as UserRegisteredDto),
    );
    assert.ok(error instanceof NonRetryableError);
    assert.match(error.message, /this handler did not create \(no registration stamp\)/);
    assert.deepEqual(await probe.groupNames(userId), []);
    assert.ok(!(await probe.realmRoleNames(userId)).includes('beta-tester'));
  });

  it('refuses a later message that asks for more groups or roles for a user it created', async () => {
    const user = track(newUser('more'));
    const created = await app.service.register({ ...user, realmRoles: ['customer'] } as UserRegisteredDto);
    const error = await rejection(
      app.service.register({
        ...user,
        realmRoles: ['customer', 'beta-tester'],
        groups: ['customers'],
      } as UserRegisteredDto),
    );
    assert.ok(error instanceof NonRetryableError);
    assert.match(error.message, /another registration stamp/);
    assert.deepEqual(await probe.groupNames(created.userId), []);
    assert.ok(!(await probe.realmRoleNames(created.userId)).includes('beta-tester'));
  });

  it("stores the stamp where the user cannot forge it (admin-only in the realm's user profile)", async () => {
    const user = track(newUser('forge'));
    const dto = { ...user, realmRoles: ['customer'] } as UserRegisteredDto;
    const { userId } = await app.service.register(dto);
    const complete = stampValue(stampOf(dto), 'complete');
    assert.deepEqual((await probe.user(userId)).attributes?.[REGISTRATION_STAMP_ATTRIBUTE], [complete]);
    // The user, once set up, tries to put its account back to pending for a registration with more roles.
    const token = await probe.finishSetup(userId, user.username, `Pw-${userId}`);
    secrets.push(`Pw-${userId}`);
    const accountUrl = `${env.url}/realms/${env.realm}/account/`;
    const headers = {
      authorization: `Bearer ${token}`,
      'content-type': 'application/json',
      accept: 'application/json',
    };
    const me = (await (await fetch(accountUrl, { headers })).json()) as Record<string, unknown>;
    assert.equal(
      (me.attributes as Record<string, unknown> | undefined)?.[REGISTRATION_STAMP_ATTRIBUTE],
      undefined,
      'the user does not even see it',
    );
    const forged = stampValue(stampOf({ ...dto, realmRoles: ['customer', 'beta-tester'] }), 'pending');
    const res = await fetch(accountUrl, {
      method: 'POST',
      headers,
      body: JSON.stringify({ ...me, attributes: { [REGISTRATION_STAMP_ATTRIBUTE]: [forged] } }),
    });
    assert.equal(res.status, 400, await res.text());
    assert.deepEqual((await probe.user(userId)).attributes?.[REGISTRATION_STAMP_ATTRIBUTE], [complete]);
  });

  it('creates one user when the same message is handled concurrently', async () => {
    const user = track(newUser('race'));
    const results = await Promise.all(Array.from({ length: 5 }, () => app.service.register(user as UserRegisteredDto)));
    assert.equal(results.filter((r) => r.created).length, 1);
    assert.equal(new Set(results.map((r) => r.userId)).size, 1);
    assert.equal((await probe.usersNamed(user.username)).length, 1);
  });

  it('classifies a 400 from Keycloak as non-retryable, with a reason free of the submitted values', async () => {
    const user = track({ ...newUser('bad'), email: 'not-an-email-3f9c' });
    const error = await rejection(app.service.register(user as UserRegisteredDto));
    assert.ok(error instanceof NonRetryableError, `got ${error.name}: ${error.message}`);
    assert.equal(error.reason, DeadLetterReason.NonRetryable);
    assert.match(error.message, /answered 400/);
    assert.ok(!error.message.includes('not-an-email-3f9c'), error.message);
    assert.equal((await probe.usersNamed(user.username)).length, 0);
  });

  it('stops start-up with one line when an allowlisted role, client role or group does not exist', async () => {
    for (const [registration, variable] of [
      [{ grantableRealmRoles: ['customer', 'no-such-role'] }, 'KEYCLOAK_GRANTABLE_REALM_ROLES'],
      [{ grantableClientRoles: ['shop:no-such-role'] }, 'KEYCLOAK_GRANTABLE_CLIENT_ROLES'],
      [{ grantableClientRoles: ['no-such-client:buyer'] }, 'KEYCLOAK_GRANTABLE_CLIENT_ROLES'],
      [{ grantableGroups: ['/customers/nobody'] }, 'KEYCLOAK_GRANTABLE_GROUPS'],
      [{ allowedAttributes: ['undeclared'] }, 'KEYCLOAK_ALLOWED_ATTRIBUTES'],
    ] as Array<[Partial<typeof TEST_POLICY>, string]>) {
      const error = await startUsersApp(
        keycloakOptions(env, { registration: { ...TEST_POLICY, ...registration } }),
        logger,
      ).then(
        async (started) => {
          await started.close();
          return undefined;
        },
        (err: unknown) => err,
      );
      assert.ok(error instanceof RealmPolicyError, `${variable}: started`);
      assert.match(
        error.message,
        new RegExp(`^Keycloak realm ${env.realm} is not fit for registrations: ${variable} names`),
      );
      assert.doesNotMatch(error.message, /\n/);
    }
  });

  it('the service process exits 1 with that one line on stderr, before it consumes anything', () => {
    const main = fileURLToPath(new URL('../../src/main.js', import.meta.url));
    const run = spawnSync(process.execPath, [main], {
      encoding: 'utf8',
      timeout: 90_000,
      env: {
        PATH: process.env.PATH,
        HOME: tmpdir(),
        APP_ENV: 'local',
        AWS_ACCESS_KEY_ID: 'test',
        AWS_SECRET_ACCESS_KEY: 'test',
        // Nothing listens there: the realm check comes before the consumer's first call.
        SQS_ENDPOINT: 'http://127.0.0.1:9',
        SQS_QUEUE_URL: 'http://127.0.0.1:9/000000000000/work',
        HTTP_PORT: '39111', // never bound: start-up stops first
        LOG_LEVEL: 'warn',
        KEYCLOAK_URL: env.url,
        KEYCLOAK_REALM: env.realm,
        KEYCLOAK_CLIENT_ID: env.clientId,
        KEYCLOAK_CLIENT_SECRET: env.clientSecret,
        KEYCLOAK_GRANTABLE_REALM_ROLES: 'customer,admn',
      },
    });
    assert.equal(run.status, 1, run.stderr);
    assert.equal(
      run.stderr,
      `Keycloak realm ${env.realm} is not fit for registrations: KEYCLOAK_GRANTABLE_REALM_ROLES names realm role "admn", which does not exist\n`,
    );
  });

  it("stops start-up when the realm's user profile lets users edit the stamp or unmanaged attributes", async () => {
    const original = await probe.userProfile();
    const attributes = original.attributes as Array<{ name: string; permissions?: object }>;
    const variants = [
      { ...original, unmanagedAttributePolicy: 'ENABLED' },
      {
        ...original,
        attributes: attributes.map((a) =>
          a.name === REGISTRATION_STAMP_ATTRIBUTE
            ? { ...a, permissions: { view: ['admin', 'user'], edit: ['admin', 'user'] } }
            : a,
        ),
      },
      { ...original, attributes: attributes.filter((a) => a.name !== REGISTRATION_STAMP_ATTRIBUTE) },
    ];
    try {
      for (const [i, profile] of variants.entries()) {
        await probe.setUserProfile(profile);
        const error = await startUsersApp(keycloakOptions(env), logger).then(
          async (started) => {
            await started.close();
            return undefined;
          },
          (err: unknown) => err,
        );
        assert.ok(error instanceof RealmPolicyError, `variant ${i} started`);
        assert.match(error.message, /user profile (lets|does not declare)/);
      }
    } finally {
      await probe.setUserProfile(original);
    }
    await (await startUsersApp(keycloakOptions(env), logger)).close();
  });

  it('refuses (non-retryable) an email that belongs to a different user', async () => {
    const owner = track(newUser('owner'));
    const { userId: ownerId } = await app.service.register(owner as UserRegisteredDto);
    const other = { ...newUser('other'), email: owner.email, realmRoles: ['beta-tester'] };
    const error = await rejection(app.service.register(other as UserRegisteredDto));
    assert.ok(error instanceof NonRetryableError);
    assert.match(error.message, /registered to a different user/);
    assert.ok(!error.message.includes(owner.email));
    assert.equal((await probe.usersNamed(other.username)).length, 0);
    assert.ok(!(await probe.realmRoleNames(ownerId)).includes('beta-tester'), 'the owner gained nothing');
  });

  it('shares one token request between concurrent callers, and reuses the cached token', async () => {
    const separate = await startUsersApp(keycloakOptions(env), logger);
    try {
      const tokens = await Promise.all(Array.from({ length: 20 }, () => separate.tokens.getToken()));
      assert.equal(new Set(tokens).size, 1);
      assert.equal(separate.tokens.requestCount, 1);
      await Promise.all(
        Array.from({ length: 5 }, (_, i) => separate.service.register(track(newUser(`tok${i}`)) as UserRegisteredDto)),
      );
      assert.equal(separate.tokens.requestCount, 1);
    } finally {
      await separate.close();
    }
  });

  it('refreshes the token before it expires', { timeout: (env.tokenLifespanSeconds + 30) * 1000 }, async (t) => {
    if (env.tokenLifespanSeconds > 60) return t.skip('the test Keycloak issues long-lived tokens');
    const first = await app.tokens.getToken();
    const expiresAt = JSON.parse(Buffer.from(first.split('.')[1]!, 'base64url').toString()).exp * 1000;
    const next = await eventually(
      async () => {
        const token = await app.tokens.getToken();
        return token !== first && { token, at: Date.now() };
      },
      'a refreshed token',
      (env.tokenLifespanSeconds + 10) * 1000,
      250,
    );
    assert.ok(next.at < expiresAt, `refreshed ${next.at - expiresAt} ms after expiry`);
    // The new token works.
    await app.service.register(track(newUser('fresh')) as UserRegisteredDto);
  });

  it('treats a rejected client secret as a retryable token failure', async () => {
    const wrong = await startUsersApp(keycloakOptions(env, { clientSecret: 'wrong-secret-value' }), logger);
    secrets.push('wrong-secret-value');
    try {
      const error = await rejection(wrong.service.register(track(newUser('nosecret')) as UserRegisteredDto));
      assert.ok(error instanceof RetryableError, `got ${error.name}`);
      assert.match(error.message, /token request answered 401 \(unauthorized_client\)/);
    } finally {
      await wrong.close();
    }
  });

  it('opens the breaker when Keycloak stops, fails fast while open, and closes by its own probe once it is back', async (t) => {
    const proxy = await TcpProxy.forUrl(env.url).start();
    const openMs = 1_500;
    const guarded = await startUsersApp(
      keycloakOptions(env, { url: proxy.url, breaker: { failures: 3, openMs } }),
      logger,
    );
    const states: string[] = [];
    guarded.breaker.onStateChange((s) => states.push(s));
    try {
      await guarded.service.register(track(newUser('pre')) as UserRegisteredDto);
      assert.equal(guarded.health.isHealthy().keycloak.status, 'up');
      await proxy.cut();
      for (let i = 0; i < 3; i++) {
        const error = await rejection(guarded.service.register(track(newUser('down')) as UserRegisteredDto));
        assert.ok(error instanceof RetryableError, `attempt ${i}: ${error.name}`);
        assert.match(error.message, /ECONNREFUSED|ECONNRESET|UND_ERR_SOCKET|timed out/);
      }
      assert.equal(guarded.breaker.state, 'open');
      assert.equal(guarded.breaker.gate.isDown, true, 'an open breaker marks its gate down');
      const started = Date.now();
      const fast = await rejection(guarded.service.register(track(newUser('open')) as UserRegisteredDto));
      assert.ok(fast instanceof DownstreamUnavailableError, `got ${fast.name}`);
      assert.equal(fast.gate, guarded.breaker.gate);
      assert.equal(fast.message, 'Keycloak circuit breaker is open');
      assert.equal(fast.retryAfterSeconds, Math.ceil(openMs / 1000));
      assert.ok(Date.now() - started < 200, 'an open breaker does not call Keycloak');
      const health = guarded.health.isHealthy().keycloak;
      assert.equal(health.status, 'degraded');
      assert.equal(health.breaker, 'open');

      // No message from here on: the breaker's own probe finds Keycloak back.
      await proxy.resume();
      const resumedAt = Date.now();
      await eventually(
        () => guarded.health.isHealthy().keycloak.status === 'up',
        'readiness to report Keycloak up without traffic',
        15_000,
        20,
      );
      const upAfterMs = Date.now() - resumedAt;
      t.diagnostic(
        `Keycloak up in readiness ${upAfterMs} ms after the proxy resumed (probe interval ${openMs} ms), no message sent`,
      );
      // One probe interval, plus the probe's own request (bounded by the client timeout).
      assert.ok(upAfterMs <= openMs + 3_000, `up ${upAfterMs} ms after recovery`);
      assert.equal(guarded.breaker.gate.isDown, false);
      assert.equal(guarded.breaker.state, 'closed');
      assert.deepEqual(states.filter((s, i) => s !== states[i - 1]).slice(0, 3), ['open', 'half-open', 'closed']);
      const result = await guarded.service.register(track(newUser('back')) as UserRegisteredDto);
      assert.equal(result.created, true);
    } finally {
      await guarded.close();
      await proxy.stop();
    }
  });

  it('rejects invalid payloads in the ValidationPipe without echoing values', async () => {
    const pipe = userPayloadValidationPipe();
    const password = 'Hunter2-never-logged';
    const payload = {
      username: 'has spaces!',
      email: 'broken-at-example',
      firstName: '',
      lastName: 'x',
      credentials: { password, temporary: 'yes' },
      emailVerified: true,
      extra: password,
      'leak@example.test': 1,
    };
    const error = await rejection(
      Promise.resolve().then(() => pipe.transform(payload, { type: 'body', metatype: UserRegisteredDto })),
    );
    assert.ok(error instanceof BadRequestException);
    const messages = (error.getResponse() as { message: string[] }).message;
    const text = messages.join('; ');
    for (const expected of [
      'username',
      'email',
      'firstName',
      'property credentials should not exist',
      'property emailVerified should not exist',
      'property extra should not exist',
    ]) {
      assert.ok(text.includes(expected), `missing "${expected}" in: ${text}`);
    }
    for (const value of [password, 'broken-at-example', 'leak@example.test', 'has spaces!']) {
      assert.ok(!text.includes(value), `"${value}" leaked into: ${text}`);
    }
  });

  it('rejects a message that sets the registration stamp itself', async () => {
    const pipe = userPayloadValidationPipe();
    for (const name of [REGISTRATION_STAMP_ATTRIBUTE, REGISTRATION_STAMP_ATTRIBUTE.toUpperCase()]) {
      const payload = { ...newUser('stamp'), attributes: { [name]: 'v1:0000', tier: 'gold' } };
      const error = await rejection(
        Promise.resolve().then(() => pipe.transform(payload, { type: 'body', metatype: UserRegisteredDto })),
      );
      assert.ok(error instanceof BadRequestException);
      assert.deepEqual((error.getResponse() as { message: string[] }).message, [
        `attributes must not set ${REGISTRATION_STAMP_ATTRIBUTE}: the handler writes it`,
      ]);
    }
  });

  it('never logged an email, password, token or client secret', () => {
    assert.ok(logger.lines.length > 10, 'the service logged');
    assert.deepEqual(logger.leaking(secrets), []);
    assert.ok(!logger.lines.some((l) => /eyJ[\w-]{10,}\./.test(l)), 'a JWT was logged');
  });
});
