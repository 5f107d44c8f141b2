import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { BrokenCircuitError } from 'cockatiel';
import {
  DeadLetterReason,
  DownstreamGate,
  DownstreamUnavailableError,
  NonRetryableError,
  RetryableError,
} from '../sqs/index.js';
import {
  KeycloakHttpError,
  KeycloakTokenError,
  KeycloakUnavailableError,
  isKeycloakOutage,
  parseRetryAfter,
  toHandlerError,
} from './keycloak.errors.js';
import { redact, subjectRef } from './redact.js';
import { createHash } from 'node:crypto';

/** A breaker view whose gate is up (breaker closed), or down when `down` is given. */
function breaker(openMs = 10_000, down?: string) {
  const gate = new DownstreamGate('keycloak');
  if (down) gate.markDown(down);
  return { gate, openMs };
}

describe('Keycloak error classes', () => {
  it('retries outages and counts them for the breaker', () => {
    for (const error of [
      new KeycloakUnavailableError('create user', new TypeError('fetch failed')),
      new KeycloakTokenError('Keycloak token request answered 401'),
      new KeycloakHttpError('create user', 503),
      new KeycloakHttpError('create user', 429, undefined, 7),
    ]) {
      assert.ok(isKeycloakOutage(error), error.message);
      assert.ok(toHandlerError(error, [], breaker()) instanceof RetryableError, error.message);
      assert.ok(
        !(toHandlerError(error, [], breaker()) instanceof DownstreamUnavailableError),
        'breaker closed: an ordinary retry',
      );
    }
    assert.equal(
      (toHandlerError(new KeycloakHttpError('x', 429, undefined, 7), [], breaker(0)) as RetryableError)
        .retryAfterSeconds,
      7,
    );
    // Retried no sooner than the breaker decides: a retry 2 s later would spend another receive
    // on the same outage while the breaker still counts (the brownout fault case).
    const closedOutage = toHandlerError(
      new KeycloakUnavailableError('create user', new TypeError('fetch failed')),
      [],
      breaker(10_000),
    ) as RetryableError;
    assert.equal(closedOutage.retryAfterSeconds, 10);
  });

  it('dead-letters answers that retrying cannot change, without counting them as outages', () => {
    for (const status of [400, 403, 404, 422]) {
      const error = new KeycloakHttpError('create user', status, 'error-invalid-email');
      assert.equal(isKeycloakOutage(error), false);
      const mapped = toHandlerError(error, [], breaker());
      assert.ok(mapped instanceof NonRetryableError);
      assert.equal(mapped.reason, DeadLetterReason.NonRetryable);
    }
  });

  it('retries a 401 (token revoked between refresh and use) as an ordinary retry', () => {
    const mapped = toHandlerError(new KeycloakHttpError('x', 401), [], breaker());
    assert.ok(mapped instanceof RetryableError);
    assert.ok(!(mapped instanceof DownstreamUnavailableError));
  });

  it("turns an open breaker, and an outage while it is open, into the gate's unavailable error", () => {
    const open = breaker(2_500, 'Keycloak circuit breaker open');
    const fast = toHandlerError(new BrokenCircuitError(), [], open);
    assert.ok(fast instanceof DownstreamUnavailableError);
    assert.equal(fast.gate, open.gate);
    assert.equal(fast.retryAfterSeconds, 3);
    assert.equal(fast.message, 'Keycloak circuit breaker is open');
    const outage = toHandlerError(
      new KeycloakUnavailableError('create user', new Error('mail alice@example.com')),
      [],
      open,
    );
    assert.ok(outage instanceof DownstreamUnavailableError);
    assert.equal(outage.message, 'Keycloak create user failed: mail [email]');
    // A 400 while the breaker is open is still this message's fault.
    assert.ok(toHandlerError(new KeycloakHttpError('create user', 400), [], open) instanceof NonRetryableError);
  });

  it('removes the given values and anything email-shaped from messages', () => {
    const mapped = toHandlerError(
      new Error('user alice@example.com with pw Secret-123 failed'),
      ['Secret-123'],
      breaker(0),
    );
    assert.equal(mapped.message, 'user [email] with pw [redacted] failed');
    assert.equal(redact('short ab stays', ['ab']), 'short ab stays');
  });

  it('parses Retry-After as seconds or an HTTP date', () => {
    assert.equal(parseRetryAfter('12'), 12);
    assert.equal(parseRetryAfter(null), undefined);
    const inTenSeconds = new Date(Date.now() + 10_000).toUTCString();
    assert.ok(Math.abs(parseRetryAfter(inTenSeconds)! - 10) <= 1);
  });

  it('gives a stable, case-insensitive pseudonym for a username, keyed by the pepper', () => {
    const pepper = 'unit-test-pepper-of-32-characters-xx';
    assert.equal(subjectRef('Alice', pepper), subjectRef('alice', pepper));
    assert.match(subjectRef('alice', pepper), /^[0-9a-f]{12}$/);
    assert.notEqual(subjectRef('alice', pepper), subjectRef('bob', pepper));
    // Without the pepper a list of usernames cannot be hashed and matched against the logs.
    assert.notEqual(subjectRef('alice', pepper), subjectRef('alice', 'another-pepper-of-32-characters-xxx'));
    assert.notEqual(subjectRef('alice', pepper), createHash('sha256').update('alice').digest('hex').slice(0, 12));
  });
});
