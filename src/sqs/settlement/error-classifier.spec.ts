import { BadRequestException, ForbiddenException, HttpException, NotFoundException } from '@nestjs/common';
import { RpcException } from '@nestjs/microservices';
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { classifyFailure } from './error-classifier.js';
import { DeadLetterReason, NonRetryableError, RetryableError } from '../core/sqs.errors.js';

describe('classifyFailure', () => {
  it('dead-letters what says it can never succeed', () => {
    assert.deepEqual(classifyFailure(new NonRetryableError('closed account')), {
      action: 'dead-letter',
      reason: DeadLetterReason.NonRetryable,
      detail: 'closed account',
    });
    assert.deepEqual(classifyFailure(new BadRequestException(['email must be an email', 'name is too short'])), {
      action: 'dead-letter',
      reason: DeadLetterReason.ValidationFailed,
      detail: 'email must be an email; name is too short',
    });
    assert.equal(
      (classifyFailure(new ForbiddenException()) as { reason: string }).reason,
      DeadLetterReason.NonRetryable,
    );
    assert.equal(
      (classifyFailure(new NotFoundException()) as { reason: string }).reason,
      DeadLetterReason.NonRetryable,
    );
    assert.equal(classifyFailure(new RpcException({ message: 'no', retryable: false })).action, 'dead-letter');
  });

  it('retries everything else, keeping a minimum delay when one is asked for', () => {
    assert.deepEqual(classifyFailure(new RetryableError('busy', { retryAfterSeconds: 30 })), {
      action: 'retry',
      minDelaySeconds: 30,
    });
    assert.equal(classifyFailure(new Error('ECONNRESET')).action, 'retry');
    assert.equal(classifyFailure(new HttpException('slow down', 429)).action, 'retry');
    assert.equal(classifyFailure(new HttpException('bad gateway', 502)).action, 'retry');
    assert.equal(classifyFailure({ status: 'error', message: 'Internal server error' }).action, 'retry');
    assert.equal(classifyFailure(new RpcException('plain')).action, 'retry');
  });
});
