// The transport's own cost per message, without HTTP, signing or parsing: a Nest microservice on
// `SqsServer` (product defaults, Nest's full dispatch) over an SQS client whose `send` answers
// at once from memory, beside a simple loop over the same client. The difference is what the
// engine, Nest and the guarantees (heartbeat, duplicate suppression, batching) cost per message,
// which the end-to-end W1 mixes with the SDK's ~200 µs. Measures CPU, so that an optimisation of
// a few µs shows above the noise the machine adds to W1; it prints numbers and asserts nothing.
//
//   node .build/bench/micro/engine-overhead.js [messages=200000] [rounds=5]
import 'reflect-metadata';
import { Controller, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { MessagePattern } from '@nestjs/microservices';
import {
  DeleteMessageBatchCommand,
  ReceiveMessageCommand,
  SQSClient,
  type Message,
  type ReceiveMessageCommandOutput,
} from '@aws-sdk/client-sqs';
import { setImmediate as turn } from 'node:timers/promises';
import { SqsExceptionFilter, SqsServer } from '../../src/sqs/index.js';

const QUEUE_URL = 'http://127.0.0.1:1/000000000000/engine-overhead';
const CONCURRENCY = 10;

/** Counts handled messages and the CPU between the first and the last. */
class Meter {
  private count = 0;
  private cpu?: NodeJS.CpuUsage;
  private startedAt = 0;
  private resolveDone!: (result: { cpuUs: number; ms: number }) => void;
  readonly done = new Promise<{ cpuUs: number; ms: number }>((resolve) => (this.resolveDone = resolve));

  constructor(private readonly total: number) {}

  handled(): void {
    if (this.count++ === 0) {
      this.cpu = process.cpuUsage();
      this.startedAt = performance.now();
    }
    if (this.count === this.total) {
      const used = process.cpuUsage(this.cpu);
      this.resolveDone({ cpuUs: used.user + used.system, ms: performance.now() - this.startedAt });
    }
  }
}

/** An SQS client answering from memory after one event-loop turn, as a network answer would. */
class MemorySqsClient extends SQSClient {
  private sequence = 0;

  constructor(private remaining: number) {
    super({ region: 'us-east-1', credentials: { accessKeyId: 'memory', secretAccessKey: 'memory' } });
  }

  // @ts-expect-error -- one signature of the SDK's overloads is enough for the transport.
  override async send(command: unknown, options?: { abortSignal?: AbortSignal }): Promise<never> {
    await turn();
    if (command instanceof ReceiveMessageCommand) return this.receive(command, options?.abortSignal) as never;
    if (command instanceof DeleteMessageBatchCommand) {
      return { Successful: command.input.Entries!.map((e) => ({ Id: e.Id })) } as never;
    }
    return { Attributes: {} } as never;
  }

  private async receive(command: ReceiveMessageCommand, signal?: AbortSignal): Promise<ReceiveMessageCommandOutput> {
    const count = Math.min(command.input.MaxNumberOfMessages ?? 1, this.remaining);
    this.remaining -= count;
    if (count === 0) {
      // An empty queue: a long poll, shortened to 200 ms so that closing does not wait 20 s.
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, 200);
        signal?.addEventListener('abort', () => (clearTimeout(timer), resolve()), { once: true });
      });
      return { Messages: [], $metadata: {} };
    }
    const now = String(Date.now());
    const messages: Message[] = [];
    for (let i = 0; i < count; i++) {
      const id = `m-${this.sequence++}`;
      messages.push({
        MessageId: id,
        ReceiptHandle: `receipt-${id}`,
        Body: '{"n":1}',
        Attributes: { ApproximateReceiveCount: '1', SentTimestamp: now, ApproximateFirstReceiveTimestamp: now },
        MessageAttributes: { pattern: { DataType: 'String', StringValue: 'bench' } },
      });
    }
    return { Messages: messages, $metadata: {} };
  }
}

async function runServer(total: number): Promise<{ cpuUs: number; ms: number }> {
  const meter = new Meter(total);
  @Controller()
  class BenchController {
    @MessagePattern('bench')
    handle(): Promise<void> {
      meter.handled();
      return Promise.resolve();
    }
  }
  @Module({ controllers: [BenchController] })
  class BenchModule {}
  const server = new SqsServer({
    queues: [{ url: QUEUE_URL }],
    client: new MemorySqsClient(total),
    concurrency: CONCURRENCY,
  });
  const app = await NestFactory.createMicroservice(BenchModule, { strategy: server, logger: false });
  app.useGlobalFilters(new SqsExceptionFilter());
  await app.listen();
  const result = await meter.done;
  await app.close();
  return result;
}

/** The reference: C workers, each receive 10, handle one by one, one DeleteMessageBatch. */
async function runLoop(total: number): Promise<{ cpuUs: number; ms: number }> {
  const meter = new Meter(total);
  const sqs = new MemorySqsClient(total);
  let stopping = false;
  const abort = new AbortController();
  const handle = (_data: unknown): Promise<void> => {
    meter.handled();
    return Promise.resolve();
  };
  const worker = async (): Promise<void> => {
    while (!stopping) {
      const out = await sqs.send(
        new ReceiveMessageCommand({ QueueUrl: QUEUE_URL, MaxNumberOfMessages: 10, MessageAttributeNames: ['All'] }),
        { abortSignal: abort.signal },
      );
      const messages = (out as ReceiveMessageCommandOutput).Messages ?? [];
      const done: Message[] = [];
      for (const m of messages) {
        await handle(JSON.parse(m.Body!));
        done.push(m);
      }
      const entries = done.map((m, i) => ({ Id: String(i), ReceiptHandle: m.ReceiptHandle }));
      if (entries.length) await sqs.send(new DeleteMessageBatchCommand({ QueueUrl: QUEUE_URL, Entries: entries }));
    }
  };
  const workers = Array.from({ length: CONCURRENCY }, worker);
  const result = await meter.done;
  stopping = true;
  abort.abort();
  await Promise.allSettled(workers);
  return result;
}

async function main(): Promise<void> {
  const total = Number(process.argv[2] ?? 200_000);
  const rounds = Number(process.argv[3] ?? 5);
  const rows: Record<string, number[]> = { server: [], loop: [] };
  // Warm-up of both, then alternate, so the machine's drift hits both alike.
  await runServer(total / 4);
  await runLoop(total / 4);
  for (let round = 0; round < rounds; round++) {
    for (const [name, run] of [
      ['server', runServer],
      ['loop', runLoop],
    ] as const) {
      const { cpuUs } = await run(total);
      rows[name]!.push(cpuUs / total);
    }
  }
  const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  const server = median(rows.server!);
  const loop = median(rows.loop!);
  process.stdout.write(
    `CPU µs per message, in memory (no HTTP, no SDK), C = ${CONCURRENCY}, ${total} messages, median of ${rounds}:\n` +
      `  SqsServer (defaults, Nest dispatch): ${server.toFixed(2)}  [${rows.server!.map((x) => x.toFixed(2)).join(', ')}]\n` +
      `  simple loop:                         ${loop.toFixed(2)}  [${rows.loop!.map((x) => x.toFixed(2)).join(', ')}]\n` +
      `  the transport's own cost:            ${(server - loop).toFixed(2)} µs per message\n`,
  );
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
