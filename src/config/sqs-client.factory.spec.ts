import assert from 'node:assert/strict';
import type { Agent as HttpAgent } from 'node:http';
import type { Agent as HttpsAgent } from 'node:https';
import { describe, it } from 'node:test';
import type { NodeHttpHandler } from '@smithy/node-http-handler';
import { resolveSqsServerOptions } from '../sqs/sqs.options.js';
import { loadConfig } from './configuration.js';
import { createSqsClientConfig, createSqsHttpHandler, sqsMaxSockets, toSqsServerOptions } from './sqs-client.factory.js';

const ENV = {
  APP_ENV: 'local',
  AWS_ACCESS_KEY_ID: 'local',
  AWS_SECRET_ACCESS_KEY: 'local',
  SQS_ENDPOINT: 'http://127.0.0.1:4566',
  SQS_QUEUE_URL: 'http://127.0.0.1:4566/000000000000/work',
  SQS_DLQ_URL: 'http://127.0.0.1:4566/000000000000/work-dlq',
  SQS_CONCURRENCY: '25',
  SQS_BATCH_SIZE: '10',
  KEYCLOAK_URL: 'http://127.0.0.1:8080',
  KEYCLOAK_REALM: 'r',
  KEYCLOAK_CLIENT_ID: 'c',
  KEYCLOAK_CLIENT_SECRET: 's',
};

describe('SQS client factory', () => {
  it('gives the HTTP handler keep-alive, enough sockets and timeouts above the long poll', async () => {
    const { sqs } = loadConfig(ENV);
    const handler = createSqsHttpHandler(sqs) as NodeHttpHandler;
    // The handler resolves its options lazily; read what it will use.
    const config = await (handler as unknown as { configProvider: Promise<Record<string, unknown>> }).configProvider;
    assert.equal(config.requestTimeout, 30_000);
    assert.ok((config.requestTimeout as number) > sqs.waitTimeSeconds * 1_000);
    assert.equal(config.socketTimeout, 30_000);
    assert.equal(config.throwOnRequestTimeout, true);
    assert.equal(config.connectionTimeout, 3_000);
    for (const agent of [await (config.httpAgentProvider as () => Promise<HttpAgent>)(), config.httpsAgent as HttpsAgent]) {
      assert.equal((agent as unknown as { keepAlive: boolean }).keepAlive, true);
      // 3 long polls (prefetch 25 / batch 10) + 25 workers + 25 buffered + 4 spare.
      assert.equal(agent.maxSockets, 57);
    }
    assert.equal(sqsMaxSockets(sqs), 57);
  });

  it('refuses a hand-built config whose request timeout does not exceed the long poll', () => {
    const { sqs } = loadConfig(ENV);
    assert.throws(() => createSqsHttpHandler({ ...sqs, receiveRequestTimeoutMs: 20_000 }), /must be at least waitTimeSeconds\*1000 \+ 5000 = 25000 ms/);
  });

  it('builds the client config: region, local endpoint, credential provider, handler', async () => {
    const config = createSqsClientConfig(loadConfig(ENV));
    assert.equal(config.region, 'us-east-1');
    assert.equal(config.endpoint, 'http://127.0.0.1:4566');
    assert.equal(typeof config.credentials, 'function');
    assert.ok(config.requestHandler);
  });

  it('maps the sqs namespace onto options the transport accepts', () => {
    const { sqs } = loadConfig({ ...ENV, SQS_DEFAULT_PATTERN: 'user.register', SQS_HEARTBEAT_INTERVAL_SECONDS: '8' });
    const options = toSqsServerOptions(sqs, { region: 'us-east-1' });
    assert.deepEqual(options.queues, [{ url: ENV.SQS_QUEUE_URL, deadLetterQueueUrl: ENV.SQS_DLQ_URL, defaultPattern: 'user.register' }]);
    const resolved = resolveSqsServerOptions(options);
    assert.equal(resolved.concurrency, 25);
    assert.equal(resolved.heartbeatIntervalSeconds, 8);
    assert.deepEqual(resolved.backoff, { baseSeconds: 2, maxSeconds: 900 });
    assert.equal(resolved.patternAttribute, 'pattern');
  });
});
