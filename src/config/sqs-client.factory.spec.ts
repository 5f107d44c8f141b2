import assert from 'node:assert/strict';
import type { Agent as HttpAgent } from 'node:http';
import type { Agent as HttpsAgent } from 'node:https';
import { describe, it } from 'node:test';
import { Readable } from 'node:stream';
import { GetQueueAttributesCommand, SQSClient } from '@aws-sdk/client-sqs';
import type { NodeHttpHandler } from '@smithy/node-http-handler';
import { resolveSqsServerOptions, scrubSecrets, sqsSocketBudget } from '../sqs/index.js';
import type { CredentialProviderResult } from './aws-credentials.js';
import { loadConfig } from './configuration.js';
import {
  createSqsClientConfig,
  createSqsHttpHandler,
  sqsMaxSockets,
  toSqsServerOptions,
} from './sqs-client.factory.js';

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

const POD_ENV = {
  ...ENV,
  APP_ENV: 'production',
  AWS_REGION: 'eu-west-1',
  AWS_ACCESS_KEY_ID: '',
  AWS_SECRET_ACCESS_KEY: '',
  SQS_ENDPOINT: '',
  SQS_QUEUE_URL: 'https://sqs.eu-west-1.amazonaws.com/123456789012/work',
  KEYCLOAK_URL: 'https://sso.example.com',
  SQS_DLQ_URL: '',
  REGISTRATION_STAMP_SECRET: 'a-pod-secret-of-at-least-32-characters',
};

const STATIC_CREDENTIALS: CredentialProviderResult = {
  provider: async () => ({ accessKeyId: 'AKIASTATIC0000000001', secretAccessKey: 's' }),
  source: 'static (test)',
  resolvedSource: () => 'static (test)',
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
    for (const agent of [
      await (config.httpAgentProvider as () => Promise<HttpAgent>)(),
      config.httpsAgent as HttpsAgent,
    ]) {
      assert.equal((agent as unknown as { keepAlive: boolean }).keepAlive, true);
      assert.equal(agent.maxSockets, sqsMaxSockets(sqs));
    }
    // The transport's own budget for the same options: one home for the rule.
    assert.equal(sqsMaxSockets(sqs), sqsSocketBudget(resolveSqsServerOptions(toSqsServerOptions(sqs, {}))));
    const bigger = loadConfig({ ...ENV, SQS_MAX_RECEIVERS: '40', SQS_PREFETCH: '2000' }).sqs;
    assert.ok(
      sqsMaxSockets(bigger) >= 40 + 2_000 / 10,
      'every long poll and the batched acknowledgements of every held message get a socket',
    );
  });

  it('refuses a hand-built config whose request timeout does not exceed the long poll', () => {
    const { sqs } = loadConfig(ENV);
    assert.throws(
      () => createSqsHttpHandler({ ...sqs, receiveRequestTimeoutMs: 20_000 }),
      /must be at least waitTimeSeconds\*1000 \+ 5000 = 25000 ms/,
    );
  });

  it('builds the client config: region, local endpoint, credential provider, handler', async () => {
    const config = createSqsClientConfig(loadConfig(ENV));
    assert.equal(config.region, 'us-east-1');
    assert.equal(config.endpoint, 'http://127.0.0.1:4566');
    assert.equal(config.ignoreConfiguredEndpointUrls, true);
    assert.equal(typeof config.credentials, 'function');
    assert.ok(config.requestHandler);
  });

  it('in pods, sends requests to the AWS endpoint the queue URL names (the regional one for a legacy URL)', () => {
    const cases: Array<[string, string, string]> = [
      ['eu-west-1', 'https://sqs.eu-west-1.amazonaws.com/123456789012/work', 'https://sqs.eu-west-1.amazonaws.com'],
      ['us-east-1', 'https://queue.amazonaws.com/123456789012/work', 'https://sqs.us-east-1.amazonaws.com'],
      ['eu-west-1', 'https://eu-west-1.queue.amazonaws.com/123456789012/work', 'https://sqs.eu-west-1.amazonaws.com'],
      [
        'eu-west-1',
        'https://vpce-0a1b2c3d-abcd.sqs.eu-west-1.vpce.amazonaws.com/123456789012/work',
        'https://vpce-0a1b2c3d-abcd.sqs.eu-west-1.vpce.amazonaws.com',
      ],
      [
        'cn-north-1',
        'https://sqs.cn-north-1.amazonaws.com.cn/123456789012/work',
        'https://sqs.cn-north-1.amazonaws.com.cn',
      ],
    ];
    for (const [region, queueUrl, endpoint] of cases) {
      const config = createSqsClientConfig(
        loadConfig({ ...POD_ENV, AWS_REGION: region, SQS_QUEUE_URL: queueUrl }),
        STATIC_CREDENTIALS,
      );
      assert.equal(config.endpoint, endpoint, queueUrl);
      assert.equal(config.region, region);
    }
  });

  it('a legacy queue URL costs no plain-text SDK warning: requests go to the regional host and stderr stays quiet', async () => {
    const queueUrl = 'https://queue.amazonaws.com/123456789012/work';
    const written: string[] = [];
    const hosts: string[] = [];
    const handler = {
      handle: async (request: { hostname: string }) => {
        hosts.push(request.hostname);
        const body = Readable.from([Buffer.from('{"Attributes":{}}')]);
        return { response: { statusCode: 200, headers: { 'content-type': 'application/x-amz-json-1.0' }, body } };
      },
    };
    const send = async (client: SQSClient) => {
      const saved = { warn: console.warn, write: process.stderr.write };
      console.warn = (...args: unknown[]) => void written.push(args.join(' '));
      process.stderr.write = ((chunk: string) => (written.push(String(chunk)), true)) as typeof process.stderr.write;
      try {
        await client.send(new GetQueueAttributesCommand({ QueueUrl: queueUrl }));
      } finally {
        Object.assign(console, { warn: saved.warn });
        process.stderr.write = saved.write;
        client.destroy();
      }
    };
    // The SDK on its own: it swaps in the queue URL's host and says so on stderr, every call.
    await send(
      new SQSClient({
        region: 'us-east-1',
        credentials: { accessKeyId: 'a', secretAccessKey: 'b' },
        requestHandler: handler,
      }),
    );
    assert.match(
      written.join('\n'),
      /differs from SQSClient resolved endpoint/,
      'the capture sees the warning when there is one',
    );
    written.length = 0;
    hosts.length = 0;
    const config = createSqsClientConfig(
      loadConfig({ ...POD_ENV, AWS_REGION: 'us-east-1', SQS_QUEUE_URL: queueUrl }),
      STATIC_CREDENTIALS,
    );
    await send(new SQSClient({ ...config, requestHandler: handler }));
    assert.deepEqual(written, []);
    assert.deepEqual(hosts, ['sqs.us-east-1.amazonaws.com']);
  });

  it('the pod-mode test hook sends requests to its loopback server', () => {
    const config = createSqsClientConfig(
      loadConfig({ ...POD_ENV, TEST_ONLY_POD_SQS_ENDPOINT: 'http://127.0.0.1:9324' }),
      STATIC_CREDENTIALS,
    );
    assert.equal(config.endpoint, 'http://127.0.0.1:9324');
  });

  it('maps the sqs namespace onto options the transport accepts', () => {
    const { sqs } = loadConfig({ ...ENV, SQS_DEFAULT_PATTERN: 'user.register', SQS_HEARTBEAT_INTERVAL_SECONDS: '8' });
    const options = toSqsServerOptions(sqs, { region: 'us-east-1' });
    assert.deepEqual(options.queues, [
      { url: ENV.SQS_QUEUE_URL, deadLetterQueueUrl: ENV.SQS_DLQ_URL, defaultPattern: 'user.register' },
    ]);
    const resolved = resolveSqsServerOptions(options);
    assert.equal(resolved.concurrency, 25);
    assert.equal(resolved.heartbeatIntervalSeconds, 8);
    assert.deepEqual(resolved.backoff, { baseSeconds: 2, maxSeconds: 900 });
    assert.equal(resolved.patternAttribute, 'pattern');
    assert.equal(options.prefetch, undefined, 'unset variables leave the transport defaults');
    assert.equal(resolved.deadLetterBody, scrubSecrets, 'a dead-letter copy never stores a password');
  });

  it('maps SQS_PREFETCH, SQS_MAX_RECEIVERS and SQS_DELETE_LINGER_MS onto the transport options', () => {
    const { sqs } = loadConfig({ ...ENV, SQS_PREFETCH: '300', SQS_MAX_RECEIVERS: '12', SQS_DELETE_LINGER_MS: '250' });
    const resolved = resolveSqsServerOptions(toSqsServerOptions(sqs, { region: 'us-east-1' }));
    assert.equal(resolved.prefetch, 300);
    assert.equal(resolved.maxReceiversPerQueue, 12);
    assert.equal(resolved.deleteBatchLingerMs, 250);
  });

  it('maps SQS_PAUSE_HOLD_SECONDS onto pauseHoldSeconds, 900 when unset', () => {
    const defaults = resolveSqsServerOptions(toSqsServerOptions(loadConfig(ENV).sqs, { region: 'us-east-1' }));
    assert.equal(defaults.pauseHoldSeconds, 900);
    const { sqs } = loadConfig({ ...ENV, SQS_PAUSE_HOLD_SECONDS: '60' });
    assert.equal(resolveSqsServerOptions(toSqsServerOptions(sqs, { region: 'us-east-1' })).pauseHoldSeconds, 60);
  });

  it('maps SQS_MAX_BUFFERED_BYTES onto maxBufferedBytes, 64 MiB when unset', () => {
    const set = loadConfig({ ...ENV, SQS_MAX_BUFFERED_BYTES: '8388608' }).sqs;
    assert.equal(resolveSqsServerOptions(toSqsServerOptions(set, { region: 'us-east-1' })).maxBufferedBytes, 8_388_608);
    const unset = loadConfig(ENV).sqs;
    assert.equal(
      resolveSqsServerOptions(toSqsServerOptions(unset, { region: 'us-east-1' })).maxBufferedBytes,
      67_108_864,
    );
  });
});
