import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { DEFAULT_KEYCLOAK_MAX_CONCURRENCY, KeycloakBulkhead } from './keycloak.bulkhead.js';

/** Runs `count` registrations of `ms` each through the bulkhead; returns the most at once. */
async function peak(bulkhead: KeycloakBulkhead, count: number, ms: number): Promise<number> {
  let running = 0;
  let most = 0;
  await Promise.all(
    Array.from({ length: count }, () =>
      bulkhead.run(async () => {
        most = Math.max(most, ++running);
        await sleep(ms);
        running--;
      }),
    ),
  );
  return most;
}

describe('KeycloakBulkhead', () => {
  it('runs 4 registrations at once by default, whatever the number of workers asking', async () => {
    const bulkhead = new KeycloakBulkhead({});
    assert.equal(bulkhead.limit, DEFAULT_KEYCLOAK_MAX_CONCURRENCY);
    assert.equal(DEFAULT_KEYCLOAK_MAX_CONCURRENCY, 4);
    assert.equal(await peak(bulkhead, 20, 10), 4);
    assert.equal(bulkhead.active, 0);
  });

  it('follows maxConcurrency, queues the rest, and passes results and errors through', async () => {
    const bulkhead = new KeycloakBulkhead({ maxConcurrency: 2 });
    assert.equal(await peak(bulkhead, 10, 5), 2);
    assert.equal(await bulkhead.run(() => Promise.resolve(42)), 42);
    await assert.rejects(
      bulkhead.run(() => Promise.reject(new Error('409'))),
      /409/,
    );
    assert.equal(bulkhead.active, 0, 'a failure frees its place');
  });
});
