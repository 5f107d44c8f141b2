import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SqsOptionsError } from './sqs.errors.js';
import { resolveSqsServerOptions } from './sqs.options.js';

const url = 'https://sqs.eu-west-1.amazonaws.com/123456789012/orders';

describe('resolveSqsServerOptions', () => {
  it('applies the documented defaults', () => {
    const o = resolveSqsServerOptions({ queues: [{ url }] });
    assert.equal(o.concurrency, 10);
    assert.equal(o.batchSize, 10);
    // Adaptive intake: one long poll when idle, up to twenty per queue (a 200-message bound).
    assert.equal(o.minReceiversPerQueue, 1);
    assert.equal(o.maxReceiversPerQueue, 20);
    assert.equal(o.prefetch, 200);
    assert.equal(o.deleteBatchLingerMs, 1_000);
    assert.equal(o.waitTimeSeconds, 20);
    assert.equal(o.visibilityTimeout, 30);
    assert.equal(o.heartbeatIntervalSeconds, 10);
    assert.equal(o.maxVisibilitySeconds, 43_200);
    assert.deepEqual(o.backoff, { baseSeconds: 2, maxSeconds: 900 });
    assert.equal(o.shutdownGraceSeconds, 25);
    assert.equal(o.patternAttribute, 'pattern');
  });

  it('sizes the buffer and receivers for large pools and several queues', () => {
    const o = resolveSqsServerOptions({ queues: [{ url }, { url: `${url}-2` }], concurrency: 100 });
    assert.equal(o.maxReceiversPerQueue, 20);
    assert.equal(o.prefetch, 400);
    const big = resolveSqsServerOptions({ queues: [{ url }], concurrency: 300 });
    assert.equal(big.maxReceiversPerQueue, 60);
    assert.equal(big.prefetch, 600);
  });

  it('fixes the receivers when receiversPerQueue is given', () => {
    const o = resolveSqsServerOptions({ queues: [{ url }], receiversPerQueue: 3 });
    assert.equal(o.minReceiversPerQueue, 3);
    assert.equal(o.maxReceiversPerQueue, 3);
    assert.equal(o.prefetch, 30);
  });

  it('keeps the delete linger well inside the visibility timeout', () => {
    assert.throws(
      () =>
        resolveSqsServerOptions({
          queues: [{ url }],
          visibilityTimeout: 3,
          heartbeatIntervalSeconds: 1,
          deleteBatchLingerMs: 1_500,
        }),
      /deleteBatchLingerMs must be at most \(visibilityTimeout - heartbeatIntervalSeconds\) \* 500 = 1000 ms/,
    );
  });

  it('accepts the hosts local servers answer with', () => {
    assert.doesNotThrow(() =>
      resolveSqsServerOptions({ queues: [{ url: 'http://sqs.us-east-1.127.0.0.1:4566/000000000000/q' }] }),
    );
  });

  it('rejects bad options with an error naming each one', () => {
    const bad = (options: object, pattern: RegExp) =>
      assert.throws(
        () => resolveSqsServerOptions(options as never),
        (err: Error) => err instanceof SqsOptionsError && pattern.test(err.message),
      );
    bad({ queues: [] }, /queues: needs at least one queue/);
    bad({ queues: [{ url: 'orders' }] }, /queues\.0\.url: must be an http\(s\) queue URL/);
    bad({ queues: [{ url }], batchSize: 11 }, /batchSize/);
    bad({ queues: [{ url }], waitTimeSeconds: 21 }, /waitTimeSeconds/);
    bad({ queues: [{ url }], concurrency: 0 }, /concurrency/);
    bad({ queues: [{ url }], concurency: 5 }, /concurency|Unrecognized/);
    bad(
      { queues: [{ url }], visibilityTimeout: 5, heartbeatIntervalSeconds: 5 },
      /heartbeatIntervalSeconds must be below visibilityTimeout \(5 s\)/,
    );
  });
});
