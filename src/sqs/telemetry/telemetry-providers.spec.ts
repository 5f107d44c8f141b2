import { SQSClient } from '@aws-sdk/client-sqs';
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { setUpConsumerTelemetry } from './consumer-setup.js';
import { ProducerTelemetry } from './producer-telemetry.js';
import { registeredProviders } from './telemetry-providers.js';

// No SDK is registered in the unit suite: this is the default for every service that does not
// set OTEL_EXPORTER_OTLP_ENDPOINT, and it must cost nothing per message.
describe('telemetry without an OpenTelemetry SDK', () => {
  it('finds no tracer or meter provider', () => {
    assert.equal(registeredProviders(), undefined);
  });

  it('gives the engine no process hook and leaves the SQS client untouched', () => {
    const client = new SQSClient({ region: 'us-east-1' });
    const before = client.middlewareStack.identify().length;
    const subscribed: string[] = [];
    const telemetry = setUpConsumerTelemetry(client, (event) => subscribed.push(event));
    assert.equal(telemetry, undefined);
    assert.equal(client.middlewareStack.identify().length, before, 'no middleware added');
    assert.deepEqual(subscribed, [], 'no event listener');
    client.destroy();
  });

  it('gives the producer nothing to do either', () => {
    assert.equal(ProducerTelemetry.detect(), undefined);
  });
});
