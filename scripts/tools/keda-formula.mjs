// The keda-formula binary (scripts/tools/keda-formula/main.go) for the chart suite: it evaluates
// the rendered scalingModifiers formula with expr-lang/expr, the library KEDA itself uses. Built
// with the Go toolchain from the module proxy and cached outside the repository, like helm,
// under a key that changes whenever the program or its pinned modules do.
//
// CLI: `node scripts/tools/keda-formula.mjs` builds if needed and prints the binary's path.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { cachePath } from '../lib/cache.mjs';
import { goEnv, requireGo } from '../lib/go-build.mjs';

const SOURCE = join(dirname(fileURLToPath(import.meta.url)), 'keda-formula');

function sourceHash() {
  const hash = createHash('sha256');
  for (const file of ['main.go', 'go.mod', 'go.sum']) hash.update(readFileSync(join(SOURCE, file)));
  return hash.digest('hex').slice(0, 16);
}

/** Returns the path of the cached binary, building it on first use. Throws saying what is missing. */
export function ensureKedaFormula() {
  const home = cachePath('keda-formula', sourceHash());
  const bin = join(home, 'keda-formula');
  if (existsSync(bin)) return bin;
  requireGo('keda-formula');
  // Build into a private directory and rename, so a half-written binary is never picked up.
  const staging = mkdtempSync(join(home, 'build-'));
  const built = spawnSync('go', ['build', '-trimpath', '-o', join(staging, 'keda-formula'), '.'], {
    cwd: SOURCE,
    encoding: 'utf8',
    env: goEnv({ GOFLAGS: '-modcacherw -mod=readonly' }),
  });
  if (built.status !== 0) {
    rmSync(staging, { recursive: true, force: true });
    throw new Error(`go build of ${SOURCE} failed:\n${built.stderr}`);
  }
  renameSync(join(staging, 'keda-formula'), bin);
  rmSync(staging, { recursive: true, force: true });
  return bin;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  try {
    console.log(ensureKedaFormula());
  } catch (err) {
    console.error(err instanceof Error ? err.message : err);
    process.exitCode = 1;
  }
}
