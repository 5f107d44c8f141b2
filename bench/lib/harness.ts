// The consumer side of the benchmark: every consumer process (ours and the peers) runs its
// handler through `handle()` and talks to the orchestrator over IPC. Measuring lives here so
// that every consumer is measured the same way; the consumers themselves only wire their
// library to `handle()`.
import type { SQSClient } from '@aws-sdk/client-sqs';
import v8 from 'node:v8';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';

export type BenchMode = 'throughput' | 'latency' | 'soak' | 'shutdown' | 'idle';

/** What the orchestrator passes to a consumer process (env BENCH_CONFIG, JSON). */
export interface BenchConfig {
  consumer: string;
  endpoint: string;
  region: string;
  queueUrl: string;
  mode: BenchMode;
  /** Distinct messages to handle before reporting done (throughput mode). */
  messages: number;
  concurrency: number;
  waitTimeSeconds: number;
  visibilityTimeout: number;
  shutdownGraceSeconds: number;
  /** Report 'running' when this many handlers run at once (shutdown mode). */
  runningTarget?: number;
  /** Extra options for the consumer under test (tuned configurations). */
  options?: Record<string, unknown>;
  /** Access key id of the consumer's requests (default `bench`): the server counts by it. */
  accessKeyId?: string;
}

/** The body of every benchmark message. */
export interface BenchPayload {
  /** Index, 0 .. messages-1 (or the send sequence in latency mode). */
  i: number;
  /** Handler delay (ms). */
  d: number;
  /** Send time (epoch ms, high resolution), latency mode only. */
  t?: number;
}

export const config: BenchConfig = JSON.parse(process.env.BENCH_CONFIG ?? 'null') as BenchConfig;
if (!config) throw new Error('BENCH_CONFIG is not set: consumers are started by bench/run');

/** Static test credentials; the key id tells the server whose request it is (idle workload). */
export const CREDENTIALS = { accessKeyId: config.accessKeyId ?? 'bench', secretAccessKey: 'bench' };

/** Epoch ms with sub-ms resolution, comparable across processes on this machine. */
export function nowMs(): number {
  return performance.timeOrigin + performance.now();
}

const state = {
  handled: 0,
  running: 0,
  maxRunning: 0,
  duplicates: 0,
  unique: 0,
  seen: new Uint8Array(Math.max(1, config.messages)),
  firstStart: 0,
  lastEnd: 0,
  cpuAtFirst: undefined as NodeJS.CpuUsage | undefined,
  cpuAtDone: undefined as NodeJS.CpuUsage | undefined,
  handlerMs: 0,
  doneAt: 0,
  peakRss: 0,
  rssSeries: [] as Array<[number, number]>,
  /** Soak mode: per second [ms, heapTotal, heapUsed, external, new space size] (bytes). */
  heapSeries: [] as Array<[number, number, number, number, number]>,
  startedAt: nowMs(),
  readyAt: 0,
  clientCounts: {} as Record<string, number>,
};

function send(message: Record<string, unknown>): void {
  if (process.connected) process.send?.(message);
}

// Peak RSS, sampled every 100 ms; in soak mode one sample a second is kept as a series.
const sampleRss = (): void => {
  const rss = process.memoryUsage.rss();
  if (rss > state.peakRss) state.peakRss = rss;
};
sampleRss();
setInterval(sampleRss, 100).unref();
if (config.mode === 'soak') {
  setInterval(() => {
    const t = Math.round(nowMs() - state.startedAt);
    const m = process.memoryUsage();
    const newSpace = v8.getHeapSpaceStatistics().find((s) => s.space_name === 'new_space')?.space_size ?? 0;
    state.rssSeries.push([t, m.rss]);
    state.heapSeries.push([t, m.heapTotal, m.heapUsed, m.external, newSpace]);
  }, 1_000).unref();
}

/** Parses a message body (the peers get the raw SQS body; the Nest transport gets JSON data). */
export function parseBody(body: string | undefined): BenchPayload {
  return JSON.parse(body ?? '{}') as BenchPayload;
}

/** The benchmark handler: records, then awaits the message's delay. */
export async function handle(payload: BenchPayload): Promise<void> {
  const start = nowMs();
  if (state.firstStart === 0) {
    state.firstStart = start;
    state.cpuAtFirst = process.cpuUsage();
  }
  state.running += 1;
  if (state.running > state.maxRunning) state.maxRunning = state.running;
  if (config.mode === 'latency')
    send({ type: 'started', i: payload.i, at: start, latencyMs: start - (payload.t ?? start) });
  if (config.mode === 'shutdown' && config.runningTarget && state.running === config.runningTarget)
    send({ type: 'running', count: state.running });
  try {
    if (payload.d > 0) await sleep(payload.d);
  } finally {
    const end = nowMs();
    state.running -= 1;
    state.handled += 1;
    state.handlerMs += end - start;
    state.lastEnd = end;
    const i = payload.i;
    if (i >= 0 && i < state.seen.length) {
      if (state.seen[i]) state.duplicates += 1;
      else {
        state.seen[i] = 1;
        state.unique += 1;
        if (config.mode === 'throughput' && state.unique === config.messages) {
          state.cpuAtDone = process.cpuUsage();
          state.doneAt = end;
          send({ type: 'done', at: end });
        }
      }
    }
  }
}

/** Call once the consumer is consuming (after listen/start). */
export function ready(): void {
  state.readyAt = nowMs();
  send({ type: 'ready', at: state.readyAt, startupMs: state.readyAt - state.startedAt });
}

/**
 * Counts requests by action at the client, as a cross-check of the server-side count, for the
 * consumers whose SQSClient the benchmark builds itself.
 */
export function countRequests(client: SQSClient): void {
  client.middlewareStack.add(
    (next, context) => (args) => {
      const action = String(context.commandName ?? 'unknown').replace(/Command$/, '');
      state.clientCounts[action] = (state.clientCounts[action] ?? 0) + 1;
      return next(args);
    },
    { step: 'initialize', name: 'benchRequestCounter' },
  );
}

function report(): Record<string, unknown> {
  sampleRss();
  const cpuStart = state.cpuAtFirst;
  const cpuEnd = state.cpuAtDone ?? process.cpuUsage();
  const cpu = cpuStart
    ? { userMs: (cpuEnd.user - cpuStart.user) / 1_000, systemMs: (cpuEnd.system - cpuStart.system) / 1_000 }
    : undefined;
  const total = process.cpuUsage();
  return {
    type: 'report',
    handled: state.handled,
    unique: state.unique,
    duplicates: state.duplicates,
    maxRunning: state.maxRunning,
    firstStart: state.firstStart,
    lastEnd: state.lastEnd,
    doneAt: state.doneAt,
    handlerMs: state.handlerMs,
    cpu,
    cpuTotalMs: (total.user + total.system) / 1_000,
    peakRss: state.peakRss,
    maxRssKernel: process.resourceUsage().maxRSS * 1_024,
    rssSeries: state.rssSeries,
    heapSeries: state.heapSeries,
    startupMs: state.readyAt ? state.readyAt - state.startedAt : undefined,
    clientCounts: state.clientCounts,
  };
}

process.on('message', (msg: { type: string }) => {
  if (msg.type === 'report') send(report());
  // End of a run: exit at once (process.exit still writes a --cpu-prof profile; a signal does not).
  else if (msg.type === 'exit') process.exit(0);
});
// The orchestrator went away: never linger as an orphan.
process.on('disconnect', () => process.exit(0));
// The IPC channel must not keep the process alive: shutdown is measured to the real exit.
process.channel?.unref();

/** For consumers to report start-up failures to the orchestrator. */
export function fail(err: unknown): never {
  const text = err instanceof Error ? (err.stack ?? err.message) : String(err);
  process.stderr.write(`[${config.consumer}] failed: ${text}\n`);
  process.exit(1);
}
