// The Dockerfile's runtime stage, replayed without Docker: a production-only install from the
// lockfile (install scripts off) plus dist/ as tsconfig.image.json compiles it, started with
// `node dist/main.js` against a local SQS (fauxqs). If a package the app needs at run time sits
// in devDependencies, or the service imports a file the image leaves out, the start fails here.
// It also checks what the image holds (production files only) and prints the files' size.
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { createServer } from 'node:net';
import { homedir, tmpdir } from 'node:os';
import { join, relative } from 'node:path';
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

/** Every file under `dir`, relative to it. */
function filesUnder(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => relative(dir, join(e.parentPath, e.name)));
}

/** The instructions of the Dockerfile's runtime stage, and the default of each ARG. */
function dockerfile(): { runtime: string[]; args: Record<string, string> } {
  const lines = readFileSync(join(ROOT, 'Dockerfile'), 'utf8')
    .split('\n')
    .filter((l) => l.trim() && !l.startsWith('#'));
  const args = Object.fromEntries(
    lines.map((l) => /^ARG (\w+)=(\S+)$/.exec(l)).flatMap((m) => (m ? [[m[1]!, m[2]!]] : [])),
  );
  const start = lines.findIndex((l) => / AS runtime$/.test(l));
  return { runtime: lines.slice(start), args };
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
    // Build stage: `tsc -p tsconfig.image.json`, written straight into the runtime directory.
    const tsc = join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
    run(process.execPath, [tsc, '-p', join(ROOT, 'tsconfig.image.json'), '--outDir', join(dir, 'dist')], ROOT);
    // Dependencies stage: production-only install from the lockfile, no install scripts (npm
    // cache reused); the runtime stage copies node_modules and package.json, not the lockfile.
    copyFileSync(join(ROOT, 'package.json'), join(dir, 'package.json'));
    copyFileSync(join(ROOT, 'package-lock.json'), join(dir, 'package-lock.json'));
    mkdirSync(NPM_CACHE, { recursive: true });
    const install = ['ci', '--omit=dev', '--ignore-scripts', '--no-audit', '--no-fund'];
    run('npm', [...install, '--prefer-offline', '--cache', NPM_CACHE], dir);
    rmSync(join(dir, 'package-lock.json'));
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

  it('is distroless Node 24, non-root, pinned by digest, and installs with no install scripts', () => {
    const { runtime, args } = dockerfile();
    assert.match(args.RUNTIME_IMAGE ?? '', /^gcr\.io\/distroless\/nodejs24-debian12:nonroot@sha256:[a-f0-9]{64}$/);
    assert.match(args.BUILD_IMAGE ?? '', /^node:24-[\w.-]+@sha256:[a-f0-9]{64}$/);
    assert.equal(runtime[0], 'FROM ${RUNTIME_IMAGE} AS runtime');
    // A RUN needs a shell, which the runtime has none of; it only receives files.
    assert.deepEqual(
      runtime.filter((l) => /^RUN /.test(l)),
      [],
    );
    assert.match(runtime.find((l) => l.startsWith('USER ')) ?? '', /^USER [1-9]\d*:[1-9]\d*$/);
    const text = readFileSync(join(ROOT, 'Dockerfile'), 'utf8');
    for (const npmCi of text.match(/npm ci[^\n]*/g) ?? []) assert.match(npmCi, /--ignore-scripts/);
    // Nothing in the tree needs its install script to run (the root's preinstall only checks Node).
    const lock = JSON.parse(readFileSync(join(ROOT, 'package-lock.json'), 'utf8')) as {
      packages: Record<string, { hasInstallScript?: boolean }>;
    };
    // Reviewed exceptions, each with what its skipped script would have done.
    const reviewed: Record<string, string> = {
      // scripts/postinstall.js only warns when a dependent pins it with another version scheme.
      'node_modules/protobufjs': 'a version-scheme warning',
    };
    const scripted = Object.entries(lock.packages).filter(
      ([name, p]) => name !== '' && p.hasInstallScript && !(name in reviewed),
    );
    assert.deepEqual(
      scripted.map(([name]) => name),
      [],
    );
  });

  it('holds production files only: no dev tools, test kit, source maps or build info; prints its size', (t) => {
    const files = filesUnder(dir);
    const unwanted = files.filter(
      (f) =>
        f.startsWith('dist/dev/') ||
        f.startsWith('dist/sqs/testing/') ||
        f.endsWith('.tsbuildinfo') ||
        (f.startsWith('dist/') && f.endsWith('.map')) ||
        f.startsWith('node_modules/typescript/') ||
        f === 'package-lock.json',
    );
    assert.deepEqual(unwanted, []);
    for (const needed of ['package.json', 'dist/main.js', 'dist/cli/dlq.js']) assert.ok(files.includes(needed), needed);
    const size = (prefix: string) => {
      const under = files.filter((f) => f.startsWith(prefix));
      const bytes = under.reduce((sum, f) => sum + statSync(join(dir, f)).size, 0);
      return `${(bytes / 1024 / 1024).toFixed(1)} MiB in ${under.length} files`;
    };
    const line = `runtime stage files (without the base image): ${size('')}; dist/ ${size('dist/')}; node_modules/ ${size('node_modules/')}`;
    t.diagnostic(line);
  });

  it('runs the dead-letter command from the image: `dist/cli/dlq.js stats`', () => {
    const res = spawnSync(process.execPath, ['dist/cli/dlq.js', 'stats', '--hold', '1'], {
      cwd: dir,
      env,
      encoding: 'utf8',
      timeout: 60_000,
    });
    assert.equal(res.status, 0, `dlq stats exited ${res.status}\n${res.stdout}\n${res.stderr}`);
    assert.match(res.stdout, /message\(s\) read/);
  });

  it("starts with the image's CMD (node flags, dist/main.js), answers /health/ready, and exits on SIGTERM within the grace period", async () => {
    // The entrypoint is node itself: CMD is node's arguments.
    const cmdLine = dockerfile().runtime.find((l) => l.startsWith('CMD '));
    assert.ok(cmdLine, 'the runtime stage has a CMD');
    const cmd = JSON.parse(cmdLine.slice('CMD '.length)) as string[];
    app = spawn(process.execPath, cmd, { cwd: dir, env, stdio: ['ignore', 'pipe', 'pipe'] });
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
