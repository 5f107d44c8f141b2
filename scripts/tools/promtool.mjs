// The promtool binary for the metrics and alert-rule checks, built from the Prometheus Go module
// with `go install` (the module proxy is reachable where release downloads are not) and cached
// outside the repository, like helm (scripts/tools/helm.mjs).
//
// CLI: `node scripts/tools/promtool.mjs` builds if needed and prints the binary's path.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { cachePath } from '../lib/cache.mjs';
import { goEnv, requireGo } from '../lib/go-build.mjs';

// Prometheus 3.x is published on the module proxy as v0.3xx.y (v0.316.0 is Prometheus 3.16.0).
// Pinned so that CI and laptops check with the same promtool; PROMTOOL_VERSION overrides it.
export const PROMTOOL_VERSION = 'v0.316.0';
const MODULE = 'github.com/prometheus/prometheus';

/**
 * Returns the path of a cached promtool binary, building it with `go install` on first use
 * (several minutes the first time). Throws an Error saying what is missing.
 */
export async function ensurePromtool() {
  const version = process.env.PROMTOOL_VERSION ?? PROMTOOL_VERSION;
  const home = cachePath('promtool', version);
  const bin = join(home, 'bin', 'promtool');
  if (existsSync(bin)) return bin;

  requireGo(`promtool ${version}`);
  // Build into a private directory and rename, so a half-written binary is never picked up.
  const staging = mkdtempSync(join(home, 'bin-'));
  const built = spawnSync('go', ['install', '-trimpath', '-ldflags=-s -w', `${MODULE}/cmd/promtool@${version}`], {
    encoding: 'utf8',
    env: goEnv({ GOBIN: staging }),
  });
  if (built.status !== 0) {
    rmSync(staging, { recursive: true, force: true });
    throw new Error(`go install ${MODULE}/cmd/promtool@${version} failed:\n${built.stderr}`);
  }
  rmSync(join(home, 'bin'), { recursive: true, force: true });
  renameSync(staging, join(home, 'bin'));
  return bin;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  try {
    console.log(await ensurePromtool());
  } catch (err) {
    console.error(err instanceof Error ? err.message : err);
    process.exitCode = 1;
  }
}
