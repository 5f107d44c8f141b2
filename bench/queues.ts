// The orchestrator's own SQS client (tagged so the server leaves its requests out of the
// counts) and what it does with it: create, fill, count and wait out a queue.
import {
  CreateQueueCommand,
  SendMessageBatchCommand,
  SQSClient,
  type SendMessageBatchRequestEntry,
} from '@aws-sdk/client-sqs';
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { BenchPayload } from './lib/harness.js';
import { queueDepth } from '../src/cli/dlq-context.js';
import { PARENT_CREDENTIALS, REGION } from './orchestrator-env.js';

export function parentClient(endpoint: string): SQSClient {
  const client = new SQSClient({ endpoint, region: REGION, credentials: PARENT_CREDENTIALS });
  // Tags the orchestrator's requests so the server counts only the consumer's.
  client.middlewareStack.add(
    (next) => (args) => {
      const request = args.request as { headers?: Record<string, string> };
      if (request.headers) request.headers['x-bench-parent'] = '1';
      return next(args);
    },
    { step: 'build', name: 'benchParentTag' },
  );
  return client;
}

export async function createQueue(sqs: SQSClient, name: string): Promise<string> {
  const out = await sqs.send(
    new CreateQueueCommand({
      QueueName: `bench-${name}-${randomUUID().slice(0, 8)}`,
      Attributes: { VisibilityTimeout: '30' },
    }),
  );
  return out.QueueUrl!;
}

export const PATTERN_ATTRIBUTE = { pattern: { DataType: 'String', StringValue: 'bench' } };

export async function fill(
  sqs: SQSClient,
  queueUrl: string,
  count: number,
  delay: (i: number) => number,
  parallel = 8,
): Promise<void> {
  const batches: SendMessageBatchRequestEntry[][] = [];
  for (let start = 0; start < count; start += 10) {
    const entries: SendMessageBatchRequestEntry[] = [];
    for (let i = start; i < Math.min(count, start + 10); i++) {
      const payload: BenchPayload = { i, d: delay(i) };
      entries.push({
        Id: String(i - start),
        MessageBody: JSON.stringify(payload),
        MessageAttributes: PATTERN_ATTRIBUTE,
      });
    }
    batches.push(entries);
  }
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < batches.length) {
      const entries = batches[next++]!;
      const out = await sqs.send(new SendMessageBatchCommand({ QueueUrl: queueUrl, Entries: entries }));
      if (out.Failed?.length) throw new Error(`SendMessageBatch: ${out.Failed.length} failed`);
    }
  };
  await Promise.all(Array.from({ length: parallel }, worker));
}

/** Visible and in-flight counts of a queue: the dead-letter command's own query. */
export const queueCounts = queueDepth;

export async function waitDrained(sqs: SQSClient, queueUrl: string, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const c = await queueCounts(sqs, queueUrl);
    if (c.visible === 0 && c.inFlight === 0) return true;
    await sleep(50);
  }
  return false;
}
