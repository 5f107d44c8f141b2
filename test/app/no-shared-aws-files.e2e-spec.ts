// The built service, in local mode and in pod mode, under strace with a HOME whose ~/.aws holds
// hostile settings (production keys, an endpoint_url, max_attempts = 1, a credential_process),
// and with AWS_CONFIG_FILE / AWS_SHARED_CREDENTIALS_FILE naming two more such files. Each run
// gets its credentials the way its mode allows, makes signed SQS calls against fauxqs, and must
// never touch one of those files, never call the endpoint they name, and log JSON only.
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { startFauxqs, type FauxqsServer } from 'fauxqs';
import { eventually } from '../support/eventually.js';
import {
  startContainerCredentials,
  startSqsForwarder,
  startSts,
  startThief,
  type StandIn,
} from './support/aws-stand-ins.js';
import { straceUnavailable, TracedService } from './support/traced-service.js';

const QUEUE = 'trace-work';
const DLQ = 'trace-work-dlq';
const PRODUCTION_KEY = 'AKIAPRODUCTIONFILE01';
const POD_KEY = 'ASIAPODIDENTITY00001';
const ASSUMED_KEY = 'ASIAASSUMEDROLE00001';

const unavailable = straceUnavailable();
if (unavailable && process.env.CI === 'true') throw new Error(`${unavailable}: .ci/run installs strace`);
if (unavailable) process.stderr.write(`\n*** SKIPPED the ~/.aws file-access trace: ${unavailable} ***\n\n`);

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/** A HOME with hostile ~/.aws files, plus two more at paths AWS_CONFIG_FILE-style variables name. */
function hostileHome(thief: string): { home: string; marker: string; userFiles: string[] } {
  const home = mkdtempSync(join(tmpdir(), 'nsw-trace-home-'));
  const marker = join(home, 'credential-process-ran');
  const config = [
    '[default]',
    'region = eu-central-1',
    `endpoint_url = ${thief}`,
    'max_attempts = 1',
    'retry_mode = adaptive',
    `credential_process = sh -c "touch ${marker}; echo '{\\"Version\\":1,\\"AccessKeyId\\":\\"${PRODUCTION_KEY}\\",\\"SecretAccessKey\\":\\"x\\"}'"`,
    'services = hostile',
    '[services hostile]',
    'sqs =',
    `  endpoint_url = ${thief}`,
    'sts =',
    `  endpoint_url = ${thief}`,
    '',
  ].join('\n');
  const credentials = `[default]\naws_access_key_id = ${PRODUCTION_KEY}\naws_secret_access_key = production-secret\n`;
  const userFiles = [join(home, 'elsewhere', 'config'), join(home, 'elsewhere', 'credentials')];
  for (const dir of [join(home, '.aws'), join(home, 'elsewhere')]) mkdirSync(dir);
  for (const file of [join(home, '.aws', 'config'), userFiles[0]!]) writeFileSync(file, config);
  for (const file of [join(home, '.aws', 'credentials'), userFiles[1]!]) writeFileSync(file, credentials);
  return { home, marker, userFiles };
}

describe('~/.aws is never read, in local or pod mode (file-access trace)', { skip: unavailable }, () => {
  let fauxqs: FauxqsServer;
  let forwarder: StandIn;
  let thief: StandIn;
  let sts: StandIn;
  let podCredentials: StandIn;
  let fixture: ReturnType<typeof hostileHome>;

  before(async () => {
    fauxqs = await startFauxqs({ port: 0, logger: false, host: '127.0.0.1' });
    fauxqs.createQueue(DLQ);
    fauxqs.createQueue(QUEUE);
    forwarder = await startSqsForwarder(`http://127.0.0.1:${fauxqs.port}`);
    thief = await startThief();
    sts = await startSts(ASSUMED_KEY);
    podCredentials = await startContainerCredentials('pod-identity-token', POD_KEY);
    fixture = hostileHome(thief.url);
  });

  after(async () => {
    await Promise.all([forwarder, thief, sts, podCredentials].map((s) => s?.close()));
    await fauxqs?.stop();
    if (fixture) rmSync(fixture.home, { recursive: true, force: true });
  });

  /** Runs the service until it is ready and has received from the queue, then stops it. */
  async function traced(
    name: string,
    env: Record<string, string>,
    options: { namedFiles: boolean },
  ): Promise<TracedService> {
    const httpPort = await freePort();
    // Without the two variables the SDK would read $HOME/.aws; with them, the files they name.
    const namedFiles: Record<string, string> = options.namedFiles
      ? { AWS_CONFIG_FILE: fixture.userFiles[0]!, AWS_SHARED_CREDENTIALS_FILE: fixture.userFiles[1]! }
      : {};
    const service = new TracedService(
      join(fixture.home, `${name}.strace`),
      {
        HOME: fixture.home,
        AWS_PROFILE: 'default',
        ...namedFiles,
        HTTP_PORT: String(httpPort),
        LOG_LEVEL: 'info',
        SQS_WAIT_TIME_SECONDS: '1',
        SQS_RECEIVE_REQUEST_TIMEOUT_MS: '6000',
        SQS_SHUTDOWN_GRACE_SECONDS: '1',
        KEYCLOAK_URL: 'https://127.0.0.1:9', // https: the pod case requires it
        KEYCLOAK_REALM: 'r',
        KEYCLOAK_CLIENT_ID: 'c',
        KEYCLOAK_CLIENT_SECRET: 's',
        ...env,
      },
      fixture.home,
    );
    const receivesBefore = forwarder.requests.filter((r) => r.target === 'AmazonSQS.ReceiveMessage').length;
    try {
      await eventually(
        async () => (await fetch(`http://127.0.0.1:${httpPort}/health/ready`)).status === 200,
        `${name}: /health/ready`,
        90_000,
        250,
      );
      await eventually(
        () => forwarder.requests.filter((r) => r.target === 'AmazonSQS.ReceiveMessage').length > receivesBefore,
        `${name}: a ReceiveMessage`,
        30_000,
      );
    } catch (err) {
      await service.stop(5_000);
      throw new Error(`${(err as Error).message}\n${service.tail()}`, { cause: err });
    }
    await service.stop();
    return service;
  }

  function assertNothingRead(service: TracedService): void {
    const trace = service.trace();
    assert.ok(
      trace.some((line) => line.includes('@aws-sdk/client-sqs')),
      'the trace saw the SDK load: it is not empty by mistake',
    );
    const forbidden = [join(fixture.home, '.aws'), ...fixture.userFiles];
    const touched = trace.filter((line) => forbidden.some((path) => line.includes(path)));
    assert.deepEqual(touched, [], 'no system call names a shared AWS file');
    assert.equal(existsSync(fixture.marker), false, 'credential_process never ran');
    assert.deepEqual(thief.requests, [], 'nothing was sent to the endpoint_url of the shared files');
    assert.deepEqual(service.nonJsonLines(), [], 'every line on stdout and stderr is JSON');
  }

  it('local: environment keys and an assumed role through a local STS; neither the files AWS_CONFIG_FILE / AWS_SHARED_CREDENTIALS_FILE name nor ~/.aws are opened', async () => {
    const endpoint = `http://127.0.0.1:${fauxqs.port}`;
    const service = await traced(
      'local',
      {
        APP_ENV: 'local',
        AWS_ACCESS_KEY_ID: 'AKIALOCALENVKEY00001',
        AWS_SECRET_ACCESS_KEY: 'local-secret',
        AWS_ASSUME_ROLE_ARN: 'arn:aws:iam::123456789012:role/cross',
        AWS_STS_ENDPOINT: sts.url,
        SQS_ENDPOINT: forwarder.url,
        SQS_QUEUE_URL: `${endpoint}/000000000000/${QUEUE}`,
        SQS_DLQ_URL: `${endpoint}/000000000000/${DLQ}`,
      },
      { namedFiles: true },
    );
    assertNothingRead(service);
    assert.match(
      sts.requests[0]?.authorization ?? '',
      /Credential=AKIALOCALENVKEY00001\//,
      'STS was called with the environment keys',
    );
    const signedWith = new Set(forwarder.requests.map((r) => r.signedWith));
    assert.deepEqual([...signedWith], [ASSUMED_KEY], 'every SQS call was signed with the assumed role');
  });

  it('pod (APP_ENV=production, EKS Pod Identity): ~/.aws is never opened', async () => {
    const tokenFile = join(fixture.home, 'pod-identity-token');
    writeFileSync(tokenFile, 'pod-identity-token');
    forwarder.requests.length = 0;
    const service = await traced(
      'pod',
      {
        APP_ENV: 'production',
        AWS_REGION: 'us-east-1',
        AWS_CONTAINER_CREDENTIALS_FULL_URI: `${podCredentials.url}/v1/credentials`,
        AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE: tokenFile,
        AWS_EC2_METADATA_DISABLED: 'true',
        SQS_QUEUE_URL: `https://sqs.us-east-1.amazonaws.com/000000000000/${QUEUE}`,
        SQS_DLQ_URL: `https://sqs.us-east-1.amazonaws.com/000000000000/${DLQ}`,
        TEST_ONLY_POD_SQS_ENDPOINT: forwarder.url,
      },
      { namedFiles: false },
    );
    assertNothingRead(service);
    assert.ok(podCredentials.requests.length >= 1, 'credentials came from the container credentials endpoint');
    assert.deepEqual(
      [...new Set(forwarder.requests.map((r) => r.signedWith))],
      [POD_KEY],
      'every SQS call was signed with the pod credentials',
    );
    assert.ok(
      service.lines.some(({ line }) => line.includes('TEST_ONLY_POD_SQS_ENDPOINT')),
      'the test hook announces itself',
    );
  });
});
