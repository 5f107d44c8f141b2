// The simulation's SQS model (test/simulation/model) is only as good as its rules: the same
// scripted scenarios that the model passes run here against a real server, and must observe
// what AWS documents, or differ only as listed below (the model follows AWS, not the server).
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, test } from 'node:test';
import { SCENARIOS, type ConformanceHarness } from '../simulation/conformance/scenarios.js';
import { SqsTestBackend } from '../support/sqs-backend.js';

/** Where a server is known to answer differently from the model: scenario name -> what it observes. */
const KNOWN_DIFFERENCES: Record<string, Record<string, Record<string, unknown>>> = {
  // moto accepts the receipt of an earlier receive and makes the message visible; ElasticMQ and
  // fauxqs refuse it, as the model does (only the newest receipt is documented to act).
  moto: {
    'ChangeMessageVisibility with the receipt of an earlier receive fails': { withOldReceipt: 'ok', stillInFlight: 1 },
  },
};

describe('the simulation model agrees with a real server', () => {
  let backend: SqsTestBackend;
  let harness: ConformanceHarness;
  before(async () => {
    backend = await SqsTestBackend.start();
    harness = {
      send: (command) => backend.client.send(command as never),
      createQueue: (spec) => backend.createQueue('conformance', spec),
      wait: (ms) => sleep(ms),
    };
  });
  after(() => backend.stop());

  for (const scenario of SCENARIOS) {
    test(scenario.name, async () => {
      const expected = { ...scenario.expected, ...KNOWN_DIFFERENCES[backend.name]?.[scenario.name] };
      assert.deepEqual(await scenario.run(harness), expected);
    });
  }
});
