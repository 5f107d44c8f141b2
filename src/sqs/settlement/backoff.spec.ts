import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MAX_VISIBILITY_SECONDS, receiveErrorDelayMs, retryDelaySeconds } from './backoff.js';

const policy = { baseSeconds: 2, maxSeconds: 900 };

describe('retryDelaySeconds', () => {
  it('doubles with every receive, between half and all of the exponential value', () => {
    for (const [receiveCount, full] of [
      [1, 2],
      [2, 4],
      [3, 8],
      [4, 16],
      [5, 32],
    ] as const) {
      assert.equal(
        retryDelaySeconds(receiveCount, policy, () => 0),
        full / 2,
      );
      assert.equal(
        retryDelaySeconds(receiveCount, policy, () => 1),
        full,
      );
    }
  });

  it('grows from one attempt to the next whatever the jitter draws', () => {
    for (let n = 1; n < 9; n++) {
      assert.ok(retryDelaySeconds(n + 1, policy, () => 0) >= retryDelaySeconds(n, policy, () => 1) / 1);
    }
  });

  it('is capped at maxSeconds and at the 12-hour limit of SQS', () => {
    assert.equal(
      retryDelaySeconds(40, policy, () => 1),
      900,
    );
    assert.equal(
      retryDelaySeconds(1_000, { baseSeconds: 60, maxSeconds: 100_000 }, () => 1),
      MAX_VISIBILITY_SECONDS,
    );
  });

  it('treats a missing or zero receive count as the first attempt', () => {
    assert.equal(
      retryDelaySeconds(0, policy, () => 1),
      2,
    );
    assert.equal(
      retryDelaySeconds(Number.NaN, policy, () => 1),
      2,
    );
  });

  it('allows an immediate retry when the base is zero', () => {
    assert.equal(retryDelaySeconds(3, { baseSeconds: 0, maxSeconds: 900 }), 0);
  });
});

describe('receiveErrorDelayMs', () => {
  it('never spins: at least 50 ms even when the jitter draws zero', () => {
    assert.equal(
      receiveErrorDelayMs(1, () => 0),
      50,
    );
  });

  it('grows exponentially to a 10 s ceiling', () => {
    assert.equal(
      receiveErrorDelayMs(1, () => 1),
      100,
    );
    assert.equal(
      receiveErrorDelayMs(4, () => 1),
      800,
    );
    assert.equal(
      receiveErrorDelayMs(30, () => 1),
      10_000,
    );
  });
});
