// Where downloaded toolchains and servers live between runs. Outside the repository on
// purpose: CI clones are fresh, the cache is not, and nothing downloaded is ever committed.
import { mkdirSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';

export const CACHE_DIR = process.env.NSW_CACHE_DIR ?? join(homedir(), '.cache', 'nest-sqs-worker');

/** Returns a directory inside the cache, created if missing. */
export function cachePath(...parts) {
  const dir = join(CACHE_DIR, ...parts);
  mkdirSync(dir, { recursive: true });
  return dir;
}

/** True when running under CI, where a missing server is a failure and never a skip. */
export const IS_CI = process.env.CI === 'true' || process.env.CI === '1';
