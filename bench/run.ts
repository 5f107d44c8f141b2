// `npm run bench`: the consumer benchmark. A script, not a test.
//
// Starts fauxqs in its own process (loopback, request counter by action), then for every
// workload and consumer: a fresh queue, filled with SendMessageBatch before the consumer starts,
// and the consumer in its own process (its CPU and memory are its own) reporting over IPC.
// Each configuration runs `--runs` times (3) after a warm-up; the table shows medians and the
// raw figures go to bench/results/<timestamp>.json. See bench/README.md.
import {
  CreateQueueCommand,
  DeleteQueueCommand,
  GetQueueAttributesCommand,
  SendMessageBatchCommand,
  SendMessageCommand,
  SQSClient,
  type SendMessageBatchRequestEntry,
} from '@aws-sdk/client-sqs';
import { fork, spawnSync, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { runFleet } from './fleet.js';
import type { BenchConfig, BenchMode, BenchPayload } from './lib/harness.js';
import { fmt, MB, median, pct, percentile, slope } from './lib/stats.js';

const ROOT = path.resolve(import.meta.dirname, '../..');
const BUILD = path.join(ROOT, '.build/bench');
const REGION = 'us-east-1';
const PARENT_CREDENTIALS = { accessKeyId: 'bench', secretAccessKey: 'bench' };
const nowMs = (): number => performance.timeOrigin + performance.now();

// ---------------------------------------------------------------------------------------------
// Command line

interface Args {
  quick: boolean;
  runs: number;
  only?: Set<string>;
  consumers?: Set<string>;
  profile: boolean;
  verbose: boolean;
  soakSeconds?: number;
  /** Extra SqsServer options (JSON) for the sqs-server* consumers, for experiments. */
  serverOptions?: Record<string, unknown>;
  /** Extra Node flags for the consumer processes (experiments), e.g. --max-semi-space-size=4. */
  nodeArgs: string[];
  /** Simulated network: every SQS request answered this many ms later (each value a configuration). */
  latencies: number[];
  /** Length of the idle measurement (s); a multiple of the 20 s long poll. */
  idleSeconds?: number;
}

function usage(): string {
  return [
    'Usage: npm run bench -- [options]',
    '  --quick              1 run each, smaller counts, no warm-up (smoke test, ~5 min)',
    '  --runs=N             measured runs per configuration (default 3, after a warm-up)',
    `  --only=LIST          workloads: ${WORKLOADS.map((w) => `${w.id}|${w.key}`).join(', ')}, fleet`,
    `  --consumers=LIST     ${CONSUMERS.map((c) => c.id).join(', ')}`,
    '  --soak-seconds=N     length of the back-pressure run (default 60)',
    '  --latency-ms=N[,M]   simulated network: every SQS request answered N ms later (default 0);',
    '                       a list runs every configuration at each (README: --latency-ms=0,20)',
    '  --idle-seconds=N     length of the idle request count (default 60; --quick 40)',
    '  --server-options=JSON extra SqsServer options for the sqs-server* consumers (experiments)',
    '  --node-args="FLAGS"  extra Node flags for the consumer processes (experiments)',
    '  --profile            run our consumer with --cpu-prof (bench/results/profiles/)',
    "  --verbose            pass the consumers' stderr through",
    '  -h, --help           this text',
    '',
  ].join('\n');
}

/** A bad command line: one line on stderr, the usage, exit 2 (before anything starts). */
function usageError(message: string): never {
  process.stderr.write(`bench: ${message}\n\n${usage()}`);
  process.exit(2);
}

const VALUED_OPTIONS = new Set([
  '--runs',
  '--only',
  '--consumers',
  '--soak-seconds',
  '--idle-seconds',
  '--latency-ms',
  '--node-args',
  '--server-options',
]);

function parseArgs(argv: string[]): Args {
  const args: Args = { quick: false, runs: 3, profile: false, verbose: false, nodeArgs: [], latencies: [0] };
  for (const a of argv) {
    const eq = a.indexOf('=');
    const key = eq < 0 ? a : a.slice(0, eq);
    const value = eq < 0 ? undefined : a.slice(eq + 1);
    if (VALUED_OPTIONS.has(key) && value === undefined) usageError(`${key} needs a value: ${key}=...`);
    if (key === '--quick') args.quick = true;
    else if (key === '--runs') args.runs = Number(value);
    else if (key === '--only') args.only = new Set(value!.split(',').map((s) => s.trim()));
    else if (key === '--consumers') args.consumers = new Set(value!.split(',').map((s) => s.trim()));
    else if (key === '--profile') args.profile = true;
    else if (key === '--verbose') args.verbose = true;
    else if (key === '--soak-seconds') args.soakSeconds = Number(value);
    else if (key === '--idle-seconds') args.idleSeconds = Number(value);
    else if (key === '--latency-ms') {
      args.latencies = [...new Set(value!.split(',').map((v) => Number(v.trim())))];
      if (args.latencies.some((v) => !Number.isFinite(v) || v < 0))
        usageError(`--latency-ms: not a list of ms: ${value}`);
    } else if (key === '--node-args') args.nodeArgs = value!.split(/\s+/).filter(Boolean);
    else if (key === '--server-options') args.serverOptions = JSON.parse(value!) as Record<string, unknown>;
    else if (key === '--help' || key === '-h') {
      process.stdout.write(usage());
      process.exit(0);
    } else usageError(`unknown option ${a}`);
  }
  if (args.quick && !argv.some((a) => a.startsWith('--runs'))) args.runs = 1;
  return args;
}

// ---------------------------------------------------------------------------------------------
// Consumers and workloads

interface ConsumerDef {
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

const SSUT_DIR = path.join(ROOT, 'bench/peers/ssut-nestjs-sqs');

const CONSUMERS: ConsumerDef[] = [
  {
    id: 'sqs-server',
    label: 'SqsServer (this service), defaults',
    script: path.join(BUILD, 'consumers/sqs-server.js'),
    profileable: true,
  },
  {
    id: 'sqs-server-tuned',
    label: 'SqsServer, tuned options (prefetch 2×, maxReceiversPerQueue 2×)',
    script: path.join(BUILD, 'consumers/sqs-server.js'),
    profileable: true,
    // Twice the adaptive intake's ceiling (defaults: maxReceiversPerQueue max(10, C / 10),
    // prefetch that × 10). Before adaptive intake this doubled fixed receivers and measured no
    // better than the defaults (2026-11-22); kept as an experiment.
    options: (w) => {
      const maxReceiversPerQueue = 2 * Math.max(10, Math.ceil(w.concurrency / 10));
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
    id: 'sqs-server-semi8',
    label: 'SqsServer, defaults, node --max-semi-space-size=8 (as the image runs it)',
    script: path.join(BUILD, 'consumers/sqs-server.js'),
    nodeArgs: ['--max-semi-space-size=8'],
    workloads: ['backpressure'],
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
  },
  {
    id: 'simple-loop-batch',
    label: 'simple loop, batch (C/10 receivers, Promise.all, DeleteMessageBatch)',
    script: path.join(BUILD, 'consumers/simple-loop-batch.js'),
  },
];

/** The reference the targets are measured against. */
const REFERENCE = 'simple-loop';

type WorkloadKind = 'throughput' | 'latency' | 'soak' | 'shutdown' | 'idle';

interface WorkloadDef {
  id: string;
  key: string;
  title: string;
  kind: WorkloadKind;
  messages: number;
  concurrency: number;
  /** Handler delay of message i (ms). */
  delay: (i: number) => number;
  /** Consumers run by default (all when undefined). */
  defaultConsumers?: string[];
  /** Consumers never run on it (even when named in --consumers). */
  excludeConsumers?: string[];
}

function workloads(quick: boolean): WorkloadDef[] {
  const q = (full: number, small: number): number => (quick ? small : full);
  return [
    {
      id: 'w1',
      key: 'noop',
      title: 'no-op handler',
      kind: 'throughput',
      messages: q(10_000, 2_000),
      concurrency: 10,
      delay: () => 0,
    },
    {
      id: 'w2',
      key: 'wait50',
      title: 'handler awaits 50 ms',
      kind: 'throughput',
      messages: q(2_000, 500),
      concurrency: 10,
      delay: () => 50,
    },
    // 0..100 ms, fixed per message, spread so that every batch of 10 mixes short and long.
    {
      id: 'w3',
      key: 'wait-var',
      title: 'handler awaits 0-100 ms',
      kind: 'throughput',
      messages: q(2_000, 500),
      concurrency: 10,
      delay: (i) => (i * 37) % 101,
    },
    {
      id: 'w4',
      key: 'c100',
      title: 'C = 100, handler awaits 50 ms',
      kind: 'throughput',
      messages: q(20_000, 4_000),
      concurrency: 100,
      delay: () => 50,
    },
    {
      id: 'w5',
      key: 'latency',
      title: 'idle latency',
      kind: 'latency',
      messages: q(200, 50),
      concurrency: 10,
      delay: () => 0,
    },
    {
      id: 'w6',
      key: 'backpressure',
      title: 'back pressure (100k queue, 50 ms, 60 s)',
      kind: 'soak',
      messages: q(100_000, 20_000),
      concurrency: 10,
      delay: () => 50,
      defaultConsumers: ['sqs-server', 'sqs-server-semi8', 'simple-loop'],
    },
    // Not the simple loop: its first worker takes all 10 messages and runs them one by one,
    // so 10 handlers never run at once (the run would wait for them in vain).
    {
      id: 'w7',
      key: 'shutdown',
      title: 'shutdown (idle; 10 handlers of 2 s running)',
      kind: 'shutdown',
      messages: 10,
      concurrency: 10,
      delay: () => 2_000,
      excludeConsumers: ['simple-loop'],
    },
    // Every consumer at once, idle on its own empty queue; requests counted by access key.
    {
      id: 'w8',
      key: 'idle',
      title: 'idle requests per hour (empty queue)',
      kind: 'idle',
      messages: 0,
      concurrency: 10,
      delay: () => 0,
    },
  ];
}
const WORKLOADS = workloads(false);

// ---------------------------------------------------------------------------------------------
// The SQS server and the orchestrator's own client

interface ReceiveTally {
  /** ReceiveMessage answers sent. */
  answered: number;
  /** Of those, answers with at least one message. */
  withMessages: number;
  /** Messages handed out (redeliveries included). */
  messages: number;
}

interface FauxqsReply {
  type: string;
  id?: number;
  counts?: Record<string, number>;
  byKey?: Record<string, number>;
  receive?: ReceiveTally;
}

class Fauxqs {
  private nextId = 1;
  private readonly pending = new Map<number, (reply: FauxqsReply) => void>();
  private constructor(
    private readonly child: ChildProcess,
    readonly endpoint: string,
  ) {
    child.on('message', (m: FauxqsReply) => {
      if ((m.type === 'counts' || m.type === 'latency') && m.id !== undefined) {
        this.pending.get(m.id)?.(m);
        this.pending.delete(m.id);
      }
    });
  }

  private ask(message: Record<string, unknown>): Promise<FauxqsReply> {
    const id = this.nextId++;
    return new Promise((resolve) => {
      this.pending.set(id, resolve);
      this.child.send({ ...message, id });
    });
  }

  static async start(): Promise<Fauxqs> {
    const child = fork(path.join(BUILD, 'servers/fauxqs-server.js'), [], {
      execPath: process.execPath,
      execArgv: [],
      env: { ...process.env, FAUXQS_PORT: '0', FAUXQS_HOST: '127.0.0.1', FAUXQS_LOGGER: 'false' },
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    const endpoint = await new Promise<string>((resolve, reject) => {
      child.once('message', (m: { type: string; endpoint: string }) =>
        m.type === 'listening' ? resolve(m.endpoint) : reject(new Error('fauxqs: unexpected message')),
      );
      child.once('exit', (code) => reject(new Error(`fauxqs exited (${code}) before listening`)));
    });
    return new Fauxqs(child, endpoint);
  }

  /** The consumers' requests so far, by action. */
  async counts(): Promise<Record<string, number>> {
    return (await this.ask({ type: 'counts' })).counts ?? {};
  }

  /** The consumers' requests by action and their ReceiveMessage answers so far. */
  async snapshot(): Promise<{ counts: Record<string, number>; receive: ReceiveTally }> {
    const reply = await this.ask({ type: 'counts' });
    return { counts: reply.counts ?? {}, receive: reply.receive ?? { answered: 0, withMessages: 0, messages: 0 } };
  }

  /** The consumers' requests so far, by access key id. */
  async countsByKey(): Promise<Record<string, number>> {
    return (await this.ask({ type: 'counts' })).byKey ?? {};
  }

  /** Every request from now on is handed to fauxqs `ms` later (the simulated network). */
  async setLatency(ms: number): Promise<void> {
    await this.ask({ type: 'latency', ms });
  }

  stop(): void {
    this.child.kill('SIGTERM');
  }
}

function parentClient(endpoint: string): SQSClient {
  const client = new SQSClient({ endpoint, region: REGION, credentials: PARENT_CREDENTIALS });
  // Tags the orchestrator's requests so the server counts only the consumer's.
  client.middlewareStack.add(
    (next) => (args) => {
      const request = args.request as { headers?: Record<string, string> };
      if (request.headers) request.headers['x-bench-parent'] = '1';
      return next(args);
    },
    { step: 'build', name: 'benchParentTag' },
  );
  return client;
}

async function createQueue(sqs: SQSClient, name: string): Promise<string> {
  const out = await sqs.send(
    new CreateQueueCommand({
      QueueName: `bench-${name}-${randomUUID().slice(0, 8)}`,
      Attributes: { VisibilityTimeout: '30' },
    }),
  );
  return out.QueueUrl!;
}

const PATTERN_ATTRIBUTE = { pattern: { DataType: 'String', StringValue: 'bench' } };

async function fill(
  sqs: SQSClient,
  queueUrl: string,
  count: number,
  delay: (i: number) => number,
  parallel = 8,
): Promise<void> {
  const batches: SendMessageBatchRequestEntry[][] = [];
  for (let start = 0; start < count; start += 10) {
    const entries: SendMessageBatchRequestEntry[] = [];
    for (let i = start; i < Math.min(count, start + 10); i++) {
      const payload: BenchPayload = { i, d: delay(i) };
      entries.push({
        Id: String(i - start),
        MessageBody: JSON.stringify(payload),
        MessageAttributes: PATTERN_ATTRIBUTE,
      });
    }
    batches.push(entries);
  }
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < batches.length) {
      const entries = batches[next++]!;
      const out = await sqs.send(new SendMessageBatchCommand({ QueueUrl: queueUrl, Entries: entries }));
      if (out.Failed?.length) throw new Error(`SendMessageBatch: ${out.Failed.length} failed`);
    }
  };
  await Promise.all(Array.from({ length: parallel }, worker));
}

async function queueCounts(sqs: SQSClient, queueUrl: string): Promise<{ visible: number; inFlight: number }> {
  const { Attributes = {} } = await sqs.send(
    new GetQueueAttributesCommand({
      QueueUrl: queueUrl,
      AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'],
    }),
  );
  return {
    visible: Number(Attributes.ApproximateNumberOfMessages ?? 0),
    inFlight: Number(Attributes.ApproximateNumberOfMessagesNotVisible ?? 0),
  };
}

async function waitDrained(sqs: SQSClient, queueUrl: string, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const c = await queueCounts(sqs, queueUrl);
    if (c.visible === 0 && c.inFlight === 0) return true;
    await sleep(50);
  }
  return false;
}

// ---------------------------------------------------------------------------------------------
// Consumer processes

interface ConsumerReport {
  handled: number;
  unique: number;
  duplicates: number;
  maxRunning: number;
  firstStart: number;
  lastEnd: number;
  doneAt: number;
  handlerMs: number;
  cpu?: { userMs: number; systemMs: number };
  cpuTotalMs: number;
  peakRss: number;
  maxRssKernel: number;
  rssSeries: Array<[number, number]>;
  heapSeries?: Array<[number, number, number, number, number]>;
  startupMs?: number;
  clientCounts: Record<string, number>;
}

class ConsumerProcess {
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null; at: number }>;
  private readonly listeners = new Set<(m: Record<string, unknown>) => void>();
  readonly stderr: string[] = [];

  constructor(
    readonly child: ChildProcess,
    verbose: boolean,
    label: string,
  ) {
    this.exited = new Promise((resolve) =>
      child.once('exit', (code, signal) => resolve({ code, signal, at: nowMs() })),
    );
    child.on('message', (m: Record<string, unknown>) => {
      for (const l of [...this.listeners]) l(m);
    });
    child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
      for (const line of chunk.split('\n').filter(Boolean)) {
        this.stderr.push(line);
        if (this.stderr.length > 200) this.stderr.shift();
        if (verbose) process.stderr.write(`  [${label}] ${line}\n`);
      }
    });
    child.stdout?.resume();
  }

  static spawn(def: ConsumerDef, config: BenchConfig, args: Args): ConsumerProcess {
    const execArgv: string[] = [...(def.nodeArgs ?? []), ...args.nodeArgs];
    if (args.profile && def.profileable) {
      const dir = path.join(ROOT, 'bench/results/profiles');
      mkdirSync(dir, { recursive: true });
      execArgv.push(
        '--cpu-prof',
        `--cpu-prof-dir=${dir}`,
        `--cpu-prof-name=${def.id}-${config.mode}-${Date.now()}.cpuprofile`,
      );
    }
    const child = fork(def.script, [], {
      execPath: process.execPath,
      execArgv,
      env: {
        ...process.env,
        BENCH_CONFIG: JSON.stringify(config),
        AWS_ACCESS_KEY_ID: 'bench',
        AWS_SECRET_ACCESS_KEY: 'bench',
        AWS_REGION: REGION,
      },
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
      cwd: ROOT,
    });
    return new ConsumerProcess(child, args.verbose, def.id);
  }

  /** The next IPC message of this type (optionally matching), or a rejection on timeout/exit. */
  next<T extends object>(type: string, timeoutMs: number, match: (m: T) => boolean = () => true): Promise<T> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        cleanup();
        reject(new Error(`timed out after ${timeoutMs} ms waiting for '${type}'${this.tail()}`));
      }, timeoutMs);
      const listener = (m: Record<string, unknown>): void => {
        if (m.type === type && match(m as unknown as T)) {
          cleanup();
          resolve(m as unknown as T);
        }
      };
      const onExit = (code: number | null): void => {
        cleanup();
        reject(new Error(`consumer exited (${code}) while waiting for '${type}'${this.tail()}`));
      };
      const cleanup = (): void => {
        clearTimeout(timer);
        this.listeners.delete(listener);
        this.child.off('exit', onExit);
      };
      this.listeners.add(listener);
      this.child.once('exit', onExit);
    });
  }

  async report(): Promise<ConsumerReport> {
    const reply = this.next<ConsumerReport & { type: string }>('report', 10_000);
    this.child.send({ type: 'report' });
    return reply;
  }

  async kill(): Promise<void> {
    if (this.child.exitCode === null && this.child.signalCode === null) {
      // process.exit() in the consumer: immediate, and it still writes a --cpu-prof profile.
      if (this.child.connected) this.child.send({ type: 'exit' });
      else this.child.kill('SIGKILL');
      const timer = setTimeout(() => this.child.kill('SIGKILL'), 5_000);
      await this.exited;
      clearTimeout(timer);
    }
  }

  tail(): string {
    return this.stderr.length ? `\n    consumer stderr:\n    ${this.stderr.slice(-15).join('\n    ')}` : '';
  }
}

// ---------------------------------------------------------------------------------------------
// One run of each kind

interface RunResult {
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

interface RunContext {
  sqs: SQSClient;
  fauxqs: Fauxqs;
  args: Args;
  soakSeconds: number;
  /** The simulated network of the current runs (ms added to every request). */
  latencyMs: number;
}

/** Filling is not measured: more senders when every SendMessageBatch pays the simulated network. */
function fillParallel(ctx: RunContext): number {
  return ctx.latencyMs > 0 ? 32 : 8;
}

function baseConfig(
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

function diffCounts(after: Record<string, number>, before: Record<string, number>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [k, v] of Object.entries(after)) {
    const d = v - (before[k] ?? 0);
    if (d) out[k] = d;
  }
  return out;
}

async function runThroughput(
  ctx: RunContext,
  def: ConsumerDef,
  w: WorkloadDef,
  messages: number,
): Promise<Partial<RunResult>> {
  const queueUrl = await createQueue(ctx.sqs, w.key);
  try {
    await fill(ctx.sqs, queueUrl, messages, w.delay, fillParallel(ctx));
    const before = await ctx.fauxqs.snapshot();
    const consumer = ConsumerProcess.spawn(def, baseConfig(ctx, def, w, queueUrl, 'throughput', messages), ctx.args);
    try {
      await consumer.next('ready', 30_000);
      const meanDelay = Array.from({ length: messages }, (_, i) => w.delay(i)).reduce((a, b) => a + b, 0) / messages;
      const ideal = meanDelay > 0 ? w.concurrency / (meanDelay / 1_000) : undefined;
      const timeout = 60_000 + (ideal ? (5 * messages * 1_000) / ideal : 0);
      await consumer.next('done', timeout);
      const drained = await waitDrained(ctx.sqs, queueUrl, 15_000);
      const after = await ctx.fauxqs.snapshot();
      const report = await consumer.report();
      await consumer.kill();
      const requests = diffCounts(after.counts, before.counts);
      const receivesWithMessages = after.receive.withMessages - before.receive.withMessages;
      const messagesReceived = after.receive.messages - before.receive.messages;
      const windowS = (report.lastEnd - report.firstStart) / 1_000;
      const throughput = messages / windowS;
      const totalRequests = Object.values(requests).reduce((a, b) => a + b, 0);
      const cpuS = report.cpu ? (report.cpu.userMs + report.cpu.systemMs) / 1_000 : undefined;
      return {
        ok: drained,
        error: drained ? undefined : 'queue not drained 15 s after the last message was handled',
        requests,
        clientRequests: report.clientCounts,
        report: { ...report, rssSeries: [] },
        metrics: {
          messages,
          throughput,
          windowS,
          idealThroughput: ideal,
          fractionOfIdeal: ideal ? throughput / ideal : undefined,
          utilization: report.handlerMs / (w.concurrency * windowS * 1_000),
          cpuS,
          cpuMsPer1k: cpuS !== undefined ? (cpuS * 1_000 * 1_000) / messages : undefined,
          requestsPerMessage: totalRequests / messages,
          receivePerMessage: (requests.ReceiveMessage ?? 0) / messages,
          deletePerMessage: ((requests.DeleteMessageBatch ?? 0) + (requests.DeleteMessage ?? 0)) / messages,
          otherPerMessage:
            (totalRequests -
              (requests.ReceiveMessage ?? 0) -
              (requests.DeleteMessageBatch ?? 0) -
              (requests.DeleteMessage ?? 0)) /
            messages,
          // Receives that brought messages, the mean batch they brought, and the rest: empty
          // answers plus the long polls still waiting when the counts were read.
          receivesWithMessages,
          messagesPerReceive: receivesWithMessages ? messagesReceived / receivesWithMessages : undefined,
          receivesEmptyOrWaiting: (requests.ReceiveMessage ?? 0) - receivesWithMessages,
          messagesReceived,
          deleteBatches: requests.DeleteMessageBatch ?? 0,
          messagesPerDeleteBatch: requests.DeleteMessageBatch ? messages / requests.DeleteMessageBatch : undefined,
          peakRssMB: report.peakRss / MB,
          duplicates: report.duplicates,
          maxRunning: report.maxRunning,
          startupMs: report.startupMs,
        },
      };
    } finally {
      await consumer.kill();
    }
  } finally {
    await ctx.sqs.send(new DeleteQueueCommand({ QueueUrl: queueUrl })).catch(() => undefined);
  }
}

async function runLatency(
  ctx: RunContext,
  def: ConsumerDef,
  w: WorkloadDef,
  messages: number,
): Promise<Partial<RunResult>> {
  const queueUrl = await createQueue(ctx.sqs, w.key);
  const consumer = ConsumerProcess.spawn(def, baseConfig(ctx, def, w, queueUrl, 'latency', messages), ctx.args);
  try {
    await consumer.next('ready', 30_000);
    await sleep(1_000); // idle: every receiver is in its long poll
    const latencies: number[] = [];
    for (let i = 0; i < messages; i++) {
      const started = consumer.next<{ type: string; i: number; latencyMs: number }>(
        'started',
        25_000,
        (m) => m.i === i,
      );
      const payload: BenchPayload = { i, d: 0, t: nowMs() };
      await ctx.sqs.send(
        new SendMessageCommand({
          QueueUrl: queueUrl,
          MessageBody: JSON.stringify(payload),
          MessageAttributes: PATTERN_ATTRIBUTE,
        }),
      );
      latencies.push((await started).latencyMs);
      await sleep(20 + Math.random() * 10); // back to idle before the next one
    }
    const report = await consumer.report();
    return {
      ok: true,
      latencies,
      report: { ...report, rssSeries: [] },
      metrics: {
        messages,
        p50: percentile(latencies, 50),
        p90: percentile(latencies, 90),
        p99: percentile(latencies, 99),
        max: Math.max(...latencies),
        peakRssMB: report.peakRss / MB,
      },
    };
  } finally {
    await consumer.kill();
    await ctx.sqs.send(new DeleteQueueCommand({ QueueUrl: queueUrl })).catch(() => undefined);
  }
}

async function runSoak(
  ctx: RunContext,
  def: ConsumerDef,
  w: WorkloadDef,
  messages: number,
): Promise<Partial<RunResult>> {
  const queueUrl = await createQueue(ctx.sqs, w.key);
  try {
    await fill(ctx.sqs, queueUrl, messages, w.delay, fillParallel(ctx));
    const before = await ctx.fauxqs.counts();
    const consumer = ConsumerProcess.spawn(def, baseConfig(ctx, def, w, queueUrl, 'soak', messages), ctx.args);
    try {
      await consumer.next('ready', 30_000);
      await sleep(ctx.soakSeconds * 1_000 + 500);
      const after = await ctx.fauxqs.counts();
      const report = await consumer.report();
      const series = report.rssSeries.map(([t, rss]) => [t / 1_000, rss / MB] as [number, number]);
      // "Not growing": the slope over the second half of the run (V8 sizes its young generation
      // in the first seconds under load; what matters is that it levels off).
      const half = ctx.soakSeconds / 2;
      const secondHalf = series.filter(([t]) => t >= half);
      const first = median(series.filter(([t]) => t >= 5 && t < 15).map(([, r]) => r));
      const mid = median(series.filter(([t]) => t >= half - 5 && t < half + 5).map(([, r]) => r));
      const last = median(series.slice(-10).map(([, r]) => r));
      const windowS = (report.lastEnd - report.firstStart) / 1_000;
      const ideal = w.concurrency / 0.05;
      const requests = diffCounts(after, before);
      const totalRequests = Object.values(requests).reduce((a, b) => a + b, 0);
      return {
        ok: true,
        rssSeries: series,
        requests,
        report: { ...report, rssSeries: [] },
        metrics: {
          seconds: ctx.soakSeconds,
          handled: report.handled,
          throughput: report.handled / windowS,
          fractionOfIdeal: report.handled / windowS / ideal,
          rssStartMB: first,
          rssMidMB: mid,
          rssEndMB: last,
          rssMaxMB: Math.max(...series.map(([, r]) => r)),
          rssSlopeMBPerMin: slope(secondHalf) * 60,
          peakRssMB: report.peakRss / MB,
          requestsPerMessage: totalRequests / Math.max(1, report.handled),
        },
      };
    } finally {
      await consumer.kill();
    }
  } finally {
    await ctx.sqs.send(new DeleteQueueCommand({ QueueUrl: queueUrl })).catch(() => undefined);
  }
}

async function runShutdown(
  ctx: RunContext,
  def: ConsumerDef,
  w: WorkloadDef,
  busy: boolean,
): Promise<Partial<RunResult>> {
  const queueUrl = await createQueue(ctx.sqs, `${w.key}-${busy ? 'busy' : 'idle'}`);
  const config = {
    ...baseConfig(ctx, def, w, queueUrl, 'shutdown', busy ? w.messages : 1),
    runningTarget: busy ? w.messages : undefined,
  };
  const consumer = ConsumerProcess.spawn(def, config, ctx.args);
  try {
    await consumer.next('ready', 30_000);
    if (busy) {
      const running = consumer.next('running', 30_000);
      await fill(ctx.sqs, queueUrl, w.messages, w.delay, fillParallel(ctx));
      await running;
    } else {
      await sleep(1_500);
    }
    const t0 = nowMs();
    consumer.child.kill('SIGTERM');
    const limit = setTimeout(() => consumer.child.kill('SIGKILL'), 45_000);
    const exit = await consumer.exited;
    clearTimeout(limit);
    const seconds = (exit.at - t0) / 1_000;
    await sleep(200);
    const left = busy ? await queueCounts(ctx.sqs, queueUrl) : undefined;
    return {
      ok: exit.signal !== 'SIGKILL',
      error: exit.signal === 'SIGKILL' ? 'did not exit within 45 s of SIGTERM' : undefined,
      metrics: {
        [busy ? 'busySeconds' : 'idleSeconds']: seconds,
        ...(left ? { leftVisible: left.visible, leftInFlight: left.inFlight } : {}),
        exitCode: exit.code ?? undefined,
      },
    };
  } finally {
    await consumer.kill();
    await ctx.sqs.send(new DeleteQueueCommand({ QueueUrl: queueUrl })).catch(() => undefined);
  }
}

/**
 * Every consumer at once, each idle on its own empty queue with its own access key, for
 * `seconds` (a multiple of the 20 s long poll, so each long poll in flight counts the same
 * number of times); its requests in that window, scaled to an hour. Start-up requests are left
 * out (the window opens 3 s after the last consumer is ready): what an idle hour costs.
 */
async function runIdle(
  ctx: RunContext,
  defs: ConsumerDef[],
  w: WorkloadDef,
  seconds: number,
): Promise<Map<string, Partial<RunResult>>> {
  const out = new Map<string, Partial<RunResult>>();
  const started: Array<{ def: ConsumerDef; key: string; queueUrl: string; consumer: ConsumerProcess }> = [];
  try {
    for (const def of defs) {
      const queueUrl = await createQueue(ctx.sqs, `${w.key}-${def.id}`);
      const key = `bench-idle-${def.id}-${ctx.latencyMs}`;
      const consumer = ConsumerProcess.spawn(
        def,
        { ...baseConfig(ctx, def, w, queueUrl, 'idle', 0), accessKeyId: key },
        ctx.args,
      );
      started.push({ def, key, queueUrl, consumer });
    }
    const failedToStart = new Map<string, string>();
    await Promise.all(
      started.map(({ def, consumer }) =>
        consumer.next('ready', 30_000).catch((err: Error) => failedToStart.set(def.id, err.message)),
      ),
    );
    await sleep(3_000);
    const before = await ctx.fauxqs.countsByKey();
    await sleep(seconds * 1_000);
    const after = await ctx.fauxqs.countsByKey();
    for (const { def, key } of started) {
      const error = failedToStart.get(def.id);
      const requests = (after[key] ?? 0) - (before[key] ?? 0);
      out.set(def.id, {
        ok: !error,
        error,
        metrics: error
          ? {}
          : { idleSeconds: seconds, idleRequests: requests, idleRequestsPerHour: (requests * 3_600) / seconds },
      });
    }
  } finally {
    await Promise.all(started.map(({ consumer }) => consumer.kill()));
    for (const { queueUrl } of started)
      await ctx.sqs.send(new DeleteQueueCommand({ QueueUrl: queueUrl })).catch(() => undefined);
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Peers that need an install of their own

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

// ---------------------------------------------------------------------------------------------
// Main

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
  const latencyTag = (ms: number): string => (args.latencies.length > 1 || ms > 0 ? ` ${`+${ms} ms`.padStart(7)}` : '');
  const results: RunResult[] = [];
  let fleet: Awaited<ReturnType<typeof runFleet>> | undefined;

  try {
    for (const w of selectedWorkloads) {
      const forWorkload = consumers.filter(
        (c) =>
          !skipped.has(c.id) &&
          (!c.workloads || c.workloads.includes(w.key)) &&
          !w.excludeConsumers?.includes(c.id) &&
          (args.consumers?.has(c.id) || !w.defaultConsumers || w.defaultConsumers.includes(c.id)),
      );
      process.stderr.write(`\n${w.id} ${w.title}: ${forWorkload.map((c) => c.id).join(', ')}\n`);
      if (w.kind === 'idle') {
        for (const latencyMs of args.latencies) {
          await useLatency(latencyMs);
          const loadavg = os.loadavg();
          const t = Date.now();
          const byConsumer = await runIdle(ctx, forWorkload, w, idleSeconds).catch(
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
              `  run 1${latencyTag(latencyMs)} ${def.id.padEnd(19)} ${((Date.now() - t) / 1_000).toFixed(1).padStart(5)} s  ${summarize(w, result)}\n`,
            );
          }
        }
        continue;
      }
      const runs = w.kind === 'soak' ? 1 : args.runs;
      const warmup = !args.quick && (w.kind === 'throughput' || w.kind === 'latency');
      // Rounds interleave the consumers, so that a change in machine load hits them all alike.
      // Each latency in turn within a round, for the same reason.
      for (let run = warmup ? 0 : 1; run <= runs; run++) {
        for (const latencyMs of args.latencies) {
          await useLatency(latencyMs);
          for (const def of forWorkload) {
            const isWarmup = run === 0;
            const loadavg = os.loadavg();
            const t = Date.now();
            let partial: Partial<RunResult>;
            try {
              if (w.kind === 'throughput')
                partial = await runThroughput(ctx, def, w, isWarmup ? Math.ceil(w.messages / 10) : w.messages);
              else if (w.kind === 'latency') partial = await runLatency(ctx, def, w, isWarmup ? 20 : w.messages);
              else if (w.kind === 'soak') partial = await runSoak(ctx, def, w, w.messages);
              else {
                const idle = await runShutdown(ctx, def, w, false);
                const busy = await runShutdown(ctx, def, w, true);
                partial = {
                  ok: !!(idle.ok && busy.ok),
                  error: idle.error ?? busy.error,
                  metrics: { ...idle.metrics, ...busy.metrics },
                };
              }
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
              `  ${isWarmup ? 'warm-up' : `run ${run}`}${latencyTag(latencyMs)} ${def.id.padEnd(19)} ${((Date.now() - t) / 1_000).toFixed(1).padStart(5)} s  ${summarize(w, result)}\n`,
            );
          }
        }
      }
    }
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
    case 'shutdown':
      return `idle ${fmt(m.idleSeconds, 3)} s, busy ${fmt(m.busySeconds, 3)} s (left on queue: ${m.leftVisible ?? '?'} visible, ${m.leftInFlight ?? '?'} in flight)`;
  }
}

/**
 * One row of the tables: a consumer at one simulated latency. The summary is keyed by
 * `configKey`: the consumer id on loopback, `id+20ms` with the simulated network.
 */
interface RowConfig {
  consumer: ConsumerDef;
  latencyMs: number;
  key: string;
  label: string;
}

function configKey(id: string, latencyMs: number): string {
  return latencyMs > 0 ? `${id}+${latencyMs}ms` : id;
}

function latencyLabel(ms: number): string {
  return ms > 0 ? `+${ms} ms` : 'loopback';
}

function rowConfigs(cs: ConsumerDef[], latencies: number[]): RowConfig[] {
  return cs.flatMap((c) =>
    latencies.map((latencyMs) => ({
      consumer: c,
      latencyMs,
      key: configKey(c.id, latencyMs),
      label: latencies.length > 1 || latencyMs > 0 ? `${c.label}, ${latencyLabel(latencyMs)}` : c.label,
    })),
  );
}

type Summary = Record<
  string,
  Record<string, { runs: number; failed: number; latencyMs: number; medians: Record<string, number> }>
>;

function summarizeAll(ws: WorkloadDef[], cs: ConsumerDef[], latencies: number[], results: RunResult[]): Summary {
  const out: Summary = {};
  for (const w of ws) {
    out[w.key] = {};
    for (const { consumer: c, latencyMs, key } of rowConfigs(cs, latencies)) {
      const runs = results.filter(
        (r) => r.workload === w.key && r.consumer === c.id && r.latencyMs === latencyMs && !r.warmup,
      );
      if (runs.length === 0) continue;
      const ok = runs.filter((r) => r.ok);
      const keys = new Set(ok.flatMap((r) => Object.keys(r.metrics)));
      const medians: Record<string, number> = {};
      for (const k of keys) medians[k] = median(ok.map((r) => r.metrics[k] ?? Number.NaN));
      // Requests per message by action (medians over runs).
      const actions = new Set(ok.flatMap((r) => Object.keys(r.requests ?? {})));
      for (const a of actions)
        medians[`req:${a}`] = median(
          ok.map((r) => (r.requests?.[a] ?? 0) / (r.metrics.messages ?? r.metrics.handled ?? 1)),
        );
      out[w.key]![key] = { runs: runs.length, failed: runs.length - ok.length, latencyMs, medians };
    }
  }
  return out;
}

interface TableMeta {
  date: Date;
  minutes: number;
  machine: { cpus: number; cpuModel?: string; memoryGiB: number; node: string; loadavgAtStart: number[] };
  loadEnd: number[];
  args: Args;
  idleSeconds: number;
}

/** The throughput workloads whose requests per message must stay at the floor. */
const REQUEST_WORKLOADS = [
  ['noop', 'W1'],
  ['wait50', 'W2'],
  ['wait-var', 'W3'],
  ['c100', 'W4'],
] as const;

/**
 * The README's table (issue 9): per consumer, loopback and each simulated latency side by side
 * in every cell ("loopback / +20 ms").
 */
function renderCompact(ws: WorkloadDef[], cs: ConsumerDef[], s: Summary, meta: TableMeta): string[] {
  const latencies = meta.args.latencies;
  const has = (w: string): boolean => ws.some((x) => x.key === w);
  const get = (w: string, key: string, k: string): number | undefined => s[w]?.[key]?.medians[k];
  const failed = (w: string, key: string): string => (s[w]?.[key]?.failed ? '!' : '');
  const cols: Array<[string, (c: ConsumerDef, l: number) => string]> = [];
  if (has('noop')) {
    cols.push([
      'W1 msg/s',
      (c, l) => `${fmt(get('noop', configKey(c.id, l), 'throughput'))}${failed('noop', configKey(c.id, l))}`,
    ]);
    cols.push([
      'W1 × simple loop',
      (c, l) => {
        const t = get('noop', configKey(c.id, l), 'throughput');
        const ref = get('noop', configKey(REFERENCE, l), 'throughput');
        return t !== undefined && ref !== undefined ? `${fmt(t / ref, 2)}×` : '–';
      },
    ]);
  }
  for (const [w, id] of [
    ['wait50', 'W2'],
    ['wait-var', 'W3'],
    ['c100', 'W4'],
  ] as const) {
    if (has(w))
      cols.push([
        `${id} % of ideal`,
        (c, l) => `${pct(get(w, configKey(c.id, l), 'fractionOfIdeal'))}${failed(w, configKey(c.id, l))}`,
      ]);
  }
  const reqWorkloads = REQUEST_WORKLOADS.filter(([w]) => has(w));
  if (reqWorkloads.length) {
    cols.push([
      `req/msg, max of ${reqWorkloads.map(([, id]) => id).join('-')}`,
      (c, l) => {
        let worst: [number, string] | undefined;
        for (const [w, id] of reqWorkloads) {
          const r = get(w, configKey(c.id, l), 'requestsPerMessage');
          if (r !== undefined && Number.isFinite(r) && (!worst || r > worst[0])) worst = [r, id];
        }
        return worst ? `${fmt(worst[0], 3)} (${worst[1]})` : '–';
      },
    ]);
  }
  if (has('backpressure')) {
    cols.push([
      'W6 RSS MB 10 s → end',
      (c, l) => {
        const k = configKey(c.id, l);
        const a = get('backpressure', k, 'rssStartMB');
        return a === undefined ? '–' : `${fmt(a)} → ${fmt(get('backpressure', k, 'rssEndMB'))}`;
      },
    ]);
  }
  if (has('idle')) cols.push(['idle req/h', (c, l) => fmt(get('idle', configKey(c.id, l), 'idleRequestsPerHour'))]);
  const lines: string[] = [];
  const sides = latencies.map(latencyLabel).join(' / ');
  lines.push(
    `Summary (each cell: ${sides}; W1 × simple loop: msg/s over the simple loop's in the same run and network):`,
    '',
  );
  lines.push(`| consumer | ${cols.map(([h]) => h).join(' | ')} |`);
  lines.push(`| --- | ${cols.map(() => '---:').join(' | ')} |`);
  for (const c of cs) {
    if (!ws.some((w) => latencies.some((l) => s[w.key]?.[configKey(c.id, l)]))) continue;
    const cells = cols.map(([, cell]) => {
      const values = latencies.map((l) => cell(c, l));
      return values.every((v) => v === '–') ? '–' : values.join(' / ');
    });
    lines.push(`| ${c.label} | ${cells.join(' | ')} |`);
  }
  return lines;
}

function renderTables(ws: WorkloadDef[], cs: ConsumerDef[], s: Summary, meta: TableMeta): string {
  const lines: string[] = [];
  const rows = rowConfigs(cs, meta.args.latencies);
  const get = (w: string, c: string, k: string): number | undefined => s[w]?.[c]?.medians[k];
  const has = (w: string): boolean => ws.some((x) => x.key === w);
  const failed = (w: string, c: string): string => (s[w]?.[c]?.failed ? ` (${s[w]![c]!.failed} failed)` : '');
  lines.push(
    `Run ${meta.date.toISOString().slice(0, 16).replace('T', ' ')} UTC, ${meta.machine.cpus} cores (${meta.machine.cpuModel ?? '?'}), ${meta.machine.memoryGiB} GiB, Node ${meta.machine.node}; ` +
      `load average ${meta.machine.loadavgAtStart[0]!.toFixed(2)} at start, ${meta.loadEnd[0]!.toFixed(2)} at end; ${meta.minutes.toFixed(1)} min; ` +
      `medians of ${meta.args.runs} run(s)${meta.args.quick ? ' (--quick: smaller counts, no warm-up)' : ' after a warm-up'}; ` +
      `simulated network: ${meta.args.latencies.map((l) => (l > 0 ? `+${l} ms per request` : 'none (loopback)')).join(', ')}.`,
  );
  lines.push('');
  lines.push(...renderCompact(ws, cs, s, meta), '');
  lines.push('All figures:', '');
  const header: string[] = ['consumer'];
  if (has('noop')) header.push('W1 msg/s', 'W1 CPU s', 'W1 req/msg (recv + del + other)', 'W1 peak RSS MB');
  if (has('wait50')) header.push('W2 % of ideal');
  if (has('wait-var')) header.push('W3 % of ideal');
  if (has('c100')) header.push('W4 % of ideal');
  if (REQUEST_WORKLOADS.some(([w]) => w !== 'noop' && has(w)))
    header.push(
      `req/msg ${REQUEST_WORKLOADS.filter(([w]) => w !== 'noop' && has(w))
        .map(([, id]) => id)
        .join(' / ')}`,
    );
  if (has('latency')) header.push('W5 p50 / p99 ms');
  if (has('backpressure')) header.push('W6 RSS MB at 10 s → mid → end (max); 2nd-half MB/min');
  if (has('shutdown')) header.push('W7 idle s', 'W7 busy s (left)');
  if (has('idle')) header.push('W8 idle req/h');
  lines.push(`| ${header.join(' | ')} |`);
  lines.push(`| ${header.map((_, i) => (i === 0 ? '---' : '---:')).join(' | ')} |`);
  for (const { key: c, label } of rows) {
    if (!ws.some((w) => s[w.key]?.[c])) continue;
    const row: string[] = [label];
    if (has('noop')) {
      const w = 'noop';
      row.push(
        `${fmt(get(w, c, 'throughput'))}${failed(w, c)}`,
        fmt(get(w, c, 'cpuS'), 2),
        get(w, c, 'requestsPerMessage') === undefined
          ? '–'
          : `${fmt(get(w, c, 'requestsPerMessage'), 3)} (${fmt(get(w, c, 'receivePerMessage'), 3)} + ${fmt(get(w, c, 'deletePerMessage'), 3)} + ${fmt(get(w, c, 'otherPerMessage'), 3)})`,
        fmt(get(w, c, 'peakRssMB')),
      );
    }
    for (const w of ['wait50', 'wait-var', 'c100'])
      if (has(w)) row.push(`${pct(get(w, c, 'fractionOfIdeal'))}${failed(w, c)}`);
    const others = REQUEST_WORKLOADS.filter(([w]) => w !== 'noop' && has(w));
    if (others.length) row.push(others.map(([w]) => fmt(get(w, c, 'requestsPerMessage'), 3)).join(' / '));
    if (has('latency')) {
      const p50 = get('latency', c, 'p50');
      row.push(p50 === undefined ? '–' : `${fmt(p50, 1)} / ${fmt(get('latency', c, 'p99'), 1)}${failed('latency', c)}`);
    }
    if (has('backpressure')) {
      const start = get('backpressure', c, 'rssStartMB');
      row.push(
        start === undefined
          ? '–'
          : `${fmt(start)} → ${fmt(get('backpressure', c, 'rssMidMB'))} → ${fmt(get('backpressure', c, 'rssEndMB'))} (${fmt(get('backpressure', c, 'rssMaxMB'))}); ${fmt(get('backpressure', c, 'rssSlopeMBPerMin'), 1)}`,
      );
    }
    if (has('shutdown')) {
      const busy = get('shutdown', c, 'busySeconds');
      const left = (get('shutdown', c, 'leftVisible') ?? 0) + (get('shutdown', c, 'leftInFlight') ?? 0);
      row.push(
        fmt(get('shutdown', c, 'idleSeconds'), 2),
        busy === undefined ? '–' : `${fmt(busy, 2)} (${fmt(left)})${failed('shutdown', c)}`,
      );
    }
    if (has('idle')) row.push(`${fmt(get('idle', c, 'idleRequestsPerHour'))}${failed('idle', c)}`);
    lines.push(`| ${row.join(' | ')} |`);
  }
  lines.push('');
  lines.push(
    'W1: 10,000 messages, no-op handler, C = 10 (msg/s from first handler start to last handler end; CPU of the consumer process over that window; requests counted at the server). ' +
      'W2: 2,000 × 50 ms, ideal 200 msg/s. W3: 2,000 × 0-100 ms fixed per message (mean 50 ms), ideal C / mean. W4: C = 100, 20,000 × 50 ms, ideal 2,000 msg/s. ' +
      `W5: 200 messages sent one at a time to an idle consumer, SendMessage to handler start. W6: 100,000 queued, 50 ms, C = 10, ${meta.args.soakSeconds ?? (meta.args.quick ? 15 : 60)} s, RSS sampled every second. ` +
      'W7: SIGTERM to exit, idle and with 10 handlers of 2 s running (grace: each library\'s default or 30 s); "left" = messages not deleted after exit. ' +
      `W8: every consumer idle at once on its own empty queue, C = 10, requests over ${meta.idleSeconds} s after start-up scaled to an hour. ` +
      "Simulated network: every SQS request (the consumer's and the orchestrator's) handed to the SQS server that many ms after it arrived.",
  );

  // Requests by action on W1.
  if (has('noop')) {
    const actions = new Set<string>();
    for (const { key } of rows)
      for (const k of Object.keys(s.noop?.[key]?.medians ?? {})) if (k.startsWith('req:')) actions.add(k.slice(4));
    const list = [...actions].sort();
    lines.push('', 'W1 SQS requests per message by action (counted at the server):', '');
    lines.push(`| consumer | ${list.join(' | ')} |`);
    lines.push(`| --- | ${list.map(() => '---:').join(' | ')} |`);
    for (const { key, label } of rows) {
      if (!s.noop?.[key]) continue;
      lines.push(`| ${label} | ${list.map((a) => fmt(get('noop', key, `req:${a}`), 4)).join(' | ')} |`);
    }
  }

  // Where the requests go, W1-W4: a consumer at the floor (0.2) receives and deletes in full
  // batches of 10; the surplus shows which side is short.
  const reqWs = REQUEST_WORKLOADS.filter(([w]) => has(w));
  if (reqWs.length) {
    lines.push(
      '',
      'Batching (medians): messages per receive that brought any / receives empty or still waiting at the count / messages per DeleteMessageBatch:',
      '',
    );
    lines.push(`| consumer | ${reqWs.map(([, id]) => id).join(' | ')} |`);
    lines.push(`| --- | ${reqWs.map(() => '---:').join(' | ')} |`);
    for (const { key, label } of rows) {
      if (!reqWs.some(([w]) => s[w]?.[key])) continue;
      const cells = reqWs.map(([w]) =>
        s[w]?.[key]
          ? `${fmt(get(w, key, 'messagesPerReceive'), 2)} / ${fmt(get(w, key, 'receivesEmptyOrWaiting'))} / ${fmt(get(w, key, 'messagesPerDeleteBatch'), 2)}`
          : '–',
      );
      lines.push(`| ${label} | ${cells.join(' | ')} |`);
    }
  }

  // Targets for this service's transport (issue 9), at each simulated latency, against the
  // simple loop of the same run and network.
  for (const latencyMs of meta.args.latencies) {
    for (const [id, title] of [
      ['sqs-server', 'SqsServer (defaults)'],
      ['sqs-server-semi8', 'SqsServer as the image runs it (--max-semi-space-size=8)'],
    ] as const) {
      const ours = configKey(id, latencyMs);
      if (!ws.some((w) => s[w.key]?.[ours])) continue;
      const checks: Array<[string, boolean | undefined, string]> = [];
      const ref = get('noop', configKey(REFERENCE, latencyMs), 'throughput');
      if (s.noop?.[ours]) {
        const t = get('noop', ours, 'throughput');
        checks.push([
          'W1 msg/s ≥ simple loop',
          t !== undefined && ref !== undefined ? t >= ref : undefined,
          `${fmt(t)} vs ${fmt(ref)}`,
        ]);
      }
      for (const [w, wid] of REQUEST_WORKLOADS) {
        if (!s[w]?.[ours]) continue;
        const r = get(w, ours, 'requestsPerMessage');
        checks.push([`${wid} requests/message ≤ 0.21`, r !== undefined ? r <= 0.21 : undefined, fmt(r, 3)]);
      }
      const frac = (w: string, min: number, label: string): void => {
        if (!s[w]?.[ours]) return;
        const f = get(w, ours, 'fractionOfIdeal');
        checks.push([label, f !== undefined ? f >= min : undefined, pct(f, 2)]);
      };
      frac('wait50', 0.97, 'W2 ≥ 97% of ideal');
      frac('wait-var', 0.97, 'W3 ≥ 97% of ideal');
      frac('c100', 0.9, 'W4 ≥ 90% of ideal');
      if (s.latency?.[ours]) {
        const p = get('latency', ours, 'p50');
        const limit = 20 + latencyMs;
        checks.push([`W5 idle latency p50 < ${limit} ms`, p !== undefined ? p < limit : undefined, `${fmt(p, 1)} ms`]);
      }
      if (s.backpressure?.[ours]) {
        const max = get('backpressure', ours, 'rssMaxMB');
        const sl = get('backpressure', ours, 'rssSlopeMBPerMin');
        checks.push([
          'W6 RSS < 150 MB and not growing (2nd-half slope < 1 MB/min)',
          max !== undefined && sl !== undefined ? max < 150 && sl < 1 : undefined,
          `max ${fmt(max, 1)} MB, 2nd-half slope ${fmt(sl, 2)} MB/min`,
        ]);
      }
      if (s.shutdown?.[ours]) {
        const idle = get('shutdown', ours, 'idleSeconds');
        checks.push(['W7 idle shutdown < 1 s', idle !== undefined ? idle < 1 : undefined, `${fmt(idle, 3)} s`]);
      }
      if (s.idle?.[ours]) {
        // Before adaptive intake the defaults ran prefetch / 10 = 1 long poll at a time (C = 10).
        const perHour = get('idle', ours, 'idleRequestsPerHour');
        checks.push([
          'W8 idle requests/hour ≤ 180 (one 20 s long poll at a time)',
          perHour !== undefined ? perHour <= 180 : undefined,
          fmt(perHour),
        ]);
      }
      if (checks.length) {
        lines.push('', `Targets, ${title}, ${latencyLabel(latencyMs)}:`, '');
        for (const [label, ok, value] of checks)
          lines.push(`- ${ok === undefined ? '[ ? ]' : ok ? '[met]' : '[NOT MET]'} ${label}: ${value}`);
      }
    }
  }
  return lines.join('\n');
}

main().catch((err: unknown) => {
  process.stderr.write(`bench failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
