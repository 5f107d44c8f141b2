// The fleet workload of `npm run bench` (`--only=fleet`): 1, 2 and 4 consumer processes of
// SqsServer with its defaults (bench/consumers/sqs-server.js, concurrency 10 each) on one
// queue, handlers awaiting 50 ms, at each `--latency-ms`. What it shows: whether throughput
// grows with the processes (the KEDA case), not a single process's speed (W2 does that).
//
// Every process starts on an empty queue and reports ready; only then is the queue filled, as
// fast as the fill allows, so no process gets a head start. Throughput is the messages over
// the window from the first handler start to the last handler end, across the processes.
import { CreateQueueCommand, DeleteQueueCommand, SendMessageBatchCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { fork, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import type { BenchConfig, BenchPayload } from './lib/harness.js';

const HANDLER_MS = 50;
const CONCURRENCY = 10;
const PROCESS_COUNTS = [1, 2, 4];

/** What bench/run.ts hands over: its fauxqs, its client, and how to set the simulated network. */
export interface FleetContext {
  sqs: SQSClient;
  endpoint: string;
  region: string;
  quick: boolean;
  runs: number;
  latencies: number[];
  useLatency(ms: number): Promise<void>;
  log(line: string): void;
}

export interface FleetResult {
  processes: number;
  latencyMs: number;
  run: number;
  messages: number;
  throughput: number;
  duplicates: number;
}

interface Report {
  handled: number;
  duplicates: number;
  firstStart: number;
  lastEnd: number;
}

function next<T>(child: ChildProcess, type: string, timeoutMs: number): Promise<T> {
  return new Promise((resolve, reject) => {
    const done = () => {
      clearTimeout(timer);
      child.off('message', onMessage);
      child.off('exit', onExit);
    };
    const timer = setTimeout(() => {
      done();
      reject(new Error(`fleet: no '${type}' within ${timeoutMs} ms`));
    }, timeoutMs);
    const onMessage = (m: { type: string }) => {
      if (m.type !== type) return;
      done();
      resolve(m as T);
    };
    const onExit = (code: number | null) => {
      done();
      reject(new Error(`fleet: consumer exited (${code}) before '${type}'`));
    };
    child.on('message', onMessage);
    child.once('exit', onExit);
  });
}

function spawnConsumer(config: BenchConfig): ChildProcess {
  return fork(path.join(import.meta.dirname, 'consumers/sqs-server.js'), [], {
    execPath: process.execPath,
    execArgv: [],
    env: { ...process.env, BENCH_CONFIG: JSON.stringify(config), AWS_REGION: config.region },
    stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
  });
}

async function fill(sqs: SQSClient, queueUrl: string, count: number, parallel: number): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < count) {
      const start = next;
      next = Math.min(count, next + 10);
      const Entries = Array.from({ length: next - start }, (_, k) => {
        const payload: BenchPayload = { i: start + k, d: HANDLER_MS };
        return {
          Id: String(k),
          MessageBody: JSON.stringify(payload),
          MessageAttributes: { pattern: { DataType: 'String', StringValue: 'bench' } },
        };
      });
      await sqs.send(new SendMessageBatchCommand({ QueueUrl: queueUrl, Entries }));
    }
  };
  await Promise.all(Array.from({ length: parallel }, worker));
}

async function runOnce(ctx: FleetContext, processes: number, messages: number): Promise<Omit<FleetResult, 'run'>> {
  const { QueueUrl } = await ctx.sqs.send(
    new CreateQueueCommand({
      QueueName: `bench-fleet-${randomUUID().slice(0, 8)}`,
      Attributes: { VisibilityTimeout: '30' },
    }),
  );
  const config: BenchConfig = {
    consumer: 'sqs-server',
    endpoint: ctx.endpoint,
    region: ctx.region,
    queueUrl: QueueUrl!,
    mode: 'throughput',
    messages,
    concurrency: CONCURRENCY,
    waitTimeSeconds: 20,
    visibilityTimeout: 30,
    shutdownGraceSeconds: 30,
  };
  const children = Array.from({ length: processes }, () => spawnConsumer(config));
  try {
    await Promise.all(children.map((c) => next(c, 'ready', 30_000)));
    await fill(ctx.sqs, QueueUrl!, messages, 32);
    const deadline = Date.now() + 120_000 + (messages * HANDLER_MS) / CONCURRENCY;
    let reports: Report[] = [];
    for (;;) {
      reports = await Promise.all(
        children.map((c) => {
          const reply = next<Report>(c, 'report', 10_000);
          c.send({ type: 'report' });
          return reply;
        }),
      );
      if (reports.reduce((sum, r) => sum + r.handled - r.duplicates, 0) >= messages) break;
      if (Date.now() > deadline) throw new Error('fleet: the queue was not drained in time');
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
    const started = reports.filter((r) => r.firstStart > 0);
    const windowS =
      (Math.max(...started.map((r) => r.lastEnd)) - Math.min(...started.map((r) => r.firstStart))) / 1_000;
    // Duplicates within a process; across processes a message handled twice adds to `handled`.
    const handled = reports.reduce((sum, r) => sum + r.handled, 0);
    return { processes, latencyMs: 0, messages, throughput: messages / windowS, duplicates: handled - messages };
  } finally {
    for (const c of children) if (c.connected) c.send({ type: 'exit' });
    await ctx.sqs.send(new DeleteQueueCommand({ QueueUrl })).catch(() => undefined);
  }
}

/** Runs the workload and returns its results and its table (Markdown). */
export async function runFleet(ctx: FleetContext): Promise<{ results: FleetResult[]; table: string }> {
  const messages = ctx.quick ? 1_000 : 4_000;
  const results: FleetResult[] = [];
  ctx.log(
    `\nfleet: 1, 2, 4 SqsServer processes (defaults, C = ${CONCURRENCY} each) on one queue, handler awaits ${HANDLER_MS} ms`,
  );
  for (let run = 1; run <= ctx.runs; run++) {
    for (const latencyMs of ctx.latencies) {
      await ctx.useLatency(latencyMs);
      for (const processes of PROCESS_COUNTS) {
        const result = { ...(await runOnce(ctx, processes, messages)), latencyMs, run };
        results.push(result);
        ctx.log(
          `  run ${run} +${latencyMs} ms ${processes} process(es): ${result.throughput.toFixed(0)} msg/s, ${result.duplicates} handled twice`,
        );
      }
    }
  }
  return { results, table: renderTable(results, ctx.latencies, messages) };
}

function renderTable(results: FleetResult[], latencies: number[], messages: number): string {
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN;
  const lines = [
    `Fleet: processes on one queue, ${messages} messages, handler awaits ${HANDLER_MS} ms, C = ${CONCURRENCY} each (msg/s, median; x = vs 1 process)`,
    '',
    `| processes | ${latencies.map((l) => `+${l} ms`).join(' | ')} |`,
    `| --- | ${latencies.map(() => '---').join(' | ')} |`,
  ];
  const at = (p: number, l: number) =>
    median(results.filter((r) => r.processes === p && r.latencyMs === l).map((r) => r.throughput));
  for (const p of PROCESS_COUNTS) {
    const cells = latencies.map((l) => `${at(p, l).toFixed(0)} (${(at(p, l) / at(1, l)).toFixed(2)}x)`);
    lines.push(`| ${p} | ${cells.join(' | ')} |`);
  }
  return lines.join('\n');
}
