// W1-W4: a filled queue drained by the consumer; throughput, CPU, requests per message, RSS.
import { DeleteQueueCommand } from '@aws-sdk/client-sqs';
import type { ConsumerDef } from '../consumer-defs.js';
import { ConsumerProcess } from '../consumer-process.js';
import { MB } from '../lib/stats.js';
import { createQueue, fill, waitDrained } from '../queues.js';
import type { WorkloadDef } from './definitions.js';
import { baseConfig, diffCounts, fillParallel, type RunContext, type RunResult } from './run-context.js';

export async function runThroughput(
  ctx: RunContext,
  def: ConsumerDef,
  w: WorkloadDef,
  messages: number,
): Promise<Partial<RunResult>> {
  const queueUrl = await createQueue(ctx.sqs, w.key);
  try {
    await fill(ctx.sqs, queueUrl, messages, w.delay, fillParallel(ctx));
    const before = await ctx.fauxqs.snapshot();
    const consumer = ConsumerProcess.spawn(def, baseConfig(ctx, def, w, queueUrl, 'throughput', messages), ctx.args);
    try {
      await consumer.next('ready', 30_000);
      const meanDelay = Array.from({ length: messages }, (_, i) => w.delay(i)).reduce((a, b) => a + b, 0) / messages;
      const ideal = meanDelay > 0 ? w.concurrency / (meanDelay / 1_000) : undefined;
      const timeout = 60_000 + (ideal ? (5 * messages * 1_000) / ideal : 0);
      await consumer.next('done', timeout);
      const drained = await waitDrained(ctx.sqs, queueUrl, 15_000);
      const after = await ctx.fauxqs.snapshot();
      const report = await consumer.report();
      await consumer.kill();
      const requests = diffCounts(after.counts, before.counts);
      const receivesWithMessages = after.receive.withMessages - before.receive.withMessages;
      const messagesReceived = after.receive.messages - before.receive.messages;
      const windowS = (report.lastEnd - report.firstStart) / 1_000;
      const throughput = messages / windowS;
      const totalRequests = Object.values(requests).reduce((a, b) => a + b, 0);
      const cpuS = report.cpu ? (report.cpu.userMs + report.cpu.systemMs) / 1_000 : undefined;
      return {
        ok: drained,
        error: drained ? undefined : 'queue not drained 15 s after the last message was handled',
        requests,
        clientRequests: report.clientCounts,
        report: { ...report, rssSeries: [] },
        metrics: {
          messages,
          throughput,
          windowS,
          idealThroughput: ideal,
          fractionOfIdeal: ideal ? throughput / ideal : undefined,
          utilization: report.handlerMs / (w.concurrency * windowS * 1_000),
          cpuS,
          cpuMsPer1k: cpuS !== undefined ? (cpuS * 1_000 * 1_000) / messages : undefined,
          requestsPerMessage: totalRequests / messages,
          receivePerMessage: (requests.ReceiveMessage ?? 0) / messages,
          deletePerMessage: ((requests.DeleteMessageBatch ?? 0) + (requests.DeleteMessage ?? 0)) / messages,
          otherPerMessage:
            (totalRequests -
              (requests.ReceiveMessage ?? 0) -
              (requests.DeleteMessageBatch ?? 0) -
              (requests.DeleteMessage ?? 0)) /
            messages,
          // Receives that brought messages, the mean batch they brought, and the rest: empty
          // answers plus the long polls still waiting when the counts were read.
          receivesWithMessages,
          messagesPerReceive: receivesWithMessages ? messagesReceived / receivesWithMessages : undefined,
          receivesEmptyOrWaiting: (requests.ReceiveMessage ?? 0) - receivesWithMessages,
          messagesReceived,
          deleteBatches: requests.DeleteMessageBatch ?? 0,
          messagesPerDeleteBatch: requests.DeleteMessageBatch ? messages / requests.DeleteMessageBatch : undefined,
          peakRssMB: report.peakRss / MB,
          duplicates: report.duplicates,
          maxRunning: report.maxRunning,
          startupMs: report.startupMs,
        },
      };
    } finally {
      await consumer.kill();
    }
  } finally {
    await ctx.sqs.send(new DeleteQueueCommand({ QueueUrl: queueUrl })).catch(() => undefined);
  }
}
