// The Go toolchain for the tools built from the Go module proxy (helm, promtool, the collector,
// keda-formula): one check that `go` runs, one build environment with everything in the cache.
import { spawnSync } from 'node:child_process';
import { cachePath } from './cache.mjs';

/** Throws an Error naming `what` unless `go` runs. */
export function requireGo(what) {
  const go = spawnSync('go', ['version'], { encoding: 'utf8' });
  if (go.error || go.status !== 0) {
    throw new Error(`${what} is not cached and \`go\` is not available to build it (apt-get install golang-go)`);
  }
}

/** The build environment: GOPATH and GOCACHE under the cache, no cgo; `extra` on top. */
export function goEnv(extra = {}) {
  return {
    ...process.env,
    GOPATH: cachePath('go', 'path'),
    GOCACHE: cachePath('go', 'build'),
    GOFLAGS: '-modcacherw',
    CGO_ENABLED: '0',
    ...extra,
  };
}
