// What every run shares: the server, the client and the options of this bench, the consumer's
// configuration, and the shape of one run's result.
import type { SQSClient } from '@aws-sdk/client-sqs';
import type { Args } from '../cli.js';
import type { ConsumerDef } from '../consumer-defs.js';
import type { ConsumerReport } from '../consumer-process.js';
import type { Fauxqs } from '../fauxqs.js';
import type { BenchConfig, BenchMode } from '../lib/harness.js';
import { REGION } from '../orchestrator-env.js';
import type { WorkloadDef } from './definitions.js';

export interface RunResult {
  workload: string;
  consumer: string;
  /** Simulated network (ms added to every SQS request). */
  latencyMs: number;
  run: number;
  warmup: boolean;
  loadavg: number[];
  ok: boolean;
  error?: string;
  metrics: Record<string, number | undefined>;
  requests?: Record<string, number>;
  clientRequests?: Record<string, number>;
  report?: ConsumerReport;
  latencies?: number[];
  rssSeries?: Array<[number, number]>;
}

export interface RunContext {
  sqs: SQSClient;
  fauxqs: Fauxqs;
  args: Args;
  soakSeconds: number;
  /** The simulated network of the current runs (ms added to every request). */
  latencyMs: number;
}

/** Filling is not measured: more senders when every SendMessageBatch pays the simulated network. */
export function fillParallel(ctx: RunContext): number {
  return ctx.latencyMs > 0 ? 32 : 8;
}

export function baseConfig(
  ctx: RunContext,
  def: ConsumerDef,
  w: WorkloadDef,
  queueUrl: string,
  mode: BenchMode,
  messages: number,
): BenchConfig {
  return {
    consumer: def.id,
    endpoint: ctx.fauxqs.endpoint,
    region: REGION,
    queueUrl,
    mode,
    messages,
    concurrency: w.concurrency,
    waitTimeSeconds: 20,
    visibilityTimeout: 30,
    shutdownGraceSeconds: 30,
    options:
      def.id.startsWith('sqs-server') && ctx.args.serverOptions
        ? { ...def.options?.(w), ...ctx.args.serverOptions }
        : def.options?.(w),
  };
}

export function diffCounts(after: Record<string, number>, before: Record<string, number>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [k, v] of Object.entries(after)) {
    const d = v - (before[k] ?? 0);
    if (d) out[k] = d;
  }
  return out;
}
