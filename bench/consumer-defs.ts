// The consumers under test: each one's script (under consumers/), its options by workload and
// which workloads it runs. The scripts themselves live in bench/consumers/.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { defaultMaxReceiversPerQueue } from '../src/sqs/core/sqs.options.js';
import { BUILD, ROOT } from './orchestrator-env.js';
import type { WorkloadDef } from './workloads/definitions.js';

export interface ConsumerDef {
  id: string;
  label: string;
  script: string;
  /** Extra options passed to the consumer, by workload key. */
  options?: (w: WorkloadDef) => Record<string, unknown> | undefined;
  /** Runs this consumer only for these workloads (tuned variants). */
  workloads?: string[];
  /** --profile applies to it. */
  profileable?: boolean;
  /** Only run when named in --consumers. */
  optIn?: boolean;
  /** Extra Node flags for this consumer's process. */
  nodeArgs?: string[];
  needs?: () => string | undefined;
}

export const SSUT_DIR = path.join(ROOT, 'bench/peers/ssut-nestjs-sqs');

/**
 * The Node flags the service runs with, read from the image's CMD (test/deploy/node-flags.spec.ts
 * keeps `npm start` equal): the bench measures our consumers as production runs them. The peers
 * and the simple loop run with Node's defaults, as their users would.
 */
export const SERVICE_NODE_FLAGS: string[] = (() => {
  const cmd = /^CMD (\[.*\])$/m.exec(readFileSync(path.join(ROOT, 'Dockerfile'), 'utf8'))?.[1];
  return cmd ? (JSON.parse(cmd) as string[]).filter((arg) => arg.startsWith('--')) : [];
})();

export const CONSUMERS: ConsumerDef[] = [
  {
    id: 'sqs-server',
    label: 'SqsServer (this service), defaults',
    script: path.join(BUILD, 'consumers/sqs-server.js'),
    nodeArgs: SERVICE_NODE_FLAGS,
    profileable: true,
  },
  {
    id: 'sqs-server-tuned',
    label: 'SqsServer, tuned options (prefetch 2×, maxReceiversPerQueue 2×)',
    script: path.join(BUILD, 'consumers/sqs-server.js'),
    profileable: true,
    // Twice the adaptive intake's default ceiling (and prefetch that × 10). The defaults were
    // set from this experiment (a ceiling of 10 doubled to 20 on 2026-12-03); kept to show
    // whether the next doubling still pays.
    options: (w) => {
      const maxReceiversPerQueue = 2 * defaultMaxReceiversPerQueue(w.concurrency, 10);
      return { maxReceiversPerQueue, prefetch: maxReceiversPerQueue * 10 };
    },
    workloads: ['noop', 'wait-var', 'c100'],
    optIn: true,
  },
  {
    id: 'sqs-server-fixed',
    // The fix (workers no longer wait for their delete) is in src/ since 2026-11-22 05:51; this
    // variant now only differs by the longer linger. Kept as an experiment.
    label: 'SqsServer, deleteBatchLingerMs 50',
    script: path.join(BUILD, 'consumers/sqs-server.js'),
    profileable: true,
    options: () => ({ patch: 'ack-off-worker', deleteBatchLingerMs: 50 }),
    workloads: ['noop', 'wait50', 'wait-var', 'c100', 'backpressure'],
    optIn: true,
  },
  {
    id: 'sqs-server-patched',
    label: 'SqsServer + worker not waiting for its delete (linger 5 ms)',
    script: path.join(BUILD, 'consumers/sqs-server.js'),
    profileable: true,
    options: () => ({ patch: 'ack-off-worker' }),
    optIn: true,
  },
  {
    // Why the image caps the young generation (Dockerfile): the same consumer with Node's defaults.
    id: 'sqs-server-node-defaults',
    label: "SqsServer, defaults, without the image's Node flags",
    script: path.join(BUILD, 'consumers/sqs-server.js'),
    workloads: ['noop', 'backpressure'],
    optIn: true,
  },
  {
    id: 'sqs-server-base',
    // Before/after comparisons in one run: the same consumer compiled from another checkout
    // (BENCH_BASE_BUILD=<that checkout>/.build/bench), e.g. main before a change.
    label: 'SqsServer, defaults, built from BENCH_BASE_BUILD (before/after)',
    script: path.join(process.env.BENCH_BASE_BUILD ?? BUILD, 'consumers/sqs-server.js'),
    optIn: true,
    needs: () => (process.env.BENCH_BASE_BUILD ? undefined : 'BENCH_BASE_BUILD is not set'),
  },
  {
    id: 'sqs-server-otel',
    // The cost of tracing with an SDK: the OpenTelemetry Node SDK (as main.ts starts it) exporting
    // spans and metrics over OTLP to BENCH_OTLP_ENDPOINT (a collector: scripts/servers/otelcol.mjs).
    label: 'SqsServer, defaults, OpenTelemetry SDK exporting to a collector',
    script: path.join(BUILD, 'consumers/sqs-server.js'),
    options: () => ({ otlpEndpoint: process.env.BENCH_OTLP_ENDPOINT }),
    optIn: true,
    needs: () => (process.env.BENCH_OTLP_ENDPOINT ? undefined : 'BENCH_OTLP_ENDPOINT is not set'),
  },
  {
    id: 'app-service',
    // The whole service per message (config, logs, Prometheus metrics, transport), not the bare
    // transport: what log volume and tracing cost (issue 19).
    label: 'the service (app modules: logs, metrics, transport), bench handler',
    script: path.join(BUILD, 'consumers/app-service.js'),
    nodeArgs: SERVICE_NODE_FLAGS,
    optIn: true,
  },
  {
    id: 'app-service-base',
    label: 'the service, built from BENCH_BASE_BUILD (before/after)',
    script: path.join(process.env.BENCH_BASE_BUILD ?? BUILD, 'consumers/app-service.js'),
    optIn: true,
    needs: () => (process.env.BENCH_BASE_BUILD ? undefined : 'BENCH_BASE_BUILD is not set'),
  },
  {
    id: 'app-service-otel',
    label: 'the service, OpenTelemetry SDK exporting to a collector',
    script: path.join(BUILD, 'consumers/app-service.js'),
    options: () => ({ otlpEndpoint: process.env.BENCH_OTLP_ENDPOINT }),
    optIn: true,
    needs: () => (process.env.BENCH_OTLP_ENDPOINT ? undefined : 'BENCH_OTLP_ENDPOINT is not set'),
  },
  {
    id: 'sqs-consumer',
    label: 'sqs-consumer 15, handleMessage',
    script: path.join(BUILD, 'consumers/sqs-consumer.js'),
    options: () => ({ batch: false }),
  },
  {
    id: 'sqs-consumer-batch',
    label: 'sqs-consumer 15, handleMessageBatch',
    script: path.join(BUILD, 'consumers/sqs-consumer.js'),
    options: () => ({ batch: true }),
  },
  {
    id: 'ssut',
    label: '@ssut/nestjs-sqs 3.0.1 (NestJS app)',
    script: path.join(SSUT_DIR, 'consumer.mjs'),
    needs: ensureSsut,
  },
  {
    id: 'simple-loop',
    label: 'simple loop (C workers, each: receive 10, one by one, DeleteMessageBatch)',
    script: path.join(BUILD, 'consumers/simple-loop.js'),
    profileable: true,
  },
  {
    id: 'simple-loop-batch',
    label: 'simple loop, batch (C/10 receivers, Promise.all, DeleteMessageBatch)',
    script: path.join(BUILD, 'consumers/simple-loop-batch.js'),
  },
];

/** The reference the targets are measured against. */
export const REFERENCE = 'simple-loop';

function ensureSsut(): string | undefined {
  if (existsSync(path.join(SSUT_DIR, 'node_modules/@ssut/nestjs-sqs/package.json'))) return undefined;
  process.stderr.write('Installing @ssut/nestjs-sqs into bench/peers/ssut-nestjs-sqs (npm ci, once)...\n');
  const npm = path.join(path.dirname(process.execPath), 'npm');
  const result = spawnSync(existsSync(npm) ? npm : 'npm', ['ci', '--no-audit', '--no-fund'], {
    cwd: SSUT_DIR,
    stdio: 'inherit',
  });
  if (result.status !== 0) return 'npm ci failed in bench/peers/ssut-nestjs-sqs';
  return undefined;
}
