// Keycloak (org.keycloak:keycloak-quarkus-dist from Maven Central) for the user registration
// suites and for local development: `start-dev` with the in-memory H2 database, bound to
// loopback, the bootstrap admin from the environment and the realm of test/keycloak imported
// at start-up (a confidential client with a service account, groups and realm roles).
//
// Start-up on 2 cores is dominated by two costs, both paid once and cached outside the repo:
//  - Quarkus re-augmentation (~40 s), which start-dev skips when the build-time options match
//    what the dist persisted: provision() runs one warm-up start with the canonical options;
//  - class loading, cut by a dynamic CDS archive recorded by that warm-up run (JDK 19+),
//    and by a C1-only JIT (-XX:TieredStopAtLevel=1), right for a short-lived test server.
// Each start gets its own Keycloak home (data/, the realm file) that links to the shared dist,
// so the test run and `npm run keycloak:dev` can run side by side.
//
// CLI: `node scripts/servers/keycloak.mjs provision` pre-fetches and warms up (CI images),
//      `node scripts/servers/keycloak.mjs run` starts a test instance until Ctrl-C.
import { spawn, spawnSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import {
  closeSync,
  copyFileSync,
  createReadStream,
  createWriteStream,
  existsSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readFileSync,
  readdirSync,
  renameSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { cachePath } from '../lib/cache.mjs';
import { freePort } from '../lib/free-port.mjs';
import { tail, waitForExit } from '../lib/server-process.mjs';

// The newest release on Central when written; 26.x needs Java 21+, and runs on Temurin 25.
export const KEYCLOAK_VERSION = process.env.KEYCLOAK_VERSION ?? '26.7.3';
export const REALM_FILE = join(
  dirname(fileURLToPath(import.meta.url)),
  '..',
  '..',
  'test',
  'keycloak',
  'realm-nest-sqs-worker.json',
);
export const REALM = 'nest-sqs-worker';
export const CLIENT_ID = 'nest-sqs-worker';
const CENTRAL = 'https://repo1.maven.org/maven2/org/keycloak/keycloak-quarkus-dist';
const JDK_CANDIDATES = ['/usr/lib/jvm/temurin-25-jdk-amd64', '/usr/lib/jvm/temurin-21-jdk-amd64'];
const START_TIMEOUT_MS = 240_000;
const STOP_TIMEOUT_MS = 20_000;
// Build-time options: any change re-augments (slow), so every start passes exactly these.
const BUILD_OPTIONS = ['--db=dev-mem'];

/** A JDK 21+ for Keycloak: $KEYCLOAK_JAVA_HOME, Temurin 25/21, $JAVA_HOME, then PATH. */
export function keycloakJavaHome() {
  const candidates = [process.env.KEYCLOAK_JAVA_HOME, ...JDK_CANDIDATES, process.env.JAVA_HOME].filter(Boolean);
  for (const home of candidates) {
    if (existsSync(join(home, 'bin', 'java')) && javaMajor(join(home, 'bin', 'java')) >= 21) return home;
  }
  const onPath = spawnSync('sh', ['-c', 'readlink -f "$(command -v java)"'], { encoding: 'utf8' }).stdout.trim();
  if (onPath && javaMajor(onPath) >= 21) return dirname(dirname(onPath));
  throw new Error(
    `Keycloak ${KEYCLOAK_VERSION} needs Java 21+; none found (set KEYCLOAK_JAVA_HOME; tried ${candidates.join(', ')} and java on PATH)`,
  );
}

function javaMajor(java) {
  const res = spawnSync(java, ['-version'], { encoding: 'utf8' });
  const match = /version "(?:1\.)?(\d+)/.exec(res.stderr ?? '');
  return match ? Number(match[1]) : 0;
}

async function download(url, file) {
  const response = await fetch(url);
  if (!response.ok || !response.body) throw new Error(`GET ${url} answered ${response.status}`);
  await pipeline(Readable.fromWeb(response.body), createWriteStream(file));
}

async function sha1Of(file) {
  const hash = createHash('sha1');
  await pipeline(createReadStream(file), hash);
  return hash.digest('hex');
}

/** Downloads (checked against Central's SHA-1) and unpacks the distribution once. */
async function ensureDist(version) {
  const dir = cachePath('keycloak', version);
  const dist = join(dir, 'dist');
  if (existsSync(join(dist, 'bin', 'kc.sh')) && existsSync(join(dist, 'version.txt'))) return dist;
  const name = `keycloak-quarkus-dist-${version}.tar.gz`;
  const tarball = join(dir, name);
  if (!existsSync(tarball)) {
    const part = `${tarball}.part`;
    try {
      await download(`${CENTRAL}/${version}/${name}`, part);
      const expected = (await (await fetch(`${CENTRAL}/${version}/${name}.sha1`)).text()).trim().split(/\s+/)[0];
      const actual = await sha1Of(part);
      if (expected !== actual) throw new Error(`SHA-1 mismatch for ${name}: Central says ${expected}, got ${actual}`);
      renameSync(part, tarball);
    } catch (err) {
      rmSync(part, { force: true });
      throw new Error(`fetching ${name} from Maven Central failed: ${err instanceof Error ? err.message : err}`, {
        cause: err,
      });
    }
  }
  const unpacking = join(dir, `dist.tmp-${process.pid}`);
  rmSync(unpacking, { recursive: true, force: true });
  mkdirSync(unpacking);
  const tar = spawnSync('tar', ['-xzf', tarball, '-C', unpacking, '--strip-components=1'], { encoding: 'utf8' });
  if (tar.status !== 0) throw new Error(`unpacking ${tarball} failed: ${tar.stderr}`);
  rmSync(dist, { recursive: true, force: true });
  renameSync(unpacking, dist);
  // The download is fast; 180 MB of cache is not worth keeping it once unpacked.
  rmSync(tarball, { force: true });
  return dist;
}

/** Serialises provisioning between processes (test run and keycloak:dev) with a lock directory. */
async function withLock(dir, fn) {
  const lock = join(dir, 'provision.lock');
  const deadline = Date.now() + 15 * 60_000;
  for (;;) {
    try {
      mkdirSync(lock);
      writeFileSync(join(lock, 'pid'), String(process.pid));
      break;
    } catch {
      let holder = 0;
      try {
        holder = Number(readFileSync(join(lock, 'pid'), 'utf8'));
      } catch {
        /* being created */
      }
      if (holder && !isAlive(holder)) {
        rmSync(lock, { recursive: true, force: true });
        continue;
      }
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${lock} (held by pid ${holder})`);
      await new Promise((r) => setTimeout(r, 500));
    }
  }
  try {
    return await fn();
  } finally {
    rmSync(lock, { recursive: true, force: true });
  }
}

function isAlive(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

function warmMarker(dir, javaHome) {
  const key = createHash('sha256')
    .update(JSON.stringify({ BUILD_OPTIONS, javaHome, jdk: javaMajor(join(javaHome, 'bin', 'java')) }))
    .digest('hex')
    .slice(0, 16);
  return join(dir, `warm-${key}.json`);
}

/**
 * Downloads, unpacks and warms up Keycloak (augmentation + CDS archive) unless the cache has it.
 * Returns `{ version, dist, javaHome, cdsArchive }`; throws an Error saying what failed.
 */
export async function provision(version = KEYCLOAK_VERSION) {
  const javaHome = keycloakJavaHome();
  const dir = cachePath('keycloak', version);
  return withLock(dir, async () => {
    const dist = await ensureDist(version);
    const cdsArchive = join(dir, `keycloak-${javaMajor(join(javaHome, 'bin', 'java'))}.jsa`);
    const marker = warmMarker(dir, javaHome);
    if (!existsSync(marker) || !existsSync(cdsArchive)) {
      const started = Date.now();
      rmSync(cdsArchive, { force: true });
      const clientSecret = randomBytes(8).toString('hex');
      // First start: re-augments for BUILD_OPTIONS, exits and relaunches. Second start: runs
      // the server JVM alone, which is the one whose classes the CDS archive should hold.
      await (await launch({ dist, javaHome, clientSecret })).stop();
      await (await launch({ dist, javaHome, cdsArchive, recordCds: true, clientSecret })).stop();
      if (!existsSync(cdsArchive)) throw new Error(`the warm-up run did not write ${cdsArchive}`);
      writeFileSync(
        marker,
        `${JSON.stringify({ version, warmedInMs: Date.now() - started, at: new Date().toISOString() })}\n`,
      );
    }
    return { version, dist, javaHome, cdsArchive };
  });
}

/** A Keycloak home of its own (data/, realm import) whose lib, themes, conf and providers are the dist's. */
function makeHome(dist) {
  const home = mkdtempSync(join(tmpdir(), 'nsw-keycloak-'));
  for (const entry of ['lib', 'themes', 'providers', 'conf']) symlinkSync(join(dist, entry), join(home, entry));
  mkdirSync(join(home, 'data', 'import'), { recursive: true });
  copyFileSync(REALM_FILE, join(home, 'data', 'import', 'realm-nest-sqs-worker.json'));
  return home;
}

async function realmAnswers(url) {
  try {
    const res = await fetch(`${url}/realms/${REALM}/.well-known/openid-configuration`, {
      signal: AbortSignal.timeout(2_000),
    });
    return res.ok;
  } catch {
    return false;
  }
}

function signalGroup(child, signal) {
  try {
    process.kill(-child.pid, signal);
  } catch {
    /* already gone */
  }
}

/**
 * Starts one Keycloak and waits until the realm answers. Options: dist, javaHome, cdsArchive,
 * recordCds, port, managementPort, clientSecret, adminUser, adminPassword,
 * tokenLifespanSeconds, logFile ('inherit' streams to this terminal).
 * Returns `{ url, port, home, logFile, stop }`.
 */
export async function launch(options) {
  const port = options.port ?? (await freePort());
  const managementPort = options.managementPort ?? (await freePort());
  const home = makeHome(options.dist);
  const logFile = options.logFile ?? join(home, 'keycloak.log');
  const cds = options.recordCds
    ? `-XX:+AutoCreateSharedArchive -XX:SharedArchiveFile=${options.cdsArchive}`
    : existsSync(options.cdsArchive ?? '')
      ? `-XX:SharedArchiveFile=${options.cdsArchive}`
      : '';
  const env = {
    ...process.env,
    JAVA_HOME: options.javaHome,
    JAVA_OPTS_APPEND: `-XX:TieredStopAtLevel=1 -Xshare:auto ${cds}`.trim(),
    KC_BOOTSTRAP_ADMIN_USERNAME: options.adminUser ?? 'admin',
    KC_BOOTSTRAP_ADMIN_PASSWORD: options.adminPassword ?? 'admin',
    // ${NSW_KC_*} placeholders of the realm file, resolved by Keycloak at import.
    NSW_KC_CLIENT_SECRET: options.clientSecret,
    NSW_KC_ACCESS_TOKEN_LIFESPAN: String(options.tokenLifespanSeconds ?? 300),
  };
  const args = [
    // kc.sh derives the home from its own path; the later -D wins, giving this start its data/.
    `-Dkc.home.dir=${home}`,
    'start-dev',
    ...BUILD_OPTIONS,
    '--http-host=127.0.0.1',
    `--http-port=${port}`,
    `--http-management-port=${managementPort}`,
    '--import-realm',
  ];
  const out = logFile === 'inherit' ? 'inherit' : openSync(logFile, 'w');
  const child = spawn(join(options.dist, 'bin', 'kc.sh'), args, { env, stdio: ['ignore', out, out], detached: true });
  if (typeof out === 'number') closeSync(out);
  const killOnExit = () => signalGroup(child, 'SIGKILL');
  process.once('exit', killOnExit);
  const url = `http://127.0.0.1:${port}`;
  let stopped = false;
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    signalGroup(child, 'SIGTERM');
    if (!(await waitForExit(child, STOP_TIMEOUT_MS))) {
      signalGroup(child, 'SIGKILL');
      await waitForExit(child, STOP_TIMEOUT_MS);
    }
    process.removeListener('exit', killOnExit);
    rmSync(home, { recursive: true, force: true });
  };
  const deadline = Date.now() + START_TIMEOUT_MS;
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null) {
      const why = `Keycloak exited (${child.exitCode ?? child.signalCode}) during start-up:\n${logFile === 'inherit' ? '' : tail(logFile, 40)}`;
      await stop();
      throw new Error(why);
    }
    if (await realmAnswers(url)) return { url, port, managementPort, home, logFile, stop };
    await new Promise((r) => setTimeout(r, 250));
  }
  const why = `Keycloak did not serve realm ${REALM} on ${url} within ${START_TIMEOUT_MS / 1000} s:\n${logFile === 'inherit' ? '' : tail(logFile, 40)}`;
  await stop();
  throw new Error(why);
}

/**
 * Provisions (cached) and starts Keycloak on 127.0.0.1:<free port> with the test realm, a
 * random client secret and a random admin password. `stop()` kills it and waits for exit.
 */
export async function start() {
  const { dist, javaHome, cdsArchive } = await provision();
  const clientSecret = randomBytes(18).toString('base64url');
  const adminPassword = randomBytes(12).toString('base64url');
  // Short-lived tokens so the suites see the service-account token refreshed.
  const tokenLifespanSeconds = Number(process.env.KEYCLOAK_TEST_TOKEN_LIFESPAN ?? 30);
  const server = await launch({
    dist,
    javaHome,
    cdsArchive,
    clientSecret,
    adminUser: 'admin',
    adminPassword,
    tokenLifespanSeconds,
  });
  return {
    env: {
      KEYCLOAK_TEST_URL: server.url,
      KEYCLOAK_TEST_REALM: REALM,
      KEYCLOAK_TEST_CLIENT_ID: CLIENT_ID,
      KEYCLOAK_TEST_CLIENT_SECRET: clientSecret,
      KEYCLOAK_TEST_ADMIN_USER: 'admin',
      KEYCLOAK_TEST_ADMIN_PASSWORD: adminPassword,
      KEYCLOAK_TEST_TOKEN_LIFESPAN: String(tokenLifespanSeconds),
    },
    url: server.url,
    stop: server.stop,
  };
}

/** Sizes of the cache, for the CLI. */
function describeCache(version) {
  const dir = cachePath('keycloak', version);
  return readdirSync(dir)
    .map((f) => `${f} ${Math.round(statSync(join(dir, f)).size / 1e6)} MB`)
    .join(', ');
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const command = process.argv[2] ?? 'provision';
  if (command === 'provision') {
    const started = Date.now();
    const { dist, version, javaHome } = await provision();
    console.log(
      `Keycloak ${version} ready in ${dist} with ${javaHome} (${Date.now() - started} ms); cache: ${describeCache(version)}`,
    );
  } else if (command === 'run') {
    const started = Date.now();
    const server = await start();
    console.log(`Keycloak up in ${Date.now() - started} ms:`);
    for (const [key, value] of Object.entries(server.env)) console.log(`  ${key}=${value}`);
    const shutdown = () => {
      server.stop().then(() => process.exit(0));
    };
    process.once('SIGINT', shutdown);
    process.once('SIGTERM', shutdown);
  } else {
    console.error('usage: node scripts/servers/keycloak.mjs [provision|run]');
    process.exitCode = 2;
  }
}
