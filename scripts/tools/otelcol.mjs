// An OpenTelemetry Collector for the tracing suite: the OTLP receiver and the file exporter
// (collector-contrib), assembled with the collector builder (ocb) from the Go module proxy and
// cached outside the repository, like helm and promtool (scripts/tools/helm.mjs).
// The core distribution has no file exporter; the builder is the supported way to get one.
//
// CLI: `node scripts/tools/otelcol.mjs` builds if needed and prints the binary's path.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { cachePath } from '../lib/cache.mjs';
import { goEnv, requireGo } from '../lib/go-build.mjs';

// Pinned so that CI and laptops test against the same collector; OTELCOL_VERSION overrides it.
export const OTELCOL_VERSION = 'v0.165.0';
const RECEIVER = 'go.opentelemetry.io/collector/receiver/otlpreceiver';
const EXPORTER = 'github.com/open-telemetry/opentelemetry-collector-contrib/exporter/fileexporter';

/** The builder manifest: the smallest collector that receives OTLP and writes it to a file. */
function manifest(version, outputPath) {
  return [
    'dist:',
    '  name: otelcol-nsw',
    '  description: OTLP receiver and file exporter, for the nest-sqs-worker tracing suite',
    `  output_path: ${outputPath}`,
    'receivers:',
    `  - gomod: ${RECEIVER} ${version}`,
    'exporters:',
    `  - gomod: ${EXPORTER} ${version}`,
    '',
  ].join('\n');
}

/**
 * Returns the path of a cached collector binary, building it on first use (the builder, then
 * the collector: several minutes on two cores). Throws an Error saying what is missing.
 */
export async function ensureOtelcol() {
  const version = process.env.OTELCOL_VERSION ?? OTELCOL_VERSION;
  const home = cachePath('otelcol', version);
  const bin = join(home, 'bin', 'otelcol-nsw');
  if (existsSync(bin)) return bin;

  requireGo(`otelcol ${version}`);
  const env = goEnv();
  const builder = join(home, 'builder', 'builder');
  if (!existsSync(builder)) {
    const got = spawnSync('go', ['install', '-trimpath', `go.opentelemetry.io/collector/cmd/builder@${version}`], {
      encoding: 'utf8',
      env: { ...env, GOBIN: join(home, 'builder') },
    });
    if (got.status !== 0) throw new Error(`go install the collector builder ${version} failed:\n${got.stderr}`);
  }
  // Build into a private directory and rename, so a half-written binary is never picked up.
  // The builder only generates the sources: its own `go mod tidy` fails, because the file
  // exporter's *tests* import a contrib module the proxy refuses to serve. `tidy -e` records
  // everything the binary needs and steps over that test-only import.
  const staging = mkdtempSync(join(home, 'bin-'));
  const src = join(staging, 'src');
  const manifestFile = join(staging, 'builder.yaml');
  writeFileSync(manifestFile, manifest(version, src));
  const steps = [
    [builder, [`--config=${manifestFile}`, '--skip-get-modules', '--skip-compilation']],
    ['go', ['mod', 'init', 'otelcol-nsw']],
    ['go', ['get', `${RECEIVER}@${version}`, `${EXPORTER}@${version}`]],
    ['go', ['mod', 'tidy', '-e']],
    ['go', ['build', '-trimpath', '-ldflags=-s -w', '-o', 'otelcol-nsw', '.']],
  ];
  for (const [command, args] of steps) {
    const step = spawnSync(command, args, { encoding: 'utf8', env, cwd: existsSync(src) ? src : staging });
    if (step.status !== 0) {
      rmSync(staging, { recursive: true, force: true });
      throw new Error(
        `building the collector failed at \`${command} ${args.join(' ')}\`:\n${step.stderr.slice(-4_000)}`,
      );
    }
  }
  renameSync(join(staging, 'src', 'otelcol-nsw'), join(staging, 'otelcol-nsw'));
  rmSync(join(staging, 'src'), { recursive: true, force: true });
  rmSync(join(home, 'bin'), { recursive: true, force: true });
  renameSync(staging, join(home, 'bin'));
  return bin;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  try {
    console.log(await ensureOtelcol());
  } catch (err) {
    console.error(err instanceof Error ? err.message : err);
    process.exitCode = 1;
  }
}
