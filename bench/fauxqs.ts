// The SQS server: fauxqs in its own process (servers/fauxqs-server.ts), asked over IPC for its
// request counts and told the simulated network's latency.
import { fork, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { BUILD } from './orchestrator-env.js';

export interface ReceiveTally {
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

export class Fauxqs {
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
