import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { GetQueueAttributesCommand, SQSClient } from '@aws-sdk/client-sqs';
import type { AwsCredentialIdentity } from '@smithy/types';
import { startFauxqs, type FauxqsServer } from 'fauxqs';
import type { AwsConfig } from './aws.config.js';
import {
  createCredentialProvider,
  CredentialsUnavailableError,
  REFRESH_BEFORE_EXPIRY_MS,
  refreshing,
} from './aws-credentials.js';
import { loadConfig } from './configuration.js';
import { createSqsClientConfig } from './sqs-client.factory.js';

const local = (overrides: Partial<AwsConfig> = {}): AwsConfig => ({
  appEnv: 'local',
  podCredentials: false,
  region: 'us-east-1',
  hasEnvironmentKeys: true,
  ...overrides,
});
const pod = (overrides: Partial<AwsConfig> = {}): AwsConfig =>
  local({ appEnv: 'production', podCredentials: true, region: 'eu-west-1', hasEnvironmentKeys: false, ...overrides });

const PRODUCTION_KEY = 'AKIAPRODUCTIONFILE01';

/**
 * Runs `body` in a child process whose HOME is a temp dir holding production keys in ~/.aws,
 * a `credential_process`, and (with `endpointUrl`) an `endpoint_url` for every service.
 */
async function runWithAwsTrap(
  body: string,
  env: Record<string, string>,
  endpointUrl?: string,
): Promise<{ status: number | null; stdout: string; stderr: string }> {
  const home = mkdtempSync(join(tmpdir(), 'nsw-home-'));
  mkdirSync(join(home, '.aws'));
  const marker = join(home, 'credential-process-ran');
  writeFileSync(
    join(home, '.aws', 'credentials'),
    `[default]\naws_access_key_id = ${PRODUCTION_KEY}\naws_secret_access_key = production-secret\n`,
  );
  writeFileSync(
    join(home, '.aws', 'config'),
    `[default]\nregion = us-east-1\n${endpointUrl ? `endpoint_url = ${endpointUrl}\n` : ''}` +
      `credential_process = sh -c "touch ${marker}; echo '{\\"Version\\":1,\\"AccessKeyId\\":\\"${PRODUCTION_KEY}\\",\\"SecretAccessKey\\":\\"x\\"}'"\n`,
  );
  const moduleUrl = new URL('./aws-credentials.js', import.meta.url).href;
  const configUrl = new URL('./configuration.js', import.meta.url).href;
  // Nothing may leave the machine: a lookup of any host but loopback fails at once (and says
  // which host was wanted), so a provider aiming at a real AWS endpoint makes no traffic.
  const dnsGuard = `import dns from 'node:dns';
    const realLookup = dns.lookup;
    dns.lookup = (host, options, callback) => {
      const cb = typeof options === 'function' ? options : callback;
      if (host === 'localhost' || /^127\\./.test(host) || host === '::1') return realLookup(host, options, callback);
      process.stderr.write('BLOCKED-DNS ' + host + '\\n');
      const err = Object.assign(new Error('getaddrinfo ENOTFOUND ' + host), { code: 'ENOTFOUND', hostname: host });
      process.nextTick(() => cb(err));
    };`;
  const script = `${dnsGuard}\nimport * as creds from ${JSON.stringify(moduleUrl)}; import * as cfg from ${JSON.stringify(configUrl)};\n${body}`;
  const child = spawn(process.execPath, ['--input-type=module', '-e', script], {
    env: { PATH: process.env.PATH ?? '', HOME: home, USERPROFILE: home, AWS_PROFILE: 'default', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
  const status = await new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
  clearTimeout(timer);
  const ran = existsSync(marker);
  rmSync(home, { recursive: true, force: true });
  assert.equal(ran, false, 'credential_process from ~/.aws/config must never run');
  return { status, stdout, stderr };
}

describe('credential provider by APP_ENV', () => {
  it('local: environment keys only', async () => {
    const saved = { ...process.env };
    Object.assign(process.env, { AWS_ACCESS_KEY_ID: 'AKIALOCALENVKEY00001', AWS_SECRET_ACCESS_KEY: 'local-secret' });
    try {
      const result = createCredentialProvider(local());
      assert.match(result.source, /^environment keys only \(APP_ENV=local is local; ~\/\.aws is never read\)$/);
      const identity = await result.provider();
      assert.equal(identity.accessKeyId, 'AKIALOCALENVKEY00001');
      assert.equal(result.resolvedSource(), 'environment keys');
    } finally {
      process.env = saved;
    }
  });

  it('local without environment keys fails at once with a clear message', () => {
    assert.throws(
      () => createCredentialProvider(local({ appEnv: 'dev', hasEnvironmentKeys: false })),
      (err: unknown) =>
        err instanceof CredentialsUnavailableError &&
        /APP_ENV "dev" is local.*environment only; ~\/\.aws\/credentials and ~\/\.aws\/config are never read/.test(
          err.message,
        ),
    );
  });

  for (const appEnv of ['production', 'staging', 'integration']) {
    it(`${appEnv}: the pod chain, announcing the source it expects`, () => {
      const irsa = createCredentialProvider(
        pod({ appEnv, webIdentity: { tokenFile: '/var/run/token', roleArn: 'arn:aws:iam::123456789012:role/worker' } }),
        { processEnv: {} },
      );
      assert.match(
        irsa.source,
        new RegExp(
          `^pod chain for APP_ENV=${appEnv}, expecting web identity token file \\(IRSA, role arn:aws:iam::123456789012:role/worker\\)`,
        ),
      );
      assert.match(
        irsa.source,
        /order: environment keys -> web identity token file .* -> instance metadata .*~\/\.aws is never read/,
      );
      const podIdentity = createCredentialProvider(pod({ appEnv }), {
        processEnv: { AWS_CONTAINER_CREDENTIALS_FULL_URI: 'http://169.254.170.23/v1/credentials' },
      });
      assert.match(podIdentity.source, /expecting container credentials endpoint \(EKS Pod Identity \/ ECS\)/);
      const instance = createCredentialProvider(pod({ appEnv }), { processEnv: {} });
      assert.match(instance.source, /expecting instance metadata \(EC2 instance role\)/);
    });
  }

  it('pod chain: resolves from the container credentials endpoint with its authorization token file', async () => {
    const tokenDir = mkdtempSync(join(tmpdir(), 'nsw-pod-identity-'));
    const tokenFile = join(tokenDir, 'token');
    writeFileSync(tokenFile, 'pod-identity-token');
    let authorization: string | undefined;
    const endpoint = createServer((req, res) => {
      authorization = req.headers.authorization;
      res.setHeader('content-type', 'application/json');
      res.end(
        JSON.stringify({
          AccessKeyId: 'ASIAPODIDENTITY00001',
          SecretAccessKey: 's',
          Token: 't',
          Expiration: new Date(Date.now() + 3_600_000).toISOString(),
        }),
      );
    });
    await new Promise<void>((resolve) => endpoint.listen(0, '127.0.0.1', resolve));
    const saved = { ...process.env };
    for (const key of ['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN']) delete process.env[key];
    Object.assign(process.env, {
      AWS_CONTAINER_CREDENTIALS_FULL_URI: `http://127.0.0.1:${(endpoint.address() as AddressInfo).port}/v1/credentials`,
      AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE: tokenFile,
      AWS_EC2_METADATA_DISABLED: 'true',
    });
    try {
      const result = createCredentialProvider(pod());
      const identity = await result.provider();
      assert.equal(identity.accessKeyId, 'ASIAPODIDENTITY00001');
      assert.equal(authorization, 'pod-identity-token');
      assert.equal(result.resolvedSource(), 'container credentials endpoint (EKS Pod Identity / ECS)');
    } finally {
      process.env = saved;
      endpoint.close();
      rmSync(tokenDir, { recursive: true, force: true });
    }
  });

  describe('the ~/.aws trap (a temporary HOME whose shared files hold production keys)', () => {
    it('local without environment keys: start-up fails with a clear message, the file is not used', async () => {
      const { status, stdout } = await runWithAwsTrap(
        `const out = {};
         try { cfg.loadConfig({ ...process.env, SQS_QUEUE_URL: 'http://127.0.0.1:1/0/q', KEYCLOAK_URL: 'http://k', KEYCLOAK_REALM: 'r', KEYCLOAK_CLIENT_ID: 'c', KEYCLOAK_CLIENT_SECRET: 's' }); out.config = 'loaded'; } catch (e) { out.config = e.message; }
         try { creds.createCredentialProvider({ appEnv: 'local', podCredentials: false, region: 'us-east-1', hasEnvironmentKeys: false }); out.provider = 'built'; } catch (e) { out.provider = e.message; }
         console.log(JSON.stringify(out));`,
        { APP_ENV: 'local' },
      );
      assert.equal(status, 0);
      const out = JSON.parse(stdout) as { config: string; provider: string };
      assert.match(
        out.config,
        /^Invalid environment: AWS_ACCESS_KEY_ID is not set: APP_ENV "local" is local.*never read/,
      );
      assert.match(out.provider, /^No AWS credentials: APP_ENV "local" is local/);
      assert.doesNotMatch(stdout, new RegExp(PRODUCTION_KEY));
    });

    it('local even when the config claims keys but the environment has none: resolution fails, never reads the file', async () => {
      const { status, stdout } = await runWithAwsTrap(
        `const p = creds.createCredentialProvider({ appEnv: 'local', podCredentials: false, region: 'us-east-1', hasEnvironmentKeys: true });
         try { const c = await p.provider(); console.log('RESOLVED ' + c.accessKeyId); } catch (e) { console.log('FAILED ' + e.message); }`,
        { APP_ENV: 'local' },
      );
      assert.equal(status, 0);
      assert.match(stdout, /^FAILED No AWS credentials: APP_ENV "local" is local and uses environment keys only/);
    });

    it('local with environment keys: the environment keys are used, not the file', async () => {
      const { status, stdout } = await runWithAwsTrap(
        `const c = await creds.createCredentialProvider({ appEnv: 'local', podCredentials: false, region: 'us-east-1', hasEnvironmentKeys: true }).provider();
         console.log(c.accessKeyId);`,
        { APP_ENV: 'local', AWS_ACCESS_KEY_ID: 'AKIALOCALENVKEY00001', AWS_SECRET_ACCESS_KEY: 'x' },
      );
      assert.equal(status, 0);
      assert.equal(stdout.trim(), 'AKIALOCALENVKEY00001');
    });

    it('production with no pod source: resolution fails with the chain it tried, never the file', async () => {
      const { status, stdout } = await runWithAwsTrap(
        `const p = creds.createCredentialProvider({ appEnv: 'production', podCredentials: true, region: 'eu-west-1', hasEnvironmentKeys: false });
         try { const c = await p.provider(); console.log('RESOLVED ' + c.accessKeyId); } catch (e) { console.log('FAILED ' + e.message); }`,
        { APP_ENV: 'production', AWS_EC2_METADATA_DISABLED: 'true' },
      );
      assert.equal(status, 0);
      assert.match(
        stdout,
        /^FAILED No AWS credentials: APP_ENV "production" uses the pod chain \(~\/\.aws is never read\)\. Tried environment keys: /,
      );
      assert.doesNotMatch(stdout, new RegExp(PRODUCTION_KEY));
    });

    describe('IRSA (web identity token file)', () => {
      let sts: ReturnType<typeof startSts>;
      let thief: Server;
      const thiefRequests: string[] = [];
      let tokenDir: string;

      before(async () => {
        sts = startSts(3_600_000, 'AssumeRoleWithWebIdentity');
        thief = createServer((req, res) => {
          thiefRequests.push(`${req.method} ${req.url}`);
          res.statusCode = 500;
          res.end();
        });
        await Promise.all(
          [sts.server, thief].map((server) => new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))),
        );
        tokenDir = mkdtempSync(join(tmpdir(), 'nsw-irsa-'));
        writeFileSync(join(tokenDir, 'token'), 'irsa-service-account-token');
      });

      after(() => {
        sts.server.close();
        thief.close();
        rmSync(tokenDir, { recursive: true, force: true });
      });

      const irsaBody = (stsEndpoint?: string) =>
        `const aws = { appEnv: 'production', podCredentials: true, region: 'eu-west-1', hasEnvironmentKeys: false,
           webIdentity: { tokenFile: ${JSON.stringify(join(tokenDir, 'token'))}, roleArn: 'arn:aws:iam::123456789012:role/worker' }${stsEndpoint ? `, stsEndpoint: ${JSON.stringify(stsEndpoint)}` : ''} };
         const p = creds.createCredentialProvider(aws, { processEnv: {} });
         try { const c = await p.provider(); console.log('RESOLVED ' + c.accessKeyId); } catch (e) { console.log('FAILED ' + e.message); }`;
      const endpointOf = (server: Server) => `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

      it('resolves through AssumeRoleWithWebIdentity, the shared files unread', async () => {
        const { stdout } = await runWithAwsTrap(
          irsaBody(endpointOf(sts.server)),
          { APP_ENV: 'production', AWS_EC2_METADATA_DISABLED: 'true' },
          endpointOf(thief),
        );
        assert.equal(stdout.trim(), 'RESOLVED ASIAASSUMED00000001');
        assert.match(sts.requests[0]!.body, /Action=AssumeRoleWithWebIdentity/);
        assert.match(sts.requests[0]!.body, /WebIdentityToken=irsa-service-account-token/);
      });

      it('never sends the token to the endpoint_url of ~/.aws/config', async () => {
        // With no STS endpoint given, the regional one is the target (the DNS guard stops the
        // call before anything leaves the machine): never the file's endpoint_url.
        const { stderr } = await runWithAwsTrap(
          irsaBody(),
          { APP_ENV: 'production', AWS_EC2_METADATA_DISABLED: 'true' },
          endpointOf(thief),
        );
        assert.deepEqual(thiefRequests, []);
        assert.match(stderr, /BLOCKED-DNS sts\.eu-west-1\.amazonaws\.com/);
      });
    });
  });
});

describe('refreshing credentials', () => {
  const identity = (n: number, expiresAt?: number): AwsCredentialIdentity => ({
    accessKeyId: `ASIA${n}`,
    secretAccessKey: 's',
    expiration: expiresAt === undefined ? undefined : new Date(expiresAt),
  });

  it('caches until 5 minutes before expiry, then renews (fake clock)', async () => {
    let clock = 1_000_000;
    let calls = 0;
    const provider = refreshing(
      async () => identity(++calls, clock + 15 * 60_000),
      () => clock,
    );
    assert.equal((await provider()).accessKeyId, 'ASIA1');
    clock += 15 * 60_000 - REFRESH_BEFORE_EXPIRY_MS - 1;
    assert.equal((await provider()).accessKeyId, 'ASIA1');
    assert.equal(calls, 1);
    clock += 2;
    assert.equal((await provider()).accessKeyId, 'ASIA2');
    assert.equal(calls, 2);
  });

  it('shares one renewal between concurrent callers', async () => {
    let calls = 0;
    const provider = refreshing(async () => {
      calls += 1;
      await new Promise((resolve) => setTimeout(resolve, 10));
      return identity(calls, Date.now() + 3_600_000);
    });
    await Promise.all([provider(), provider(), provider()]);
    assert.equal(calls, 1);
  });

  it('keeps serving still-valid credentials when a renewal fails, and fails once they expired', async () => {
    let clock = 0;
    let fail = false;
    const provider = refreshing(
      async () => {
        if (fail) throw new Error('STS unavailable');
        return identity(1, clock + 10 * 60_000);
      },
      () => clock,
    );
    await provider();
    fail = true;
    clock += 6 * 60_000;
    assert.equal((await provider()).accessKeyId, 'ASIA1');
    clock += 5 * 60_000;
    await assert.rejects(provider(), /STS unavailable/);
  });

  it('never renews credentials without an expiration (static environment keys)', async () => {
    let calls = 0;
    const provider = refreshing(
      async () => identity(++calls),
      () => Number.MAX_SAFE_INTEGER,
    );
    await provider();
    await provider();
    assert.equal(calls, 1);
  });
});

/** An STS stand-in answering `action` with credentials that expire `lifetimeMs` from now. */
function startSts(lifetimeMs: number, action = 'AssumeRole') {
  const requests: Array<{ body: string; authorization?: string }> = [];
  const server: Server = createServer((req: IncomingMessage, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString()));
    req.on('end', () => {
      requests.push({ body, authorization: req.headers.authorization });
      const n = requests.length;
      res.setHeader('content-type', 'text/xml');
      res.end(`<${action}Response xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><${action}Result>
<Credentials><AccessKeyId>ASIAASSUMED0000000${n}</AccessKeyId><SecretAccessKey>secret-${n}</SecretAccessKey><SessionToken>token-${n}</SessionToken>
<Expiration>${new Date(Date.now() + lifetimeMs).toISOString()}</Expiration></Credentials>
<AssumedRoleUser><AssumedRoleId>AROATEST:worker</AssumedRoleId><Arn>arn:aws:sts::123456789012:assumed-role/cross/worker</Arn></AssumedRoleUser>
</${action}Result><ResponseMetadata><RequestId>r-${n}</RequestId></ResponseMetadata></${action}Response>`);
    });
  });
  return { server, requests };
}

describe('cross-account role (AWS_ASSUME_ROLE_ARN)', () => {
  let fauxqs: FauxqsServer;
  let sts: ReturnType<typeof startSts>;
  let queueUrl: string;
  const saved = { ...process.env };

  before(async () => {
    fauxqs = await startFauxqs({ port: 0, logger: false });
    queueUrl = fauxqs.createQueue('assume-role-test').queueUrl;
    // Expires 300.8 s from issue: inside the renewal window about a second after it is issued.
    sts = startSts(REFRESH_BEFORE_EXPIRY_MS + 800);
    await new Promise<void>((resolve) => sts.server.listen(0, '127.0.0.1', resolve));
    Object.assign(process.env, { AWS_ACCESS_KEY_ID: 'AKIAMASTERKEY0000001', AWS_SECRET_ACCESS_KEY: 'master-secret' });
  });

  after(async () => {
    process.env = saved;
    sts.server.close();
    await fauxqs.stop();
  });

  it('signs SQS calls with assumed-role credentials that renew themselves, never frozen at start-up', async () => {
    const stsEndpoint = `http://127.0.0.1:${(sts.server.address() as AddressInfo).port}`;
    const config = loadConfig({
      APP_ENV: 'local',
      AWS_ACCESS_KEY_ID: 'AKIAMASTERKEY0000001',
      AWS_SECRET_ACCESS_KEY: 'master-secret',
      SQS_ENDPOINT: `http://127.0.0.1:${fauxqs.port}`,
      AWS_STS_ENDPOINT: stsEndpoint,
      SQS_QUEUE_URL: queueUrl,
      AWS_ASSUME_ROLE_ARN: 'arn:aws:iam::123456789012:role/cross',
      AWS_ASSUME_ROLE_SESSION_NAME: 'worker',
      AWS_ASSUME_ROLE_DURATION_SECONDS: '900',
      KEYCLOAK_URL: 'http://127.0.0.1:8080',
      KEYCLOAK_REALM: 'r',
      KEYCLOAK_CLIENT_ID: 'c',
      KEYCLOAK_CLIENT_SECRET: 's',
    });
    const credentials = createCredentialProvider(config.aws);
    assert.match(
      credentials.source,
      /^role arn:aws:iam::123456789012:role\/cross assumed through STS at http:\/\/127\.0\.0\.1:\d+ \(session worker, 900 s, renewed before expiry\) with base credentials from environment keys only/,
    );
    const client = new SQSClient(createSqsClientConfig(config, credentials));
    const signedWith: string[] = [];
    client.middlewareStack.add(
      (next) => async (args) => {
        const headers = (args.request as { headers: Record<string, string> }).headers;
        signedWith.push(/Credential=([A-Z0-9]+)\//.exec(headers.authorization ?? '')?.[1] ?? '');
        return next(args);
      },
      { step: 'deserialize', name: 'captureSigningKey' },
    );
    try {
      await client.send(new GetQueueAttributesCommand({ QueueUrl: queueUrl }));
      await client.send(new GetQueueAttributesCommand({ QueueUrl: queueUrl }));
      assert.equal(sts.requests.length, 1, 'credentials are cached while fresh');
      await new Promise((resolve) => setTimeout(resolve, 1_200));
      await client.send(new GetQueueAttributesCommand({ QueueUrl: queueUrl }));
      assert.equal(sts.requests.length, 2, 'the role was assumed again before the credentials expired');
      assert.deepEqual(signedWith, ['ASIAASSUMED00000001', 'ASIAASSUMED00000001', 'ASIAASSUMED00000002']);
      assert.match(sts.requests[0]!.body, /Action=AssumeRole/);
      assert.match(sts.requests[0]!.body, /RoleArn=arn%3Aaws%3Aiam%3A%3A123456789012%3Arole%2Fcross/);
      assert.match(sts.requests[0]!.body, /DurationSeconds=900/);
      assert.match(
        sts.requests[0]!.authorization ?? '',
        /Credential=AKIAMASTERKEY0000001\//,
        'STS is called with the base (environment) credentials',
      );
    } finally {
      client.destroy();
    }
  });
});
