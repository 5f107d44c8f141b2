// The Dockerfile's runtime stage, replayed without Docker: a production-only install from the
// lockfile plus the compiled dist/, started with `node dist/main.js` against a local SQS
// (fauxqs). If a package the app needs at run time sits in devDependencies, the start fails here.
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { CreateQueueCommand, GetQueueAttributesCommand, SQSClient } from '@aws-sdk/client-sqs';

const ROOT = process.cwd();
const NPM_CACHE = join(process.env.NSW_CACHE_DIR ?? join(homedir(), '.cache', 'nest-sqs-worker'), 'npm');

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });
}

function run(cmd: string, args: string[], cwd: string) {
  const res = spawnSync(cmd, args, { cwd, encoding: 'utf8', env: { ...process.env, NODE_ENV: 'production' } });
  assert.equal(res.status, 0, `${cmd} ${args.join(' ')} failed:\n${res.stdout}${res.stderr}`);
}

function envExample(): Record<string, string> {
  const env: Record<string, string> = {};
  for (const line of readFileSync(join(ROOT, '.env.example'), 'utf8').split('\n')) {
    const m = /^([A-Z][A-Z0-9_]*)=(.*)$/.exec(line);
    if (m) env[m[1]] = m[2];
  }
  return env;
}

async function waitFor(
  what: string,
  ms: number,
  probe: () => Promise<boolean>,
  child?: ChildProcess,
  log?: () => string,
) {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (child && child.exitCode !== null)
      assert.fail(`${what}: process exited with ${child.exitCode}\n${log?.() ?? ''}`);
    if (await probe().catch(() => false)) return;
    await new Promise((r) => setTimeout(r, 250));
  }
  assert.fail(`${what}: not within ${ms / 1000} s\n${log?.() ?? ''}`);
}

/** The exit code, or the signal that ended the process. */
function exited(child: ChildProcess, ms: number): Promise<number | NodeJS.Signals | null | 'timeout'> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(child.exitCode ?? child.signalCode);
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve('timeout'), ms);
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      resolve(code ?? signal);
    });
  });
}

describe('Dockerfile runtime stage (replayed)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'nsw-runtime-'));
  let fauxqs: ChildProcess | undefined;
  let app: ChildProcess | undefined;
  let appLog = '';
  let env: Record<string, string>;

  before(async () => {
    assert.ok(existsSync(join(ROOT, 'src', 'main.ts')), 'src/main.ts does not exist yet');
    // Build stage: `npm run build`, written straight into the runtime directory.
    run(
      process.execPath,
      [
        join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'),
        '-p',
        join(ROOT, 'tsconfig.build.json'),
        '--outDir',
        join(dir, 'dist'),
        '--tsBuildInfoFile',
        join(dir, 'build.tsbuildinfo'),
      ],
      ROOT,
    );
    // Runtime stage: manifests, production-only install from the lockfile (npm cache reused).
    copyFileSync(join(ROOT, 'package.json'), join(dir, 'package.json'));
    copyFileSync(join(ROOT, 'package-lock.json'), join(dir, 'package-lock.json'));
    mkdirSync(NPM_CACHE, { recursive: true });
    run('npm', ['ci', '--omit=dev', '--no-audit', '--no-fund', '--prefer-offline', '--cache', NPM_CACHE], dir);
    assert.ok(!existsSync(join(dir, 'node_modules', 'typescript')), 'dev dependencies were installed');

    const sqsPort = await freePort();
    const endpoint = `http://127.0.0.1:${sqsPort}`;
    fauxqs = spawn(process.execPath, [join(ROOT, 'node_modules', 'fauxqs', 'dist', 'cli.js')], {
      env: { ...process.env, FAUXQS_PORT: String(sqsPort), FAUXQS_HOST: '127.0.0.1', FAUXQS_LOGGER: 'false' },
      stdio: 'ignore',
    });
    const sqs = new SQSClient({
      endpoint,
      region: 'us-east-1',
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    });
    await waitFor(
      'fauxqs',
      30_000,
      async () => {
        await sqs.send(new CreateQueueCommand({ QueueName: 'nest-sqs-worker-dlq' }));
        return true;
      },
      fauxqs,
    );
    const dlqUrl = (await sqs.send(new CreateQueueCommand({ QueueName: 'nest-sqs-worker-dlq' }))).QueueUrl!;
    const dlqArn = (await sqs.send(new GetQueueAttributesCommand({ QueueUrl: dlqUrl, AttributeNames: ['QueueArn'] })))
      .Attributes!.QueueArn!;
    const queueUrl = (
      await sqs.send(
        new CreateQueueCommand({
          QueueName: 'nest-sqs-worker',
          Attributes: { RedrivePolicy: JSON.stringify({ deadLetterTargetArn: dlqArn, maxReceiveCount: 5 }) },
        }),
      )
    ).QueueUrl!;
    sqs.destroy();

    env = {
      ...envExample(),
      PATH: process.env.PATH ?? '',
      NODE_ENV: 'production',
      HTTP_PORT: String(await freePort()),
      SQS_ENDPOINT: endpoint,
      SQS_QUEUE_URL: queueUrl,
      SQS_DLQ_URL: dlqUrl,
      SQS_WAIT_TIME_SECONDS: '1',
      SQS_SHUTDOWN_GRACE_SECONDS: '5',
      // Leave the machine's HOME (and any ~/.aws in it) out of reach, as in the image.
      HOME: dir,
    };
  });

  after(async () => {
    for (const child of [app, fauxqs]) {
      if (child && child.exitCode === null) {
        child.kill('SIGKILL');
        await exited(child, 5_000);
      }
    }
    rmSync(dir, { recursive: true, force: true });
  });

  it('runs the dead-letter command from the image: `node dist/cli/dlq.js stats`', () => {
    const res = spawnSync(process.execPath, ['dist/cli/dlq.js', 'stats', '--hold', '1'], {
      cwd: dir,
      env,
      encoding: 'utf8',
      timeout: 60_000,
    });
    assert.equal(res.status, 0, `dlq stats exited ${res.status}\n${res.stdout}\n${res.stderr}`);
    assert.match(res.stdout, /message\(s\) read/);
  });

  it('starts with `node dist/main.js`, answers /health/ready, and exits on SIGTERM within the grace period', async () => {
    app = spawn(process.execPath, ['dist/main.js'], { cwd: dir, env, stdio: ['ignore', 'pipe', 'pipe'] });
    app.stdout!.on('data', (b) => {
      appLog = (appLog + b).slice(-8_000);
    });
    app.stderr!.on('data', (b) => {
      appLog = (appLog + b).slice(-8_000);
    });
    const base = `http://127.0.0.1:${env.HTTP_PORT}`;
    await waitFor(
      '/health/ready',
      60_000,
      async () => (await fetch(`${base}/health/ready`)).status === 200,
      app,
      () => appLog,
    );
    assert.equal((await fetch(`${base}/health/live`)).status, 200);

    const graceMs = Number(env.SQS_SHUTDOWN_GRACE_SECONDS) * 1000;
    const t0 = Date.now();
    app.kill('SIGTERM');
    const code = await exited(app, graceMs + 5_000);
    assert.notEqual(code, 'timeout', `no exit within ${graceMs + 5_000} ms of SIGTERM\n${appLog}`);
    // Nest's shutdown hooks re-raise the signal once the app has closed, so a clean drain ends
    // by SIGTERM itself (exit status 143 in a container); a crash would be a non-zero code.
    assert.ok(code === 0 || code === 'SIGTERM', `clean exit after SIGTERM (got ${code})\n${appLog}`);
    assert.ok(Date.now() - t0 <= graceMs + 5_000);
  });
});
