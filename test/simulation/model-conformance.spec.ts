// The SQS model keeps the rules AWS documents (the same scenarios run against ElasticMQ, moto
// and fauxqs in test/sqs/model-conformance.e2e-spec.ts).
import FakeTimers from '@sinonjs/fake-timers';
import assert from 'node:assert/strict';
import { syncBuiltinESMExports } from 'node:module';
import { afterEach, beforeEach, describe, test } from 'node:test';
import { modelHarness } from './conformance/model-harness.js';
import { SCENARIOS } from './conformance/scenarios.js';

describe('the SQS model', () => {
  let clock: FakeTimers.Clock;
  beforeEach(() => {
    clock = FakeTimers.install({ toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'Date'] });
    syncBuiltinESMExports();
  });
  afterEach(() => {
    clock.uninstall();
    syncBuiltinESMExports();
  });

  for (const scenario of SCENARIOS) {
    test(scenario.name, async () => {
      assert.deepEqual(await scenario.run(modelHarness(clock)), scenario.expected);
    });
  }
});
