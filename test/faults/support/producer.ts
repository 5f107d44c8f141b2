// The soak's producer, a process of its own so that filling the queue neither competes with
// the test's event loop nor pre-fills a million messages into fauxqs's memory: it sends
// `{"s": seq}` bodies (pattern `fault.noop`) with SendMessageBatch, FAULT_PARALLEL calls at
// once, and pauses while the queue holds more than FAULT_MAX_DEPTH visible messages.
// Prints a JSON progress line every second and `{"done": true, ...}` at the end.
import { GetQueueAttributesCommand, SendMessageBatchCommand, SQSClient } from '@aws-sdk/client-sqs';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { Agent } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';

const env = process.env;
const queueUrl = env.FAULT_QUEUE_URL!;
const total = Number(env.FAULT_TOTAL);
const parallel = Number(env.FAULT_PARALLEL ?? 4);
const maxDepth = Number(env.FAULT_MAX_DEPTH ?? 20_000);
const client = new SQSClient({
  endpoint: env.FAULT_SQS_ENDPOINT,
  region: 'us-east-1',
  credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
  requestHandler: new NodeHttpHandler({
    httpAgent: new Agent({ keepAlive: true, maxSockets: parallel + 2 }),
    requestTimeout: 30_000,
  }),
});

let next = 0;
let sent = 0;
let paused = false;
let pausedMs = 0;
const startedAt = Date.now();

async function watchDepth(): Promise<void> {
  while (sent < total) {
    const { Attributes = {} } = await client.send(
      new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['ApproximateNumberOfMessages'] }),
    );
    paused = Number(Attributes.ApproximateNumberOfMessages ?? 0) > maxDepth;
    process.stdout.write(
      `${JSON.stringify({ sent, depth: Number(Attributes.ApproximateNumberOfMessages ?? 0), paused, t: Date.now() })}\n`,
    );
    await sleep(1_000);
  }
}

async function worker(): Promise<void> {
  for (;;) {
    while (paused) {
      await sleep(100);
      pausedMs += 100;
    }
    const start = next;
    next += 10;
    if (start >= total) return;
    let seqs = Array.from({ length: Math.min(10, total - start) }, (_, i) => start + i);
    for (let attempt = 1; seqs.length; attempt++) {
      const result = await client.send(
        new SendMessageBatchCommand({
          QueueUrl: queueUrl,
          Entries: seqs.map((s) => ({
            Id: String(s),
            MessageBody: `{"s":${s}}`,
            MessageAttributes: { pattern: { DataType: 'String', StringValue: 'fault.noop' } },
          })),
        }),
      );
      sent += result.Successful?.length ?? 0;
      const failed = new Set((result.Failed ?? []).map((f) => Number(f.Id)));
      if (failed.size && attempt >= 10)
        throw new Error(`SendMessageBatch kept failing: ${JSON.stringify(result.Failed)}`);
      seqs = seqs.filter((s) => failed.has(s));
    }
  }
}

const watcher = watchDepth();
await Promise.all(Array.from({ length: parallel }, worker));
process.stdout.write(
  `${JSON.stringify({ done: true, sent, ms: Date.now() - startedAt, pausedMs: Math.round(pausedMs / parallel) })}\n`,
);
await watcher.catch(() => undefined);
client.destroy();
