// moto's server, the Python AWS mock, for the FIFO message-group suite: unlike fauxqs it answers a
// receive on a FIFO queue the way AWS documents, with as many messages of one group as it can.
// `moto[server]` comes from PyPI into a virtualenv cached outside the repository; start() runs
// `moto_server` bound to loopback on a free port and waits until it answers SQS. The same
// virtualenv holds AWS's SNS Extended Client for Python (boto3, as moto), the official producer
// the large-message specs publish through; start() names its Python in SNS_EXTENDED_CLIENT_PYTHON.
//
// CLI: `node scripts/servers/moto.mjs provision` pre-fetches (CI images),
//      `node scripts/servers/moto.mjs run` starts it in the foreground until Ctrl-C.
import { spawn, spawnSync } from 'node:child_process';
import { closeSync, existsSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { cachePath } from '../lib/cache.mjs';
import { freePort } from '../lib/free-port.mjs';
import { answersSqs, stopChild, tail } from '../lib/server-process.mjs';

// 5.2.5 is the newest release on PyPI (`pip index versions moto`). Override to try another.
export const MOTO_VERSION = process.env.MOTO_VERSION ?? '5.2.5';
// The newest release on PyPI (`pip index versions amazon-sns-extended-client`); needs boto3 <2,
// which moto's own boto3 satisfies, so installing it changes nothing of moto's.
export const SNS_EXTENDED_CLIENT_VERSION = process.env.SNS_EXTENDED_CLIENT_VERSION ?? '1.0.1';
// moto 5.2 supports Python 3.9 and later.
const MIN_PYTHON = [3, 9];
const INSTALL_TIMEOUT_MS = 600_000;
const START_TIMEOUT_MS = 60_000;
const STOP_TIMEOUT_MS = 15_000;
const REGION = 'us-east-1';

/** The Python used to build the virtualenv: $PYTHON, else `python3` on PATH. */
function pythonBinary() {
  return process.env.PYTHON ?? 'python3';
}

function checkPython(python) {
  const res = spawnSync(python, ['-c', 'import sys, venv, ensurepip; print("%d.%d" % sys.version_info[:2])'], {
    encoding: 'utf8',
  });
  if (res.error) {
    throw new Error(
      `moto needs Python ${MIN_PYTHON.join('.')}+ with venv, but \`${python}\` cannot be run: ${res.error.message} (apt-get install python3 python3-venv)`,
    );
  }
  if (res.status !== 0) {
    const why = (res.stderr || res.stdout).trim().split('\n').pop();
    throw new Error(
      `moto needs Python's venv and ensurepip modules, and \`${python}\` lacks them (${why}); apt-get install python3-venv`,
    );
  }
  const [major, minor] = res.stdout.trim().split('.').map(Number);
  if (major < MIN_PYTHON[0] || (major === MIN_PYTHON[0] && minor < MIN_PYTHON[1])) {
    throw new Error(
      `moto ${MOTO_VERSION} needs Python ${MIN_PYTHON.join('.')}+; \`${python}\` is ${res.stdout.trim()}`,
    );
  }
}

/** The packages of the virtualenv, pinned; ready.txt lists them once they are all installed. */
function requirements(version) {
  return [`moto[server]==${version}`, `amazon-sns-extended-client==${SNS_EXTENDED_CLIENT_VERSION}`];
}

/**
 * Installs `moto[server]==<version>` and the SNS Extended Client into a virtualenv in the cache
 * unless already there. Returns `{ version, dir, motoServer, python }`; throws an Error naming
 * what is missing.
 */
export async function provision(version = MOTO_VERSION) {
  const dir = cachePath(`moto-${version}`);
  const venv = join(dir, 'venv');
  const motoServer = join(venv, 'bin', 'moto_server');
  const python = join(venv, 'bin', 'python');
  const readyFile = join(dir, 'ready.txt');
  const wanted = `${requirements(version).join('\n')}\n`;
  const provisioned = { version, dir, motoServer, python };
  if (existsSync(readyFile) && existsSync(motoServer)) {
    if (readFileSync(readyFile, 'utf8') === wanted) return provisioned;
    // A cache built before a package joined the list: add what is missing to the same venv.
    pipInstall(python, requirements(version));
    writeFileSync(readyFile, wanted);
    return provisioned;
  }

  const systemPython = pythonBinary();
  checkPython(systemPython);
  // A virtualenv is not relocatable (its scripts name their interpreter by absolute path), so it
  // is built in place; ready.txt, written last, marks it complete.
  rmSync(venv, { recursive: true, force: true });
  rmSync(readyFile, { force: true });
  const created = spawnSync(systemPython, ['-m', 'venv', venv], { encoding: 'utf8', timeout: 120_000 });
  if (created.status !== 0) {
    throw new Error(
      `\`${systemPython} -m venv ${venv}\` failed (apt-get install python3-venv?):\n${created.stdout}${created.stderr}${created.error?.message ?? ''}`,
    );
  }
  pipInstall(python, requirements(version));
  if (!existsSync(motoServer)) throw new Error(`moto_server missing from ${venv}/bin after pip install`);
  writeFileSync(readyFile, wanted);
  return provisioned;
}

function pipInstall(python, packages) {
  const installed = spawnSync(
    python,
    ['-m', 'pip', 'install', '--quiet', '--disable-pip-version-check', '--no-input', ...packages],
    { encoding: 'utf8', timeout: INSTALL_TIMEOUT_MS },
  );
  if (installed.status !== 0) {
    throw new Error(
      `pip install ${packages.join(' ')} from PyPI failed:\n${installed.stdout}${installed.stderr}${installed.error?.message ?? ''}`,
    );
  }
}

async function launch(motoServer, workDir) {
  const port = await freePort();
  const logFile = join(workDir, 'moto.log');
  const log = openSync(logFile, 'w');
  const child = spawn(motoServer, ['-H', '127.0.0.1', '-p', String(port)], {
    stdio: ['ignore', log, log],
    env: { ...process.env, PYTHONUNBUFFERED: '1', AWS_DEFAULT_REGION: REGION },
  });
  closeSync(log);
  const endpoint = `http://127.0.0.1:${port}`;
  const killOnExit = () => child.kill('SIGKILL');
  process.once('exit', killOnExit);
  const deadline = Date.now() + START_TIMEOUT_MS;
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null) {
      process.removeListener('exit', killOnExit);
      return {
        ok: false,
        why: `moto_server exited (${child.exitCode ?? child.signalCode}) during start-up:\n${tail(logFile)}`,
      };
    }
    if (await answersSqs(endpoint, REGION)) return { ok: true, child, endpoint, killOnExit };
    await new Promise((r) => setTimeout(r, 250));
  }
  await stopChild(child, STOP_TIMEOUT_MS);
  process.removeListener('exit', killOnExit);
  return {
    ok: false,
    why: `moto_server did not answer ListQueues on ${endpoint} within ${START_TIMEOUT_MS / 1000} s:\n${tail(logFile)}`,
  };
}

/**
 * Provisions (cached) and starts moto's server on 127.0.0.1:<free port>.
 * Returns `{ env: { SQS_TEST_ENDPOINT, SNS_EXTENDED_CLIENT_PYTHON }, endpoint, stop }`; stop() kills it and waits for exit.
 */
export async function start() {
  const { motoServer, python } = await provision();
  const workDir = mkdtempSync(join(tmpdir(), 'nsw-moto-'));
  // A free port can be taken between probing and binding; try again on another one.
  let launched;
  for (let attempt = 0; attempt < 3; attempt++) {
    launched = await launch(motoServer, workDir);
    if (launched.ok) break;
  }
  if (!launched.ok) {
    rmSync(workDir, { recursive: true, force: true });
    throw new Error(launched.why);
  }
  const { child, endpoint, killOnExit } = launched;
  return {
    env: { SQS_TEST_ENDPOINT: endpoint, SNS_EXTENDED_CLIENT_PYTHON: python },
    endpoint,
    stop: async () => {
      await stopChild(child, STOP_TIMEOUT_MS);
      process.removeListener('exit', killOnExit);
      rmSync(workDir, { recursive: true, force: true });
    },
  };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const command = process.argv[2] ?? 'provision';
  if (command === 'provision') {
    const started = Date.now();
    const { dir, version } = await provision();
    console.log(`moto ${version} ready in ${dir} (${Date.now() - started} ms)`);
  } else if (command === 'run') {
    const server = await start();
    console.log(`moto listening: SQS_TEST_ENDPOINT=${server.endpoint} (Ctrl-C stops it)`);
    const shutdown = () => {
      server.stop().then(() => process.exit(0));
    };
    process.once('SIGINT', shutdown);
    process.once('SIGTERM', shutdown);
  } else {
    console.error('usage: node scripts/servers/moto.mjs [provision|run]');
    process.exitCode = 2;
  }
}
