// The real pages and facts the drift checks run on: README.md, CONTRIBUTING.md, CHANGELOG.md,
// docs/**/*.md, the chart's README and bench/README.md, against the env schema, the variables the repository reads and the
// chart's values.yaml.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { parse } from 'yaml';
import { ENV_VARIABLES } from '../../../src/config/env.schema.js';
import type { Facts, Pages } from './doc-checks.js';

/** The repository root: specs and npm scripts run from it. */
export const ROOT = process.cwd();

const TOP_LEVEL_PAGES = [
  'README.md',
  'CONTRIBUTING.md',
  'CHANGELOG.md',
  'charts/nest-sqs-worker/README.md',
  'bench/README.md',
];

/**
 * The AWS and OpenTelemetry SDKs' own variables that the docs name while explaining what the
 * service does with them (refuses them, ignores them, or leaves them to the SDK); the service's
 * own code does not read them.
 */
const SDK_VARIABLES = [
  'AWS_CONFIG_FILE',
  'AWS_SHARED_CREDENTIALS_FILE',
  'AWS_CONTAINER_CREDENTIALS_FULL_URI',
  'AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE',
  'AWS_PROFILE',
  // Set by the chart in pods so the chain never falls back to the node's role.
  'AWS_EC2_METADATA_DISABLED',
  // The OpenTelemetry Node SDK's standard variables, read by the SDK that main.ts starts.
  'OTEL_SDK_DISABLED',
  'OTEL_SERVICE_NAME',
  'OTEL_RESOURCE_ATTRIBUTES',
  'OTEL_EXPORTER_OTLP_ENDPOINT',
  'OTEL_EXPORTER_OTLP_PROTOCOL',
  'OTEL_EXPORTER_OTLP_TRACES_ENDPOINT',
  'OTEL_TRACES_EXPORTER',
  'OTEL_TRACES_SAMPLER',
  'OTEL_TRACES_SAMPLER_ARG',
  'OTEL_METRIC_EXPORT_INTERVAL',
];

function markdownUnder(folder: string): string[] {
  const absolute = join(ROOT, folder);
  if (!existsSync(absolute)) return [];
  return readdirSync(absolute, { recursive: true, encoding: 'utf8' })
    .filter((name) => name.endsWith('.md'))
    .map((name) => relative(ROOT, join(absolute, name)).replace(/\\/g, '/'));
}

/** Every page the checks cover, by repository-relative path. */
export function repositoryPages(): Map<string, string> {
  const paths = [...TOP_LEVEL_PAGES.filter((p) => existsSync(join(ROOT, p))), ...markdownUnder('docs')];
  return new Map(paths.map((path) => [path, readFileSync(join(ROOT, path), 'utf8')]));
}

/** The pages whose variable and chart-value names must exist now (the changelog keeps history). */
export function currentPages(pages: Pages): Map<string, string> {
  return new Map([...pages].filter(([path]) => path !== 'CHANGELOG.md'));
}

/** Names in `process.env.X` / `process.env['X']` anywhere in the code, tests and scripts. */
function variablesReadByCode(): string[] {
  const names = new Set<string>();
  for (const folder of ['src', 'test', 'scripts', 'bench']) {
    for (const name of readdirSync(join(ROOT, folder), { recursive: true, encoding: 'utf8' })) {
      if (!/\.(ts|mjs|cjs)$/.test(name) || name.includes('node_modules')) continue;
      const text = readFileSync(join(ROOT, folder, name), 'utf8');
      for (const match of text.matchAll(/process\.env(?:\.|\[')([A-Z][A-Z0-9_]*)/g)) names.add(match[1]);
    }
  }
  return [...names];
}

/** The facts of this repository. */
export function repositoryFacts(): Facts {
  return {
    exists: (path) => existsSync(join(ROOT, path)),
    variables: new Set([...ENV_VARIABLES, ...variablesReadByCode(), ...SDK_VARIABLES]),
    chartValues: parse(readFileSync(join(ROOT, 'charts/nest-sqs-worker/values.yaml'), 'utf8')) as Record<
      string,
      unknown
    >,
  };
}
