// A consumer under test in its own process (its CPU and memory are its own), reporting over IPC.
import { fork, type ChildProcess } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import type { Args } from './cli.js';
import type { ConsumerDef } from './consumer-defs.js';
import type { BenchConfig } from './lib/harness.js';
import { nowMs, REGION, ROOT } from './orchestrator-env.js';

export interface ConsumerReport {
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

export class ConsumerProcess {
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
