import { readFileSync } from 'node:fs';
import { Gauge, type Registry } from 'prom-client';

/** The service's version from package.json (two levels above dist/metrics and .build/src/metrics). */
export function serviceVersion(): string {
  for (const path of ['../../package.json', '../../../package.json']) {
    try {
      const { name, version } = JSON.parse(readFileSync(new URL(path, import.meta.url), 'utf8')) as {
        name?: string;
        version?: string;
      };
      if (name === 'nest-sqs-worker' && version) return version;
    } catch {
      // not at this level; try the next
    }
  }
  return 'unknown';
}

/**
 * `nest_sqs_worker_build_info{version, node}` = 1: which build a pod runs, to join onto other
 * series (`* on (pod) group_left(version)`) and to see a rollout progress.
 */
export function registerBuildInfo(registry: Registry, version = serviceVersion()): Gauge<'version' | 'node'> {
  const gauge = new Gauge({
    name: 'nest_sqs_worker_build_info',
    help: 'Build of the running service: always 1',
    labelNames: ['version', 'node'],
    registers: [registry],
  });
  gauge.set({ version, node: process.version }, 1);
  return gauge;
}
