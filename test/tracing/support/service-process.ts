// The built service (`.build/src/main.js`) as a child process, as a pod runs it: its stdout
// JSON lines collected, SIGTERM to stop it (the graceful shutdown flushes the OpenTelemetry SDK).
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

const MAIN_JS = fileURLToPath(new URL('../../../src/main.js', import.meta.url));

export class ServiceProcess {
  /** Every JSON line the service wrote to stdout. */
  readonly lines: Array<Record<string, unknown>> = [];
  readonly exited: Promise<number | null>;
  private readonly child: ChildProcess;

  constructor(env: Record<string, string>) {
    this.child = spawn(process.execPath, ['--enable-source-maps', MAIN_JS], {
      env: { PATH: process.env.PATH ?? '', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.exited = new Promise((resolve) => this.child.on('exit', (code) => resolve(code)));
    createInterface({ input: this.child.stdout! }).on('line', (line) => {
      if (process.env.TEST_LOGS) process.stderr.write(`[service] ${line}\n`);
      try {
        this.lines.push(JSON.parse(line) as Record<string, unknown>);
      } catch {
        this.lines.push({ raw: line });
      }
    });
    createInterface({ input: this.child.stderr! }).on('line', (line) =>
      process.stderr.write(`[service err] ${line}\n`),
    );
  }

  /** SIGTERM, then SIGKILL after `graceMs`; resolves with the exit code. */
  async stop(graceMs = 30_000): Promise<number | null> {
    if (this.child.exitCode !== null) return this.child.exitCode;
    this.child.kill('SIGTERM');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), graceMs);
    try {
      return await this.exited;
    } finally {
      clearTimeout(timer);
    }
  }
}
