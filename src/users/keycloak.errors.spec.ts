import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { BrokenCircuitError } from 'cockatiel';
import { DeadLetterReason, NonRetryableError, RetryableError } from '../sqs/sqs.errors.js';
import { KeycloakHttpError, KeycloakTokenError, KeycloakUnavailableError, isKeycloakOutage, parseRetryAfter, toHandlerError } from './keycloak.errors.js';
import { redact, subjectRef } from './redact.js';

describe('Keycloak error classes', () => {
  it('retries outages and counts them for the breaker', () => {
    for (const error of [
      new KeycloakUnavailableError('create user', new TypeError('fetch failed')),
      new KeycloakTokenError('Keycloak token request answered 401'),
      new KeycloakHttpError('create user', 503),
      new KeycloakHttpError('create user', 429, undefined, 7),
    ]) {
      assert.ok(isKeycloakOutage(error), error.message);
      assert.ok(toHandlerError(error, [], 10_000) instanceof RetryableError, error.message);
    }
    assert.equal((toHandlerError(new KeycloakHttpError('x', 429, undefined, 7), [], 0) as RetryableError).retryAfterSeconds, 7);
  });

  it('dead-letters answers that retrying cannot change, without counting them as outages', () => {
    for (const status of [400, 403, 404, 422]) {
      const error = new KeycloakHttpError('create user', status, 'error-invalid-email');
      assert.equal(isKeycloakOutage(error), false);
      const mapped = toHandlerError(error, [], 10_000);
      assert.ok(mapped instanceof NonRetryableError);
      assert.equal(mapped.reason, DeadLetterReason.NonRetryable);
    }
  });

  it('retries a 401 (token revoked between refresh and use) and an open breaker, with a delay', () => {
    assert.ok(toHandlerError(new KeycloakHttpError('x', 401), [], 0) instanceof RetryableError);
    const open = toHandlerError(new BrokenCircuitError(), [], 2_500);
    assert.ok(open instanceof RetryableError);
    assert.equal(open.retryAfterSeconds, 3);
  });

  it('removes the given values and anything email-shaped from messages', () => {
    const mapped = toHandlerError(new Error('user alice@example.com with pw Secret-123 failed'), ['Secret-123'], 0);
    assert.equal(mapped.message, 'user [email] with pw [redacted] failed');
    assert.equal(redact('short ab stays', ['ab']), 'short ab stays');
  });

  it('parses Retry-After as seconds or an HTTP date', () => {
    assert.equal(parseRetryAfter('12'), 12);
    assert.equal(parseRetryAfter(null), undefined);
    const inTenSeconds = new Date(Date.now() + 10_000).toUTCString();
    assert.ok(Math.abs(parseRetryAfter(inTenSeconds)! - 10) <= 1);
  });

  it('gives a stable, case-insensitive pseudonym for a username', () => {
    assert.equal(subjectRef('Alice'), subjectRef('alice'));
    assert.match(subjectRef('alice'), /^[0-9a-f]{12}$/);
    assert.notEqual(subjectRef('alice'), subjectRef('bob'));
  });
});
