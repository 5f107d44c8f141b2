// `npm run bench`: the consumer benchmark. A script, not a test.
//
// Starts fauxqs in its own process (loopback, request counter by action), then for every
// workload and consumer: a fresh queue, filled with SendMessageBatch before the consumer starts,
// and the consumer in its own process (its CPU and memory are its own) reporting over IPC.
// Each configuration runs `--runs` times (3) after a warm-up; the table shows medians and the
// raw figures go to bench/results/<timestamp>.json. See bench/README.md.
//
// This file is the entry point: the command line (cli.ts), the consumers (consumer-defs.ts) and
// the workloads (workloads/) are chosen here, the runs made by runner.ts, the tables drawn by
// report.ts, and the fleet run by fleet.ts.
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from './cli.js';
import { CONSUMERS } from './consumer-defs.js';
import { Fauxqs } from './fauxqs.js';
import { runFleet } from './fleet.js';
import { REGION, ROOT } from './orchestrator-env.js';
import { parentClient } from './queues.js';
import { renderTables, summarizeAll } from './report.js';
import { runWorkloads } from './runner.js';
import { workloads } from './workloads/definitions.js';
import type { RunContext, RunResult } from './workloads/run-context.js';

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const allWorkloads = workloads(args.quick);
  const selectedWorkloads = allWorkloads.filter((w) => !args.only || args.only.has(w.id) || args.only.has(w.key));
  const withFleet = !args.only || args.only.has('fleet');
  if (selectedWorkloads.length === 0 && !withFleet) throw new Error('--only selects no workload (try --help)');
  const unknown = [...(args.consumers ?? [])].filter((id) => !CONSUMERS.some((c) => c.id === id));
  if (unknown.length) throw new Error(`unknown consumer(s): ${unknown.join(', ')} (try --help)`);
  const consumers = CONSUMERS.filter((c) => (args.consumers ? args.consumers.has(c.id) : !c.optIn));
  const skipped = new Map<string, string>();
  // Only the fleet selected: it runs SqsServer alone, the peers need not be installed.
  for (const c of selectedWorkloads.length ? consumers : []) {
    const problem = c.needs?.();
    if (problem) skipped.set(c.id, problem);
  }
  const soakSeconds = args.soakSeconds ?? (args.quick ? 15 : 60);
  const idleSeconds = args.idleSeconds ?? (args.quick ? 40 : 60);

  const startedAt = new Date();
  const machine = {
    cpus: os.cpus().length,
    cpuModel: os.cpus()[0]?.model,
    memoryGiB: Math.round(os.totalmem() / 1024 ** 3),
    platform: `${os.type()} ${os.release()} ${os.arch()}`,
    node: process.version,
    loadavgAtStart: os.loadavg(),
  };
  process.stderr.write(
    `Benchmark ${args.quick ? '(quick) ' : ''}on ${machine.cpus} cores (${machine.cpuModel}), Node ${machine.node}, load ${machine.loadavgAtStart.map((l) => l.toFixed(2)).join(' ')}\n`,
  );
  for (const [id, why] of skipped) process.stderr.write(`  skipping ${id}: ${why}\n`);

  const fauxqs = await Fauxqs.start();
  const sqs = parentClient(fauxqs.endpoint);
  const ctx: RunContext = { sqs, fauxqs, args, soakSeconds, latencyMs: 0 };
  const useLatency = async (ms: number): Promise<void> => {
    ctx.latencyMs = ms;
    await fauxqs.setLatency(ms);
  };
  let results: RunResult[];
  let fleet: Awaited<ReturnType<typeof runFleet>> | undefined;

  try {
    results = await runWorkloads({ ctx, consumers, skipped, idleSeconds, useLatency }, selectedWorkloads);
    if (withFleet) {
      fleet = await runFleet({
        ...ctx,
        ...args,
        endpoint: fauxqs.endpoint,
        region: REGION,
        useLatency,
        log: (l) => process.stderr.write(`${l}\n`),
      });
    }
  } finally {
    fauxqs.stop();
    sqs.destroy();
  }

  const finishedAt = new Date();
  const summary = summarizeAll(selectedWorkloads, consumers, args.latencies, results);
  const table = !selectedWorkloads.length
    ? ''
    : renderTables(selectedWorkloads, consumers, summary, {
        date: startedAt,
        minutes: (finishedAt.getTime() - startedAt.getTime()) / 60_000,
        machine,
        loadEnd: os.loadavg(),
        args,
        idleSeconds,
      });
  process.stdout.write(`${table}\n${fleet ? `\n${fleet.table}\n` : ''}`);

  const dir = path.join(ROOT, 'bench/results');
  mkdirSync(dir, { recursive: true });
  const file = path.join(dir, `${startedAt.toISOString().replace(/[:.]/g, '-')}.json`);
  writeFileSync(
    file,
    JSON.stringify(
      {
        startedAt: startedAt.toISOString(),
        finishedAt: finishedAt.toISOString(),
        machine: { ...machine, loadavgAtEnd: os.loadavg() },
        args: { ...args, only: args.only && [...args.only], consumers: args.consumers && [...args.consumers] },
        soakSeconds,
        idleSeconds,
        consumers: consumers.map((c) => ({ id: c.id, label: c.label, skipped: skipped.get(c.id) })),
        workloads: selectedWorkloads.map(({ delay: _d, ...w }) => w),
        summary,
        results,
        fleet: fleet?.results,
        table,
      },
      null,
      2,
    ),
  );
  process.stderr.write(`\nRaw figures: ${path.relative(ROOT, file)}\n`);
  if (results.some((r) => !r.ok && !r.warmup)) process.exitCode = 1;
}

main().catch((err: unknown) => {
  process.stderr.write(`bench failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
