// UsersService and the Keycloak client against the real Keycloak the suite runner started:
// creation, idempotency, group/role assignment, error classes, the token cache, the breaker.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { BadRequestException } from '@nestjs/common';
import { DeadLetterReason, NonRetryableError, RetryableError } from '../../src/sqs/sqs.errors.js';
import { UserRegisteredDto, userPayloadValidationPipe } from '../../src/users/index.js';
import { eventually } from '../support/eventually.js';
import { CaptureLogger } from './support/capture-logger.js';
import { KeycloakProbe, keycloakOptions, keycloakTestEnv, newUser } from './support/keycloak-env.js';
import { TcpProxy } from './support/tcp-proxy.js';
import { startUsersApp, type UsersApp } from './support/users-app.js';

const env = keycloakTestEnv();
const probe = new KeycloakProbe(env);
const logger = new CaptureLogger();
const secrets: Array<string | undefined> = [env.clientSecret, env.adminPassword];
let app: UsersApp;

function track<T extends { email: string; credentials?: { password: string } }>(user: T): T {
  secrets.push(user.email, user.credentials?.password);
  return user;
}

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

  it('creates the user with attributes, groups, realm roles and the initial password', async () => {
    const user = track(newUser('create'));
    const result = await app.service.register({
      ...user,
      emailVerified: true,
      attributes: { locale: 'en', tier: ['gold'] },
      groups: ['customers', '/newsletter'],
      realmRoles: ['customer'],
    } as UserRegisteredDto);
    assert.equal(result.created, true);
    assert.deepEqual([result.groupsAdded, result.rolesAdded], [2, 1]);
    const [stored] = await probe.usersNamed(user.username);
    assert.equal(stored?.id, result.userId);
    assert.equal(stored.email, user.email);
    assert.equal(stored.enabled, true);
    assert.equal(stored.emailVerified, true);
    assert.deepEqual(await probe.groupNames(result.userId), ['customers', 'newsletter']);
    assert.ok((await probe.realmRoleNames(result.userId)).includes('customer'));
    const attributes = (await probe.user(result.userId)).attributes ?? {};
    assert.deepEqual(attributes.tier, ['gold']);
    assert.ok(await probe.passwordWorks(user.username, user.credentials.password), 'the initial password logs in');
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

  it('completes assignments a later delivery asks for, once (partial failure, then redelivery)', async () => {
    const user = track(newUser('later'));
    const created = await app.service.register(user as UserRegisteredDto);
    const withGroups = { ...user, groups: ['newsletter'], realmRoles: ['beta-tester'] } as UserRegisteredDto;
    const again = await app.service.register(withGroups);
    assert.deepEqual([again.userId, again.created, again.groupsAdded, again.rolesAdded], [created.userId, false, 1, 1]);
    const once = await app.service.register(withGroups);
    assert.deepEqual([once.groupsAdded, once.rolesAdded], [0, 0]);
    assert.deepEqual(await probe.groupNames(created.userId), ['newsletter']);
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

  it('sends unknown groups and roles to the DLQ before creating anything', async () => {
    const user = track(newUser('nogroup'));
    const error = await rejection(app.service.register({ ...user, groups: ['no-such-group'] } as UserRegisteredDto));
    assert.ok(error instanceof NonRetryableError);
    assert.match(error.message, /unknown group "no-such-group"/);
    const roleError = await rejection(app.service.register({ ...user, realmRoles: ['no-such-role'] } as UserRegisteredDto));
    assert.ok(roleError instanceof NonRetryableError);
    assert.equal((await probe.usersNamed(user.username)).length, 0);
  });

  it('refuses (non-retryable) an email that belongs to a different user', async () => {
    const owner = track(newUser('owner'));
    await app.service.register(owner as UserRegisteredDto);
    const other = { ...newUser('other'), email: owner.email };
    const error = await rejection(app.service.register(other as UserRegisteredDto));
    assert.ok(error instanceof NonRetryableError);
    assert.match(error.message, /registered to a different user/);
    assert.ok(!error.message.includes(owner.email));
    assert.equal((await probe.usersNamed(other.username)).length, 0);
  });

  it('shares one token request between concurrent callers, and reuses the cached token', async () => {
    const separate = await startUsersApp(keycloakOptions(env), logger);
    try {
      const tokens = await Promise.all(Array.from({ length: 20 }, () => separate.tokens.getToken()));
      assert.equal(new Set(tokens).size, 1);
      assert.equal(separate.tokens.requestCount, 1);
      await Promise.all(Array.from({ length: 5 }, (_, i) => separate.service.register(track(newUser(`tok${i}`)) as UserRegisteredDto)));
      assert.equal(separate.tokens.requestCount, 1);
    } finally {
      await separate.close();
    }
  });

  it('refreshes the token before it expires', { timeout: (env.tokenLifespanSeconds + 30) * 1000 }, async (t) => {
    if (env.tokenLifespanSeconds > 60) return t.skip('the test Keycloak issues long-lived tokens');
    const first = await app.tokens.getToken();
    const expiresAt = JSON.parse(Buffer.from(first.split('.')[1]!, 'base64url').toString()).exp * 1000;
    const next = await eventually(async () => {
      const token = await app.tokens.getToken();
      return token !== first && { token, at: Date.now() };
    }, 'a refreshed token', (env.tokenLifespanSeconds + 10) * 1000, 250);
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

  it('opens the breaker when Keycloak stops, fails fast while open, and closes once it is back', async () => {
    const proxy = await TcpProxy.forUrl(env.url).start();
    const openMs = 1_500;
    const guarded = await startUsersApp(keycloakOptions(env, { url: proxy.url, breaker: { failures: 3, openMs } }), logger);
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
      const started = Date.now();
      const fast = await rejection(guarded.service.register(track(newUser('open')) as UserRegisteredDto));
      assert.ok(fast instanceof RetryableError);
      assert.equal(fast.message, 'Keycloak circuit breaker is open');
      assert.equal(fast.retryAfterSeconds, Math.ceil(openMs / 1000));
      assert.ok(Date.now() - started < 200, 'an open breaker does not call Keycloak');
      const health = guarded.health.isHealthy().keycloak;
      assert.equal(health.status, 'degraded');
      assert.equal(health.breaker, 'open');

      await proxy.resume();
      const user = track(newUser('back'));
      const result = await eventually(() => guarded.service.register(user as UserRegisteredDto).catch(() => undefined), 'a registration after recovery', 15_000, 200);
      assert.equal(result.created, true);
      assert.equal(guarded.breaker.state, 'closed');
      assert.equal(guarded.health.isHealthy().keycloak.status, 'up');
      assert.deepEqual(states.filter((s, i) => s !== states[i - 1]).slice(0, 3), ['open', 'half-open', 'closed']);
    } finally {
      await guarded.close();
      await proxy.stop();
    }
  });

  it('rejects invalid payloads in the ValidationPipe without echoing values', async () => {
    const pipe = userPayloadValidationPipe();
    const password = 'Hunter2-never-logged';
    const payload = {
      username: 'has spaces!', email: 'broken-at-example', firstName: '', lastName: 'x',
      credentials: { password: 12345, temporary: 'yes' }, extra: password, 'leak@example.test': 1,
    };
    const error = await rejection(Promise.resolve().then(() => pipe.transform(payload, { type: 'body', metatype: UserRegisteredDto })));
    assert.ok(error instanceof BadRequestException);
    const messages = (error.getResponse() as { message: string[] }).message;
    const text = messages.join('; ');
    for (const expected of ['username', 'email', 'firstName', 'credentials.password', 'credentials.temporary', 'property extra should not exist']) {
      assert.ok(text.includes(expected), `missing "${expected}" in: ${text}`);
    }
    for (const value of [password, 'broken-at-example', 'leak@example.test', 'has spaces!', '12345']) {
      assert.ok(!text.includes(value), `"${value}" leaked into: ${text}`);
    }
  });

  it('never logged an email, password, token or client secret', () => {
    assert.ok(logger.lines.length > 10, 'the service logged');
    assert.deepEqual(logger.leaking(secrets), []);
    assert.ok(!logger.lines.some((l) => /eyJ[\w-]{10,}\./.test(l)), 'a JWT was logged');
  });
});
