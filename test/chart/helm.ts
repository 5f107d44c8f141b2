// The real helm (HELM_BIN, provided by scripts/servers/helm.mjs) on the chart, for the chart
// suite's specs: run it, render with value files and --set on top of the required values.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';

export const CHART = join(process.cwd(), 'charts', 'nest-sqs-worker');
export const VALUES = join(process.cwd(), 'test', 'chart', 'values');
const HELM = process.env.HELM_BIN;
const IS_CI = process.env.CI === 'true' || process.env.CI === '1';
if (!HELM && IS_CI) throw new Error('HELM_BIN is not set under CI: the chart suite needs the helm server module');
/** `describe` option: skipped, with the reason, outside the chart suite. */
export const skip = HELM ? false : 'HELM_BIN not set (run through `npm test chart`)';

export type Manifest = {
  apiVersion: string;
  kind: string;
  metadata: { name: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  [key: string]: any;
};

/** Runs helm; `out` is stdout and stderr together. */
export function helm(...args: string[]): { code: number; out: string } {
  const res = spawnSync(HELM!, args, { encoding: 'utf8' });
  return { code: res.status ?? 1, out: `${res.stdout}${res.stderr}` };
}

/** `helm template` arguments: the required values, then `files`, then `sets`. */
export function templateArgs(files: string[] = [], sets: string[] = []): string[] {
  return [
    'template',
    'rel',
    CHART,
    '--namespace',
    'workers',
    ...['required.yaml', ...files].flatMap((f) => ['-f', join(VALUES, f)]),
    ...sets.flatMap((s) => ['--set', s]),
  ];
}

/** The manifests rendered from the required values, `files` and `sets`; fails on a render error. */
export function render(files: string[] = [], sets: string[] = []): Manifest[] {
  const res = helm(...templateArgs(files, sets));
  assert.equal(res.code, 0, res.out);
  return parseAllDocuments(res.out)
    .map((d) => d.toJSON() as Manifest | null)
    .filter((m): m is Manifest => Boolean(m));
}

/** The one manifest of `kind`. */
export function one(manifests: Manifest[], kind: string): Manifest {
  const found = manifests.filter((m) => m.kind === kind);
  assert.equal(found.length, 1, `expected one ${kind}, got ${found.length}`);
  return found[0]!;
}
