import type { SqsContext } from '../../src/sqs/index.js';

export interface HandledCall {
  pattern: string;
  data: unknown;
  messageId: string;
  receiveCount: number;
  attributes: Record<string, unknown>;
  startedAt: number;
  finishedAt?: number;
}

/** Shared by a spec and its controllers: what ran, and how many at once. */
export class Recorder {
  readonly calls: HandledCall[] = [];
  running = 0;
  maxRunning = 0;

  start(pattern: string, data: unknown, ctx: SqsContext): HandledCall {
    const call: HandledCall = {
      pattern,
      data,
      messageId: ctx.getMessageId(),
      receiveCount: ctx.getReceiveCount(),
      attributes: ctx.getMessageAttributes(),
      startedAt: Date.now(),
    };
    this.calls.push(call);
    this.running += 1;
    this.maxRunning = Math.max(this.maxRunning, this.running);
    return call;
  }

  finish(call: HandledCall): void {
    call.finishedAt = Date.now();
    this.running -= 1;
  }

  /** Records a whole handler run around `work`. */
  async around<T>(pattern: string, data: unknown, ctx: SqsContext, work: () => Promise<T> | T): Promise<T> {
    const call = this.start(pattern, data, ctx);
    try {
      return await work();
    } finally {
      this.finish(call);
    }
  }

  callsFor(messageId: string): HandledCall[] {
    return this.calls.filter((c) => c.messageId === messageId);
  }

  reset(): void {
    this.calls.length = 0;
    this.running = 0;
    this.maxRunning = 0;
  }
}
