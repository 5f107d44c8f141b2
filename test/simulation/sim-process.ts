// One consumer process of the simulation: the real ConsumerEngine with the product's default
// options (but `concurrency`), wired to the model through its own client, so that a kill -9
// silences exactly this process's calls and nothing else.
import type { S3Client } from '@aws-sdk/client-s3';
import type { SQSClient } from '@aws-sdk/client-sqs';
import { ConsumerEngine } from '../../src/sqs/engine/consumer-engine.js';
import { ConsumerStatus } from '../../src/sqs/engine/consumer-status.js';
import type { HeldMessage } from '../../src/sqs/core/held-message.js';
import type { DecodedMessage } from '../../src/sqs/dispatch/message-decoder.js';
import { resolveSqsServerOptions, type ResolvedSqsServerOptions } from '../../src/sqs/core/sqs.options.js';
import type { ModelSqsClient } from './model/model-client.js';

export const SIM_PATTERN = 'sim.work';

export interface ProcessParts {
  id: string;
  queueUrl: string;
  concurrency: number;
  client: ModelSqsClient;
  /** S3 for Extended Client pointers. */
  s3: S3Client;
  /** Runs one message's handler in this process. */
  handle(proc: SimProcess, data: unknown, held: HeldMessage): Promise<void>;
  emit: (event: string, info?: { messageId?: string }) => void;
}

const SILENT = { log: () => undefined, warn: () => undefined, error: () => undefined };

export class SimProcess {
  readonly id: string;
  readonly options: ResolvedSqsServerOptions;
  readonly engine: ConsumerEngine;
  /** SQS message ids whose handler runs now in this process. */
  readonly running = new Set<string>();
  killed = false;
  started = false;
  closing?: { startedAt: number; endedAt?: number };

  constructor(readonly parts: ProcessParts) {
    this.id = parts.id;
    this.options = resolveSqsServerOptions({
      queues: [{ url: parts.queueUrl }],
      concurrency: parts.concurrency,
      largePayloads: { s3: parts.s3 },
    });
    this.engine = new ConsumerEngine({
      client: parts.client as unknown as SQSClient,
      options: this.options,
      dispatcher: {
        route: (pattern) =>
          pattern === SIM_PATTERN
            ? (decoded: DecodedMessage, held) => parts.handle(this, decoded.data, held)
            : undefined,
      },
      emit: (event, ...args) => parts.emit(event, args[0] as { messageId?: string } | undefined),
      status: new ConsumerStatus(() => undefined),
      logger: SILENT,
    });
  }

  /** Whether the engine has read the queue's redrive policy (it cannot tell a last receive before). */
  get maxReceiveCountKnown(): boolean {
    // The engine keeps its queues private.
    return (this.engine as any).queues?.[0]?.maxReceiveCount !== undefined;
  }

  get live(): boolean {
    return !this.killed && !this.closing;
  }

  async start(): Promise<void> {
    await this.engine.start();
    this.started = true;
  }

  /** SIGTERM: a graceful close, timed in virtual time. */
  close(): Promise<void> {
    const closing = (this.closing = { startedAt: Date.now() } as { startedAt: number; endedAt?: number });
    return this.engine.close().then(() => {
      closing.endedAt = Date.now();
    });
  }

  /** kill -9: the process is gone; its calls and handlers never return. */
  kill(): void {
    this.killed = true;
    this.parts.client.kill();
  }
}
