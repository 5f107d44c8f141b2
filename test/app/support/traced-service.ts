// The built service (`main.js`) as a child process under strace, recording every system call
// that names a file, so that a spec can say which paths the service touched.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

/** The compiled service entry point (`.build/src/main.js`). */
export const MAIN_JS = fileURLToPath(new URL('../../../src/main.js', import.meta.url));

/** Why strace cannot trace a child here (not installed, ptrace forbidden), or undefined. */
export function straceUnavailable(): string | undefined {
  const probe = spawnSync('strace', ['-f', '-qq', '-e', 'trace=%file', '-o', '/dev/null', 'true'], {
    encoding: 'utf8',
    timeout: 10_000,
  });
  if (probe.error) return `strace not runnable: ${probe.error.message}`;
  return probe.status === 0 ? undefined : `strace cannot trace here: ${probe.stderr.trim()}`;
}

export class TracedService {
  /** Every stdout and stderr line, in order. */
  readonly lines: Array<{ stream: 'out' | 'err'; line: string }> = [];
  readonly exited: Promise<number | null>;
  private readonly strace: ChildProcess;

  constructor(
    private readonly traceFile: string,
    env: Record<string, string>,
    cwd: string,
  ) {
    // -f follows libuv's thread pool, where Node opens files; %file is every call taking a path.
    this.strace = spawn('strace', ['-f', '-qq', '-e', 'trace=%file', '-o', traceFile, process.execPath, MAIN_JS], {
      cwd,
      // io_uring would let the kernel open files without a system call strace can see.
      env: { PATH: process.env.PATH ?? '', UV_USE_IO_URING: '0', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.exited = new Promise((resolve) => this.strace.on('exit', (code) => resolve(code)));
    for (const [stream, tag] of [
      [this.strace.stdout!, 'out'],
      [this.strace.stderr!, 'err'],
    ] as const) {
      createInterface({ input: stream }).on('line', (line) => {
        if (process.env.TEST_LOGS) process.stderr.write(`[service ${tag}] ${line}\n`);
        this.lines.push({ stream: tag, line });
      });
    }
  }

  /** The service's own pid (strace's child): signals go to it, not to strace. */
  private servicePid(): number | undefined {
    try {
      const pid = this.strace.pid!;
      return (
        Number(
          readFileSync(join('/proc', String(pid), 'task', String(pid), 'children'), 'utf8')
            .trim()
            .split(/\s+/)[0],
        ) || undefined
      );
    } catch {
      return undefined;
    }
  }

  /** SIGTERM to the service (a graceful shutdown, still traced), SIGKILL to both after `graceMs`. */
  async stop(graceMs = 30_000): Promise<number | null> {
    const pid = this.servicePid();
    if (pid) process.kill(pid, 'SIGTERM');
    const timer = setTimeout(() => {
      if (pid) process.kill(pid, 'SIGKILL');
      this.strace.kill('SIGKILL');
    }, graceMs);
    try {
      return await this.exited;
    } finally {
      clearTimeout(timer);
    }
  }

  /** The lines of the strace log (one system call each). */
  trace(): string[] {
    return readFileSync(this.traceFile, 'utf8').split('\n');
  }

  /** Output lines that are not JSON objects. */
  nonJsonLines(): string[] {
    return this.lines
      .filter(({ line }) => line.trim() !== '' && !isJsonObject(line))
      .map(({ stream, line }) => `${stream}: ${line}`);
  }

  tail(count = 30): string {
    return this.lines
      .slice(-count)
      .map(({ stream, line }) => `${stream}: ${line}`)
      .join('\n');
  }
}

function isJsonObject(line: string): boolean {
  try {
    const value: unknown = JSON.parse(line);
    return typeof value === 'object' && value !== null;
  } catch {
    return false;
  }
}
