// One fault case: its own fauxqs process, a scratch directory with the record file all its
// consumers append to, and the consumers it started (killed on cleanup, whatever happened).
import { createServer } from 'node:net';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { scratchDir, startConsumer, startFauxqsProcess, type NodeProcess } from './processes.js';
import { FaultSqs, Records, type FaultQueue } from './queues.js';
import type { SqsServerOptions } from '../../../src/sqs/index.js';

export class FaultCase {
  readonly recordFile: string;
  private readonly processes: NodeProcess[] = [];

  private constructor(
    readonly name: string,
    readonly fauxqs: NodeProcess,
    readonly endpoint: string,
    readonly sqs: FaultSqs,
    readonly dir: string,
    private readonly cleanupDir: () => void,
  ) {
    this.recordFile = join(dir, 'records.jsonl');
  }

  static async start(name: string): Promise<FaultCase> {
    const { proc, endpoint } = await startFauxqsProcess();
    const { dir, cleanup } = scratchDir(name);
    return new FaultCase(name, proc, endpoint, new FaultSqs(endpoint), dir, cleanup);
  }

  /** The recording consumer (Nest microservice + FaultController) on `queue`. */
  async recordingConsumer(
    run: string,
    queue: FaultQueue,
    options: Partial<SqsServerOptions>,
    env: Record<string, string> = {},
  ): Promise<NodeProcess> {
    return this.track(
      await startConsumer({
        run,
        recordFile: this.recordFile,
        cwd: this.dir,
        env: {
          FAULT_SQS_ENDPOINT: this.endpoint,
          FAULT_QUEUE_URL: queue.url,
          FAULT_SERVER_OPTIONS: JSON.stringify(options),
          ...env,
        },
      }),
    );
  }

  /** The real service (`bootstrap()` of src/main.ts), configured through its environment. */
  async service(run: string, env: Record<string, string>): Promise<NodeProcess> {
    return this.track(
      await startConsumer({
        run,
        recordFile: this.recordFile,
        cwd: this.dir,
        env: {
          FAULT_MODE: 'service',
          APP_ENV: 'local',
          AWS_REGION: 'us-east-1',
          AWS_ACCESS_KEY_ID: 'test',
          AWS_SECRET_ACCESS_KEY: 'test',
          LOG_LEVEL: process.env.TEST_LOGS ? 'info' : 'warn',
          ...env,
        },
      }),
    );
  }

  records(): Records {
    return Records.read(this.recordFile);
  }

  /** Waits until the queue is empty (visible + in flight + delayed = 0) twice in a row. */
  async queueEmpty(queueUrl: string): Promise<boolean> {
    if ((await this.sqs.depth(queueUrl)) !== 0) return false;
    await sleep(200);
    return (await this.sqs.depth(queueUrl)) === 0;
  }

  async cleanup(): Promise<void> {
    for (const p of this.processes) p.signal('SIGKILL');
    await Promise.all(this.processes.map((p) => p.exited));
    this.sqs.close();
    await this.fauxqs.stop(5_000);
    if (process.env.FAULT_KEEP_RECORDS) process.stderr.write(`[${this.name}] records kept in ${this.recordFile}\n`);
    else this.cleanupDir();
  }

  private track(p: NodeProcess): NodeProcess {
    this.processes.push(p);
    return p;
  }
}

/** A TCP port free on loopback right now. */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** Short description of a process's end for assertion messages. */
export function describeExit(p: NodeProcess): string {
  return p.exit ? `code ${p.exit.code}, signal ${p.exit.signal}` : 'still running';
}
