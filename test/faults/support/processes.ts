// Real processes for the fault suite: the SQS server (fauxqs), the consumers under test and
// the soak producer, each a child `node` process that the spec can SIGKILL or SIGTERM.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

const SUPPORT_DIR = dirname(fileURLToPath(import.meta.url));
/** The compiled repository root (`.build/`), where `src/` and `test/` are side by side. */
export const BUILD_ROOT = join(SUPPORT_DIR, '..', '..', '..');

export interface ExitInfo {
  code: number | null;
  signal: NodeJS.Signals | null;
  at: number;
}

/** A child node process with its output kept (the tail) for failure messages. */
export class NodeProcess {
  readonly exited: Promise<ExitInfo>;
  exit?: ExitInfo;
  private readonly output: string[] = [];
  private readonly lineWaiters: Array<{ match: (line: string) => boolean; resolve: (line: string) => void }> = [];

  constructor(
    readonly name: string,
    readonly child: ChildProcess,
  ) {
    this.exited = new Promise((resolve) => {
      child.on('exit', (code, signal) => {
        this.exit = { code, signal, at: Date.now() };
        resolve(this.exit);
      });
    });
    for (const [stream, tag] of [
      [child.stdout, 'out'],
      [child.stderr, 'err'],
    ] as const) {
      if (!stream) continue;
      createInterface({ input: stream }).on('line', (line) => {
        if (process.env.TEST_LOGS) process.stderr.write(`[${name} ${tag}] ${line}\n`);
        this.output.push(`${tag}: ${line}`);
        if (this.output.length > 200) this.output.splice(0, this.output.length - 200);
        for (const w of [...this.lineWaiters]) {
          if (w.match(line)) {
            this.lineWaiters.splice(this.lineWaiters.indexOf(w), 1);
            w.resolve(line);
          }
        }
      });
    }
  }

  get pid(): number {
    return this.child.pid!;
  }

  get running(): boolean {
    return this.exit === undefined;
  }

  /** The last lines the process wrote, for assertion messages. */
  tail(lines = 40): string {
    return this.output.slice(-lines).join('\n');
  }

  /** Resolves with the first stdout/stderr line matching, or rejects when the process exits first. */
  waitForLine(match: (line: string) => boolean, what: string, timeoutMs = 60_000): Promise<string> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`${this.name}: timed out waiting for ${what}\n${this.tail()}`)),
        timeoutMs,
      );
      const waiter = { match, resolve: (line: string) => (clearTimeout(timer), resolve(line)) };
      this.lineWaiters.push(waiter);
      void this.exited.then((e) => {
        clearTimeout(timer);
        reject(new Error(`${this.name} exited (code ${e.code}, signal ${e.signal}) before ${what}\n${this.tail()}`));
      });
    });
  }

  signal(signal: NodeJS.Signals): void {
    if (this.running) this.child.kill(signal);
  }

  /** SIGTERM, then SIGKILL if it is still there after `graceMs`. */
  async stop(graceMs = 30_000): Promise<ExitInfo> {
    if (!this.running) return this.exit!;
    this.signal('SIGTERM');
    const timer = setTimeout(() => this.signal('SIGKILL'), graceMs);
    try {
      return await this.exited;
    } finally {
      clearTimeout(timer);
    }
  }
}

export function spawnNode(
  name: string,
  script: string,
  env: Record<string, string | undefined>,
  options: { cwd?: string } = {},
): NodeProcess {
  const child = spawn(process.execPath, ['--enable-source-maps', script], {
    cwd: options.cwd,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  return new NodeProcess(name, child);
}

export function supportScript(name: string): string {
  return join(SUPPORT_DIR, name);
}

/** A fauxqs process on loopback; `port` 0 picks one. */
export async function startFauxqsProcess(port = 0): Promise<{ proc: NodeProcess; port: number; endpoint: string }> {
  const proc = spawnNode('fauxqs', supportScript('fauxqs-process.js'), { FAUXQS_PORT: String(port) });
  const line = await proc.waitForLine((l) => l.startsWith('{"port"'), 'fauxqs to listen', 30_000);
  const actual = (JSON.parse(line) as { port: number }).port;
  return { proc, port: actual, endpoint: `http://127.0.0.1:${actual}` };
}

/** A scratch directory removed by `cleanup()`. */
export function scratchDir(prefix: string): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), `faults-${prefix}-`));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** Reads the JSON lines a consumer recorded (a torn last line after `kill -9` is skipped). */
export function readJsonLines<T>(file: string): T[] {
  if (!existsSync(file)) return [];
  const out: T[] = [];
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    if (!line) continue;
    try {
      out.push(JSON.parse(line) as T);
    } catch {
      // the last line of a killed process may be cut short
    }
  }
  return out;
}

export interface ConsumerOptions {
  /** Tag of this run in the record file (consumers of one case share the file). */
  run: string;
  recordFile: string;
  /** Working directory: a scratch dir, so the service never reads a developer's `.env`. */
  cwd: string;
  env: Record<string, string | undefined>;
  readyTimeoutMs?: number;
}

/** Starts test/faults/support/consumer.js and waits until it is listening. */
export async function startConsumer(options: ConsumerOptions): Promise<NodeProcess> {
  const proc = spawnNode(
    `consumer ${options.run}`,
    supportScript('consumer.js'),
    {
      ...options.env,
      FAULT_RUN: options.run,
      FAULT_RECORD_FILE: options.recordFile,
    },
    { cwd: options.cwd },
  );
  await proc.waitForLine(
    (l) => l.startsWith('{"ready":true'),
    `consumer ${options.run} to start`,
    options.readyTimeoutMs ?? 60_000,
  );
  return proc;
}
