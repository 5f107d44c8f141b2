import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { ENV_VARIABLES, EnvValidationError, envSchema, parseEnv } from './env.schema.js';
import { loadConfig } from './configuration.js';

const LOCAL: Record<string, string> = {
  APP_ENV: 'local',
  AWS_ACCESS_KEY_ID: 'local',
  AWS_SECRET_ACCESS_KEY: 'local',
  SQS_QUEUE_URL: 'http://127.0.0.1:4566/000000000000/work',
  KEYCLOAK_URL: 'http://127.0.0.1:8080',
  KEYCLOAK_REALM: 'nest-sqs-worker',
  KEYCLOAK_CLIENT_ID: 'nest-sqs-worker',
  KEYCLOAK_CLIENT_SECRET: 'local-dev-secret',
};

/** A valid pod environment, as overrides of LOCAL. */
const POD: Record<string, string | undefined> = {
  APP_ENV: 'production',
  AWS_REGION: 'eu-west-1',
  AWS_ACCESS_KEY_ID: undefined,
  AWS_SECRET_ACCESS_KEY: undefined,
  SQS_QUEUE_URL: 'https://sqs.eu-west-1.amazonaws.com/123456789012/work',
  REGISTRATION_STAMP_SECRET: 'a-pod-secret-of-at-least-32-characters',
  KEYCLOAK_URL: 'https://sso.example.com',
};

/** The error lines for `overrides` applied on top of a valid local environment. */
function errorsFor(overrides: Record<string, string | undefined>): string[] {
  const source = { ...LOCAL, ...overrides };
  for (const [key, value] of Object.entries(source)) if (value === undefined) delete source[key];
  try {
    parseEnv(source);
  } catch (err) {
    assert.ok(err instanceof EnvValidationError, `expected EnvValidationError, got ${String(err)}`);
    return [...err.lines];
  }
  return [];
}

function withPod(overrides: Record<string, string>): Record<string, string> {
  const source: Record<string, string | undefined> = { ...LOCAL, ...POD, ...overrides };
  for (const [key, value] of Object.entries(source)) if (value === undefined) delete source[key];
  return source as Record<string, string>;
}

function assertOneLine(overrides: Record<string, string | undefined>, expected: RegExp): void {
  const lines = errorsFor(overrides);
  assert.equal(lines.length, 1, `expected one error line, got ${JSON.stringify(lines)}`);
  assert.match(lines[0]!, expected);
}

describe('environment schema', () => {
  it('accepts a minimal local environment and applies the defaults', () => {
    const env = parseEnv(LOCAL);
    assert.equal(env.SQS_BATCH_SIZE, 10);
    assert.equal(env.SQS_WAIT_TIME_SECONDS, 20);
    assert.equal(env.SQS_RECEIVE_REQUEST_TIMEOUT_MS, 30_000);
    assert.equal(env.HTTP_PORT, 3_000);
    assert.equal(env.OTEL_ENABLED, true);
    assert.equal(env.LOG_HANDLED_MESSAGES, false);
    assert.equal(env.AWS_ASSUME_ROLE_ARN, undefined);
    // The gentle return after an outage is on by default: a resumed queue starts with 2, a pod
    // runs 4 registrations at once.
    assert.equal(env.SQS_SLOW_START_MESSAGES, 2);
    assert.equal(env.KEYCLOAK_MAX_CONCURRENCY, 4);
    // A pause keeps buffered messages invisible up to 15 minutes, spending no receive.
    assert.equal(env.SQS_PAUSE_HOLD_SECONDS, 900);
  });

  it('formats an error as one line naming the variable, what was expected and what it got', () => {
    assert.deepEqual(errorsFor({ SQS_BATCH_SIZE: '42' }), [
      'Invalid environment: SQS_BATCH_SIZE must be an integer from 1 to 10 (got "42")',
    ]);
  });

  it('reports every bad variable, one line each', () => {
    const lines = errorsFor({ SQS_BATCH_SIZE: '0', HTTP_PORT: 'eighty', LOG_LEVEL: 'loud' });
    assert.equal(lines.length, 3);
    assert.match(lines.join('\n'), /SQS_BATCH_SIZE[\s\S]*HTTP_PORT|HTTP_PORT[\s\S]*SQS_BATCH_SIZE/);
  });

  it('treats an empty value as unset (compose files and `FOO=` lines)', () => {
    assert.equal(parseEnv({ ...LOCAL, AWS_ASSUME_ROLE_ARN: '', SQS_DLQ_URL: '  ' }).AWS_ASSUME_ROLE_ARN, undefined);
  });

  it('never echoes a secret value', () => {
    const lines = errorsFor({ AWS_ACCESS_KEY_ID: 'AKIAEXAMPLEEXAMPLE12', AWS_SECRET_ACCESS_KEY: undefined });
    assert.equal(lines.length, 1);
    assert.doesNotMatch(lines[0]!, /AKIAEXAMPLE/);
    assert.match(lines[0]!, /AWS_SECRET_ACCESS_KEY is not set/);
  });

  describe('each variable', () => {
    const cases: Array<[string, string | undefined, RegExp]> = [
      ['APP_ENV', 'Production', /^Invalid environment: APP_ENV must be a lower-case name .* \(got "Production"\)$/],
      ['HTTP_PORT', '70000', /HTTP_PORT must be an integer from 1 to 65535 \(got "70000"\)/],
      [
        'LOG_LEVEL',
        'verbose',
        /LOG_LEVEL must be one of trace, debug, info, warn, error, fatal, silent \(got "verbose"\)/,
      ],
      ['OTEL_ENABLED', 'maybe', /OTEL_ENABLED must be true or false \(got "maybe"\)/],
      ['AWS_REGION', 'Europe', /AWS_REGION must be an AWS region such as eu-west-1 \(got "Europe"\)/],
      ['AWS_DEFAULT_REGION', 'eu_west_1', /AWS_DEFAULT_REGION must be an AWS region/],
      ['AWS_ACCESS_KEY_ID', undefined, /AWS_ACCESS_KEY_ID is not set: expected it together with AWS_SECRET_ACCESS_KEY/],
      ['AWS_ROLE_ARN', 'my-role', /AWS_ROLE_ARN must be an IAM role ARN/],
      ['AWS_ROLE_SESSION_NAME', 'a', /AWS_ROLE_SESSION_NAME must be a role session name/],
      [
        'AWS_ASSUME_ROLE_ARN',
        'arn:aws:iam::123:role/x',
        /AWS_ASSUME_ROLE_ARN must be an IAM role ARN .* \(got "arn:aws:iam::123:role\/x"\)/,
      ],
      ['AWS_ASSUME_ROLE_SESSION_NAME', 'has spaces', /AWS_ASSUME_ROLE_SESSION_NAME must be a role session name/],
      [
        'AWS_ASSUME_ROLE_DURATION_SECONDS',
        '60',
        /AWS_ASSUME_ROLE_DURATION_SECONDS must be an integer from 900 to 43200 \(got "60"\)/,
      ],
      ['AWS_ASSUME_ROLE_EXTERNAL_ID', 'x', /AWS_ASSUME_ROLE_EXTERNAL_ID must be an external id/],
      ['AWS_STS_ENDPOINT', 'localhost:4566', /AWS_STS_ENDPOINT must be an http\(s\) URL/],
      ['SQS_ENDPOINT', 'ftp://x', /SQS_ENDPOINT must be an http\(s\) URL \(got "ftp:\/\/x"\)/],
      [
        'SQS_QUEUE_URL',
        undefined,
        /^Invalid environment: SQS_QUEUE_URL is not set: expected the http\(s\) URL of the work queue$/,
      ],
      ['SQS_QUEUE_URL', 'work-queue', /SQS_QUEUE_URL must be the http\(s\) URL of the work queue \(got "work-queue"\)/],
      ['SQS_DLQ_URL', 'dlq', /SQS_DLQ_URL must be the http\(s\) URL of the dead-letter queue/],
      ['SQS_PATTERN_ATTRIBUTE', 'AWS.pattern', /SQS_PATTERN_ATTRIBUTE must be an SQS message attribute name/],
      ['SQS_CONCURRENCY', '0', /SQS_CONCURRENCY must be an integer from 1 to 500 \(got "0"\)/],
      ['SQS_BATCH_SIZE', '1.5', /SQS_BATCH_SIZE must be an integer from 1 to 10 \(got "1.5"\)/],
      ['SQS_PREFETCH', '0', /SQS_PREFETCH must be an integer from 1 to 100000 \(got "0"\)/],
      ['SQS_PREFETCH', '100001', /SQS_PREFETCH must be an integer from 1 to 100000/],
      [
        'SQS_MAX_BUFFERED_BYTES',
        '1048575',
        /SQS_MAX_BUFFERED_BYTES must be an integer from 1048576 to 1099511627776 \(got "1048575"\)/,
      ],
      ['SQS_MAX_BUFFERED_BYTES', '64MiB', /SQS_MAX_BUFFERED_BYTES must be an integer from 1048576/],
      ['SQS_MAX_RECEIVERS', '1001', /SQS_MAX_RECEIVERS must be an integer from 1 to 1000 \(got "1001"\)/],
      ['SQS_DELETE_LINGER_MS', '-1', /SQS_DELETE_LINGER_MS must be an integer from 0 to 10000 \(got "-1"\)/],
      ['TEST_ONLY_POD_SQS_ENDPOINT', 'loopback', /TEST_ONLY_POD_SQS_ENDPOINT must be an http\(s\) URL/],
      ['SQS_WAIT_TIME_SECONDS', '21', /SQS_WAIT_TIME_SECONDS must be an integer from 0 to 20 \(got "21"\)/],
      ['SQS_VISIBILITY_TIMEOUT', '43201', /SQS_VISIBILITY_TIMEOUT must be an integer from 1 to 43200/],
      ['SQS_HEARTBEAT_INTERVAL_SECONDS', '-1', /SQS_HEARTBEAT_INTERVAL_SECONDS must be an integer from 1 to 43199/],
      ['SQS_MAX_VISIBILITY_SECONDS', '50000', /SQS_MAX_VISIBILITY_SECONDS must be an integer from 1 to 43200/],
      ['SQS_BACKOFF_BASE_SECONDS', 'two', /SQS_BACKOFF_BASE_SECONDS must be an integer from 0 to 43200 \(got "two"\)/],
      ['SQS_BACKOFF_MAX_SECONDS', '99999', /SQS_BACKOFF_MAX_SECONDS must be an integer from 0 to 43200/],
      ['SQS_MAX_RECEIVE_COUNT', '0', /SQS_MAX_RECEIVE_COUNT must be an integer from 1 to 1000/],
      ['SQS_SHUTDOWN_GRACE_SECONDS', '7200', /SQS_SHUTDOWN_GRACE_SECONDS must be an integer from 0 to 3600/],
      [
        'SQS_RECEIVE_REQUEST_TIMEOUT_MS',
        '500',
        /SQS_RECEIVE_REQUEST_TIMEOUT_MS must be an integer from 1000 to 120000/,
      ],
      ['SQS_CONNECTION_TIMEOUT_MS', '10', /SQS_CONNECTION_TIMEOUT_MS must be an integer from 100 to 60000/],
      ['KEYCLOAK_URL', undefined, /KEYCLOAK_URL is not set: expected the base URL of Keycloak/],
      ['KEYCLOAK_URL', 'keycloak', /KEYCLOAK_URL must be the base URL of Keycloak/],
      ['KEYCLOAK_REALM', 'my realm', /KEYCLOAK_REALM must be a realm name/],
      ['KEYCLOAK_CLIENT_ID', undefined, /KEYCLOAK_CLIENT_ID is not set/],
      ['KEYCLOAK_CLIENT_SECRET', undefined, /KEYCLOAK_CLIENT_SECRET is not set/],
      ['KEYCLOAK_TIMEOUT_MS', '5s', /KEYCLOAK_TIMEOUT_MS must be an integer from 100 to 60000/],
      ['KEYCLOAK_BREAKER_FAILURES', '0', /KEYCLOAK_BREAKER_FAILURES must be an integer from 1 to 1000/],
      ['KEYCLOAK_BREAKER_OPEN_MS', '1', /KEYCLOAK_BREAKER_OPEN_MS must be an integer from 100 to 600000/],
      ['KEYCLOAK_MAX_CONCURRENCY', '0', /KEYCLOAK_MAX_CONCURRENCY must be an integer from 1 to 1000/],
      ['SQS_SLOW_START_MESSAGES', '-1', /SQS_SLOW_START_MESSAGES must be an integer from 0 to 10000/],
      ['SQS_PAUSE_HOLD_SECONDS', '43201', /SQS_PAUSE_HOLD_SECONDS must be an integer from 0 to 43200/],
    ];
    for (const [variable, value, expected] of cases) {
      it(`${variable}=${value === undefined ? '(unset)' : JSON.stringify(value)} is rejected`, () => {
        assertOneLine({ [variable]: value }, expected);
      });
    }

    it('AWS_SECRET_ACCESS_KEY without AWS_ACCESS_KEY_ID is rejected', () => {
      assertOneLine(
        { AWS_ACCESS_KEY_ID: undefined },
        /AWS_ACCESS_KEY_ID is not set: expected it together with AWS_SECRET_ACCESS_KEY/,
      );
    });

    it('AWS_WEB_IDENTITY_TOKEN_FILE without AWS_ROLE_ARN is rejected', () => {
      assertOneLine(
        { AWS_WEB_IDENTITY_TOKEN_FILE: '/var/run/token' },
        /AWS_ROLE_ARN is not set: web identity \(IRSA\) needs both/,
      );
    });

    it('SQS_DEFAULT_PATTERN accepts any non-empty pattern', () => {
      assert.equal(parseEnv({ ...LOCAL, SQS_DEFAULT_PATTERN: 'user.register' }).SQS_DEFAULT_PATTERN, 'user.register');
    });
  });

  describe('rules across variables', () => {
    it('rejects a receive request timeout that does not exceed the long poll by 5 s, naming both', () => {
      assertOneLine(
        { SQS_WAIT_TIME_SECONDS: '20', SQS_RECEIVE_REQUEST_TIMEOUT_MS: '20000' },
        /^Invalid environment: SQS_RECEIVE_REQUEST_TIMEOUT_MS must be at least SQS_WAIT_TIME_SECONDS\*1000 \+ 5000 = 25000 ms \(SQS_WAIT_TIME_SECONDS=20\).* \(got "20000"\)$/,
      );
      assert.deepEqual(errorsFor({ SQS_WAIT_TIME_SECONDS: '20', SQS_RECEIVE_REQUEST_TIMEOUT_MS: '25000' }), []);
      assert.deepEqual(errorsFor({ SQS_WAIT_TIME_SECONDS: '5', SQS_RECEIVE_REQUEST_TIMEOUT_MS: '10000' }), []);
    });

    it('rejects a heartbeat interval at or above the visibility timeout', () => {
      assertOneLine(
        { SQS_VISIBILITY_TIMEOUT: '30', SQS_HEARTBEAT_INTERVAL_SECONDS: '30' },
        /SQS_HEARTBEAT_INTERVAL_SECONDS must be below SQS_VISIBILITY_TIMEOUT \(30 s\)/,
      );
    });

    it('rejects a maximum visibility below the visibility timeout', () => {
      assertOneLine(
        { SQS_VISIBILITY_TIMEOUT: '600', SQS_MAX_VISIBILITY_SECONDS: '300' },
        /SQS_MAX_VISIBILITY_SECONDS must be at least SQS_VISIBILITY_TIMEOUT \(600 s\)/,
      );
    });

    it('rejects a backoff cap below the base', () => {
      assertOneLine(
        { SQS_BACKOFF_BASE_SECONDS: '60', SQS_BACKOFF_MAX_SECONDS: '30' },
        /SQS_BACKOFF_MAX_SECONDS must be at least SQS_BACKOFF_BASE_SECONDS \(60 s\)/,
      );
    });

    it('requires environment keys when APP_ENV is local, saying ~/.aws is never read', () => {
      assertOneLine(
        { APP_ENV: 'dev', AWS_ACCESS_KEY_ID: undefined, AWS_SECRET_ACCESS_KEY: undefined },
        /AWS_ACCESS_KEY_ID is not set: APP_ENV "dev" is local.*~\/\.aws\/credentials and ~\/\.aws\/config are never read/,
      );
    });

    it('requires a region and forbids endpoint overrides in pod environments', () => {
      assertOneLine(
        { ...POD, AWS_REGION: undefined },
        /AWS_REGION is not set: expected an AWS region when APP_ENV is production/,
      );
      assertOneLine(
        { ...POD, SQS_ENDPOINT: 'http://127.0.0.1:4566' },
        /SQS_ENDPOINT must be unset when APP_ENV is production/,
      );
      assertOneLine(
        { ...POD, AWS_STS_ENDPOINT: 'http://127.0.0.1:4566' },
        /AWS_STS_ENDPOINT must be unset when APP_ENV is production/,
      );
      assert.deepEqual(errorsFor({ ...POD, AWS_REGION: undefined, AWS_DEFAULT_REGION: 'eu-west-1' }), []);
    });

    it('requires an https Keycloak in pod environments, in one line; a local run or a loopback sidecar may use http', () => {
      assertOneLine(
        { ...POD, KEYCLOAK_URL: 'http://keycloak.keycloak.svc:8080' },
        /KEYCLOAK_URL must be https:\/\/ \(or a loopback sidecar\) when APP_ENV is production \(got "http:\/\/keycloak.keycloak.svc:8080"\)$/,
      );
      assert.deepEqual(errorsFor({ KEYCLOAK_URL: 'http://127.0.0.1:8080' }), []);
      assert.deepEqual(errorsFor({ ...POD, KEYCLOAK_URL: 'http://127.0.0.1:15001' }), []);
    });

    for (const variable of ['AWS_ENDPOINT_URL', 'AWS_ENDPOINT_URL_SQS', 'AWS_ENDPOINT_URL_STS']) {
      it(`refuses the SDK's ${variable}, in pods and locally, with one line naming it`, () => {
        const expected = new RegExp(
          `^Invalid environment: ${variable} must be unset: the service sets its AWS endpoints itself, .*web identity token`,
        );
        assertOneLine({ ...POD, [variable]: 'https://sts.example.com' }, expected);
        assertOneLine({ [variable]: 'http://127.0.0.1:4566' }, expected);
      });
    }

    it('in pods, accepts queue URLs on SQS endpoints of AWS: regional, legacy, VPC endpoint, FIPS, dual-stack, other partitions', () => {
      const accepted: Array<[string, string]> = [
        ['eu-west-1', 'https://sqs.eu-west-1.amazonaws.com/123456789012/orders'],
        ['us-east-1', 'https://queue.amazonaws.com/123456789012/orders'],
        ['eu-west-1', 'https://eu-west-1.queue.amazonaws.com/123456789012/orders.fifo'],
        ['eu-west-1', 'https://vpce-0a1b2c3d4e5f67890-abcdefgh.sqs.eu-west-1.vpce.amazonaws.com/123456789012/orders'],
        ['us-gov-west-1', 'https://sqs-fips.us-gov-west-1.amazonaws.com/123456789012/orders'],
        ['eu-west-1', 'https://sqs.eu-west-1.api.aws/123456789012/orders'],
        ['cn-north-1', 'https://sqs.cn-north-1.amazonaws.com.cn/123456789012/orders'],
        ['us-iso-east-1', 'https://sqs.us-iso-east-1.c2s.ic.gov/123456789012/orders'],
      ];
      for (const [region, url] of accepted) {
        assert.deepEqual(
          errorsFor({ ...POD, AWS_REGION: region, SQS_QUEUE_URL: url, SQS_DLQ_URL: url.replace('orders', 'dlq') }),
          [],
          url,
        );
      }
    });

    it('in pods, rejects a queue URL that is not on an SQS endpoint of AWS, one line naming the variable', () => {
      const rejected = [
        'https://sqs.eu-west-1.amazonaws.com.evil.example/123456789012/orders',
        'http://sqs.eu-west-1.amazonaws.com/123456789012/orders',
        'https://sqs.eu-west-1.amazonaws.com:8443/123456789012/orders',
        'https://s3.eu-west-1.amazonaws.com/123456789012/orders',
        'https://127.0.0.1:4566/000000000000/orders',
        'https://sqs.eu-west-1.amazonaws.com/orders',
      ];
      for (const url of rejected) {
        assertOneLine(
          { ...POD, SQS_QUEUE_URL: url },
          /^Invalid environment: SQS_QUEUE_URL must be an https queue URL on an SQS endpoint of AWS, such as .* when APP_ENV is production/,
        );
        assertOneLine(
          { ...POD, SQS_DLQ_URL: url },
          /^Invalid environment: SQS_DLQ_URL must be an https queue URL on an SQS endpoint of AWS/,
        );
      }
    });

    it('rejects a queue URL of another region than the one requests are signed for', () => {
      assertOneLine(
        { ...POD, SQS_QUEUE_URL: 'https://sqs.us-west-2.amazonaws.com/123456789012/orders' },
        /^Invalid environment: SQS_QUEUE_URL is in region us-west-2, but AWS_REGION is eu-west-1: SQS requests are signed for AWS_REGION/,
      );
      assertOneLine(
        { ...POD, SQS_QUEUE_URL: 'https://queue.amazonaws.com/123456789012/orders' },
        /SQS_QUEUE_URL is in region us-east-1, but AWS_REGION is eu-west-1/,
      );
    });

    it('TEST_ONLY_POD_SQS_ENDPOINT: a loopback URL in pods only', () => {
      assert.deepEqual(errorsFor({ ...POD, TEST_ONLY_POD_SQS_ENDPOINT: 'http://127.0.0.1:4566' }), []);
      assert.equal(
        loadConfig({
          ...LOCAL,
          ...POD,
          AWS_ACCESS_KEY_ID: '',
          AWS_SECRET_ACCESS_KEY: '',
          TEST_ONLY_POD_SQS_ENDPOINT: 'http://127.0.0.1:4566',
        }).aws.sqsEndpointIsTestHook,
        true,
      );
      assertOneLine(
        { ...POD, TEST_ONLY_POD_SQS_ENDPOINT: 'http://10.0.0.5:4566' },
        /^Invalid environment: TEST_ONLY_POD_SQS_ENDPOINT must be a loopback URL/,
      );
      assertOneLine(
        { TEST_ONLY_POD_SQS_ENDPOINT: 'http://127.0.0.1:4566' },
        /^Invalid environment: TEST_ONLY_POD_SQS_ENDPOINT must be unset: it is a test hook for pod mode; local runs set SQS_ENDPOINT/,
      );
    });

    it('locally without SQS_ENDPOINT, asks for it when the queue URL host cannot be called', () => {
      assertOneLine(
        { SQS_QUEUE_URL: 'http://sqs.us-east-1.127.0.0.1:4566/000000000000/work' },
        /^Invalid environment: SQS_ENDPOINT is not set: expected the local server's endpoint/,
      );
      assert.deepEqual(
        errorsFor({
          SQS_ENDPOINT: 'http://127.0.0.1:4566',
          SQS_QUEUE_URL: 'http://sqs.us-east-1.127.0.0.1:4566/000000000000/work',
        }),
        [],
      );
      assert.equal(
        loadConfig({ ...LOCAL, SQS_QUEUE_URL: 'https://sqs.eu-west-1.amazonaws.com/123456789012/orders' }).aws.region,
        'eu-west-1',
        "a local run takes the queue's region",
      );
    });

    it('rejects a delete linger the visibility timeout cannot absorb', () => {
      assertOneLine(
        { SQS_VISIBILITY_TIMEOUT: '20', SQS_HEARTBEAT_INTERVAL_SECONDS: '10', SQS_DELETE_LINGER_MS: '5001' },
        /^Invalid environment: SQS_DELETE_LINGER_MS must be at most \(SQS_VISIBILITY_TIMEOUT - SQS_HEARTBEAT_INTERVAL_SECONDS\) \* 500 = 5000 ms/,
      );
      assert.deepEqual(
        errorsFor({ SQS_VISIBILITY_TIMEOUT: '20', SQS_HEARTBEAT_INTERVAL_SECONDS: '10', SQS_DELETE_LINGER_MS: '5000' }),
        [],
      );
    });
  });

  describe('the registration policy', () => {
    it('grants nothing by default', () => {
      const { registration } = loadConfig(LOCAL).keycloak;
      assert.deepEqual(
        [registration.grantableRealmRoles, registration.grantableClientRoles, registration.grantableGroups],
        [[], [], []],
      );
      assert.deepEqual([registration.allowedAttributes, registration.sendActionsEmail], [[], false]);
    });

    it('reads comma-separated allowlists, group paths in one spelling', () => {
      const { registration } = loadConfig({
        ...LOCAL,
        KEYCLOAK_GRANTABLE_REALM_ROLES: 'customer, beta-tester',
        KEYCLOAK_GRANTABLE_CLIENT_ROLES: 'shop:buyer,urn:app:viewer',
        KEYCLOAK_GRANTABLE_GROUPS: 'customers, /customers/vip',
        KEYCLOAK_ALLOWED_ATTRIBUTES: 'tier,locale',
      }).keycloak;
      assert.deepEqual(registration.grantableRealmRoles, ['customer', 'beta-tester']);
      assert.deepEqual(registration.grantableClientRoles, ['shop:buyer', 'urn:app:viewer']);
      assert.deepEqual(registration.grantableGroups, ['/customers', '/customers/vip']);
      assert.deepEqual(registration.allowedAttributes, ['tier', 'locale']);
    });

    it('stops start-up with one line naming the variable for a name that could traverse a path', () => {
      for (const [variable, value] of [
        ['KEYCLOAK_GRANTABLE_REALM_ROLES', 'customer,../admin'],
        ['KEYCLOAK_GRANTABLE_REALM_ROLES', '..'],
        ['KEYCLOAK_GRANTABLE_CLIENT_ROLES', 'buyer'],
        ['KEYCLOAK_GRANTABLE_CLIENT_ROLES', 'shop:a%2Fb'],
        ['KEYCLOAK_GRANTABLE_GROUPS', '/customers/../staff'],
        ['KEYCLOAK_GRANTABLE_GROUPS', '/customers/'],
        ['KEYCLOAK_ALLOWED_ATTRIBUTES', 'nsw-registration'],
        ['KEYCLOAK_SEND_ACTIONS_EMAIL', 'maybe'],
      ] as const) {
        assertOneLine({ [variable]: value }, new RegExp(`^Invalid environment: ${variable} must be `));
      }
    });

    it('requires REGISTRATION_STAMP_SECRET of 32+ characters in pods, never echoing it', () => {
      assertOneLine(
        { ...POD, REGISTRATION_STAMP_SECRET: undefined },
        /^Invalid environment: REGISTRATION_STAMP_SECRET is not set: expected a secret of at least 32/,
      );
      const short = errorsFor({ ...POD, REGISTRATION_STAMP_SECRET: 'too-short-secret' });
      assert.equal(short.length, 1);
      assert.match(
        short[0]!,
        /REGISTRATION_STAMP_SECRET must be a secret of at least 32 characters \(got a value of 16 characters, not shown\)/,
      );
      const secret = 'a-pod-secret-of-at-least-32-characters';
      assert.equal(
        loadConfig(withPod({ REGISTRATION_STAMP_SECRET: secret })).keycloak.registration.stampSecret,
        secret,
      );
      // Locally a fixed development key keeps restarts recognising their own pending registrations.
      assert.ok(loadConfig(LOCAL).keycloak.registration.stampSecret.length >= 32);
    });
  });

  it('is a Standard Schema (usable as ConfigModule validationSchema)', () => {
    assert.equal(typeof envSchema['~standard'].validate, 'function');
  });

  it('.env.example lists every variable of the schema and is itself valid', () => {
    const text = readFileSync(new URL('../../../.env.example', import.meta.url), 'utf8');
    const example: Record<string, string> = {};
    for (const line of text.split('\n')) {
      const match = /^([A-Z0-9_]+)=(.*)$/.exec(line.trim());
      if (match) example[match[1]!] = match[2]!;
    }
    const documented = new Set([
      ...Object.keys(example),
      ...[...text.matchAll(/^#\s*([A-Z0-9_]+)=/gm)].map((m) => m[1]!),
    ]);
    const missing = ENV_VARIABLES.filter((key) => !documented.has(key));
    assert.deepEqual(missing, []);
    const config = loadConfig(example);
    assert.equal(config.app.isLocal, true);
    assert.equal(config.sqs.queueUrl, example.SQS_QUEUE_URL);
  });
});
