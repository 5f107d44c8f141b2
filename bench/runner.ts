// The runs: for each selected workload, its consumers in interleaved rounds (a change in machine
// load hits them all alike), each simulated latency in turn within a round, one line per run.
import os from 'node:os';
import type { ConsumerDef } from './consumer-defs.js';
import { fmt, pct } from './lib/stats.js';
import type { WorkloadDef } from './workloads/definitions.js';
import { runBurst } from './workloads/burst.js';
import { runIdle } from './workloads/idle.js';
import { runLatency } from './workloads/latency.js';
import type { RunContext, RunResult } from './workloads/run-context.js';
import { runShutdown } from './workloads/shutdown.js';
import { runSoak } from './workloads/soak.js';
import { runThroughput } from './workloads/throughput.js';

/** What the runs need from the entry point. */
export interface Runner {
  ctx: RunContext;
  consumers: ConsumerDef[];
  /** Consumers that cannot run here, with the reason. */
  skipped: Map<string, string>;
  idleSeconds: number;
  /** Sets the simulated network for the runs that follow. */
  useLatency(ms: number): Promise<void>;
}

/** Every run of the selected workloads, in order (warm-ups included, marked). */
export async function runWorkloads(runner: Runner, selected: WorkloadDef[]): Promise<RunResult[]> {
  const results: RunResult[] = [];
  for (const w of selected) {
    const forWorkload = consumersFor(runner, w);
    process.stderr.write(`\n${w.id} ${w.title}: ${forWorkload.map((c) => c.id).join(', ')}\n`);
    if (w.kind === 'idle') await runIdleWorkload(runner, w, forWorkload, results);
    else await runRounds(runner, w, forWorkload, results);
  }
  return results;
}

function consumersFor({ consumers, skipped, ctx }: Runner, w: WorkloadDef): ConsumerDef[] {
  return consumers.filter(
    (c) =>
      !skipped.has(c.id) &&
      (!c.workloads || c.workloads.includes(w.key)) &&
      !w.excludeConsumers?.includes(c.id) &&
      (ctx.args.consumers?.has(c.id) || !w.defaultConsumers || w.defaultConsumers.includes(c.id)),
  );
}

/** W8: every consumer at once, once per simulated latency. */
async function runIdleWorkload(
  runner: Runner,
  w: WorkloadDef,
  forWorkload: ConsumerDef[],
  results: RunResult[],
): Promise<void> {
  const { ctx } = runner;
  for (const latencyMs of ctx.args.latencies) {
    await runner.useLatency(latencyMs);
    const loadavg = os.loadavg();
    const t = Date.now();
    const byConsumer = await runIdle(ctx, forWorkload, w, runner.idleSeconds).catch(
      (err: Error) => new Map(forWorkload.map((c) => [c.id, { ok: false, error: err.message, metrics: {} }])),
    );
    for (const def of forWorkload) {
      const result = {
        workload: w.key,
        consumer: def.id,
        latencyMs,
        run: 1,
        warmup: false,
        loadavg,
        ok: false,
        metrics: {},
        ...byConsumer.get(def.id),
      } as RunResult;
      results.push(result);
      process.stderr.write(
        `  run 1${latencyTag(ctx, latencyMs)} ${def.id.padEnd(19)} ${((Date.now() - t) / 1_000).toFixed(1).padStart(5)} s  ${summarize(w, result)}\n`,
      );
    }
  }
}

/** The other workloads: a warm-up (full runs only) and `--runs` rounds of every consumer. */
async function runRounds(
  runner: Runner,
  w: WorkloadDef,
  forWorkload: ConsumerDef[],
  results: RunResult[],
): Promise<void> {
  const { ctx } = runner;
  const runs = w.kind === 'soak' ? 1 : ctx.args.runs;
  const warmup = !ctx.args.quick && (w.kind === 'throughput' || w.kind === 'latency');
  for (let run = warmup ? 0 : 1; run <= runs; run++) {
    for (const latencyMs of ctx.args.latencies) {
      await runner.useLatency(latencyMs);
      for (const def of forWorkload) {
        const isWarmup = run === 0;
        const loadavg = os.loadavg();
        const t = Date.now();
        let partial: Partial<RunResult>;
        try {
          partial = await runOnce(ctx, def, w, isWarmup);
        } catch (err) {
          partial = { ok: false, error: (err as Error).message, metrics: {} };
        }
        const result: RunResult = {
          workload: w.key,
          consumer: def.id,
          latencyMs,
          run,
          warmup: isWarmup,
          loadavg,
          ok: false,
          metrics: {},
          ...partial,
        } as RunResult;
        results.push(result);
        process.stderr.write(
          `  ${isWarmup ? 'warm-up' : `run ${run}`}${latencyTag(ctx, latencyMs)} ${def.id.padEnd(19)} ${((Date.now() - t) / 1_000).toFixed(1).padStart(5)} s  ${summarize(w, result)}\n`,
        );
      }
    }
  }
}

/** One run of one consumer on one workload, by the workload's kind. */
async function runOnce(
  ctx: RunContext,
  def: ConsumerDef,
  w: WorkloadDef,
  isWarmup: boolean,
): Promise<Partial<RunResult>> {
  if (w.kind === 'throughput') return runThroughput(ctx, def, w, isWarmup ? Math.ceil(w.messages / 10) : w.messages);
  if (w.kind === 'latency') return runLatency(ctx, def, w, isWarmup ? 20 : w.messages);
  if (w.kind === 'soak') return runSoak(ctx, def, w, w.messages);
  if (w.kind === 'burst') return runBurst(ctx, def, w, w.messages);
  const idle = await runShutdown(ctx, def, w, false);
  const busy = await runShutdown(ctx, def, w, true);
  return {
    ok: !!(idle.ok && busy.ok),
    error: idle.error ?? busy.error,
    metrics: { ...idle.metrics, ...busy.metrics },
  };
}

function latencyTag(ctx: RunContext, ms: number): string {
  return ctx.args.latencies.length > 1 || ms > 0 ? ` ${`+${ms} ms`.padStart(7)}` : '';
}

function summarize(w: WorkloadDef, r: RunResult): string {
  if (!r.ok && r.error) return `FAILED: ${r.error.split('\n')[0]}`;
  const m = r.metrics;
  switch (w.kind) {
    case 'throughput':
      return `${fmt(m.throughput)} msg/s${m.fractionOfIdeal !== undefined ? ` (${pct(m.fractionOfIdeal)} of ideal)` : ''}, CPU ${fmt(m.cpuS, 2)} s, ${fmt(m.requestsPerMessage, 3)} req/msg, RSS ${fmt(m.peakRssMB)} MB${m.duplicates ? `, ${m.duplicates} duplicates` : ''}`;
    case 'latency':
      return `p50 ${fmt(m.p50, 1)} ms, p99 ${fmt(m.p99, 1)} ms, max ${fmt(m.max, 1)} ms`;
    case 'soak':
      return `${fmt(m.throughput)} msg/s (${pct(m.fractionOfIdeal)}), RSS ${fmt(m.rssStartMB, 1)} -> ${fmt(m.rssMidMB, 1)} -> ${fmt(m.rssEndMB, 1)} MB (max ${fmt(m.rssMaxMB, 1)}, 2nd-half slope ${fmt(m.rssSlopeMBPerMin, 2)} MB/min)`;
    case 'idle':
      return `${fmt(m.idleRequests)} requests in ${fmt(m.idleSeconds)} s: ${fmt(m.idleRequestsPerHour)} per hour`;
    case 'burst':
      return `drained in ${fmt(m.drainS, 3)} s from the first send (sent in ${fmt(m.sendS, 3)} s; first handler at ${fmt(m.firstStartMs, 0)} ms), ${fmt(m.requestsPerMessage, 3)} req/msg`;
    case 'shutdown':
      return `idle ${fmt(m.idleSeconds, 3)} s, busy ${fmt(m.busySeconds, 3)} s (left on queue: ${m.leftVisible ?? '?'} visible, ${m.leftInFlight ?? '?'} in flight)`;
  }
}
