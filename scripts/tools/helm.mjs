// The helm binary for the chart checks, built from source with the Go toolchain (Go's module
// proxy is reachable where GitHub release downloads are not) and cached outside the repository.
//
// CLI: `node scripts/tools/helm.mjs` builds if needed and prints the binary's path.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { cachePath } from '../lib/cache.mjs';
import { goEnv, requireGo } from '../lib/go-build.mjs';

// The newest Helm 3 release on proxy.golang.org when this was written. Pinned so that CI and
// laptops lint with the same helm; HELM_VERSION=latest asks the module proxy for the newest v3.
export const HELM_VERSION = 'v3.22.0';
const MODULE = 'helm.sh/helm/v3';
const GOPROXY_LIST = 'https://proxy.golang.org/helm.sh/helm/v3/@v/list';

/** Highest stable v3.x.y the Go module proxy lists. */
export async function newestHelm3() {
  const res = await fetch(GOPROXY_LIST, { signal: AbortSignal.timeout(15_000) });
  if (!res.ok) throw new Error(`${GOPROXY_LIST} answered ${res.status}`);
  const versions = (await res.text()).split('\n').filter((v) => /^v3\.\d+\.\d+$/.test(v));
  if (!versions.length) throw new Error(`${GOPROXY_LIST} lists no stable v3 release`);
  const key = (v) => v.slice(1).split('.').map(Number);
  return versions
    .sort((a, b) => {
      const [x, y] = [key(a), key(b)];
      return x[0] - y[0] || x[1] - y[1] || x[2] - y[2];
    })
    .at(-1);
}

async function wantedVersion() {
  const wanted = process.env.HELM_VERSION ?? HELM_VERSION;
  return wanted === 'latest' ? newestHelm3() : wanted;
}

/** Kubernetes [major, minor] matching the k8s.io/client-go that this helm release builds with. */
function kubernetesVersion(version, env) {
  const dl = spawnSync('go', ['mod', 'download', '-json', `${MODULE}@${version}`], { encoding: 'utf8', env });
  if (dl.status !== 0) throw new Error(`go mod download ${MODULE}@${version} failed:\n${dl.stderr}${dl.stdout}`);
  const goMod = readFileSync(JSON.parse(dl.stdout).GoMod, 'utf8');
  const match = /k8s\.io\/client-go v(\d+)\.(\d+)\./.exec(goMod);
  if (!match) throw new Error(`cannot find k8s.io/client-go in ${MODULE}@${version}'s go.mod`);
  return [Number(match[1]) + 1, Number(match[2])];
}

/**
 * Returns the path of a cached helm binary, building it with `go install` on first use
 * (GOPATH, GOCACHE and GOBIN all under the cache). Throws an Error saying what is missing.
 */
export async function ensureHelm() {
  const version = await wantedVersion();
  const home = cachePath('helm', version);
  const bin = join(home, 'bin', 'helm');
  if (existsSync(bin)) return bin;

  requireGo(`helm ${version}`);
  const env = goEnv();
  const [k8sMajor, k8sMinor] = kubernetesVersion(version, env);
  // The same -X flags as helm's Makefile: without them helm believes the cluster is Kubernetes
  // 1.20 and rejects any chart with a newer kubeVersion constraint.
  const ldflags = [
    '-s',
    '-w',
    `-X helm.sh/helm/v3/internal/version.version=${version}`,
    `-X helm.sh/helm/v3/pkg/lint/rules.k8sVersionMajor=${k8sMajor}`,
    `-X helm.sh/helm/v3/pkg/lint/rules.k8sVersionMinor=${k8sMinor}`,
    `-X helm.sh/helm/v3/pkg/chartutil.k8sVersionMajor=${k8sMajor}`,
    `-X helm.sh/helm/v3/pkg/chartutil.k8sVersionMinor=${k8sMinor}`,
  ].join(' ');
  // Build into a private directory and rename, so a half-written binary is never picked up.
  const staging = mkdtempSync(join(home, 'bin-'));
  const built = spawnSync('go', ['install', '-trimpath', `-ldflags=${ldflags}`, `${MODULE}/cmd/helm@${version}`], {
    encoding: 'utf8',
    env: { ...env, GOBIN: staging },
  });
  if (built.status !== 0) {
    rmSync(staging, { recursive: true, force: true });
    throw new Error(`go install ${MODULE}/cmd/helm@${version} failed:\n${built.stderr}`);
  }
  rmSync(join(home, 'bin'), { recursive: true, force: true });
  renameSync(staging, join(home, 'bin'));
  return bin;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  try {
    console.log(await ensureHelm());
  } catch (err) {
    console.error(err instanceof Error ? err.message : err);
    process.exitCode = 1;
  }
}
