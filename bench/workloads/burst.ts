// W9-W10: a burst at an idle consumer. The consumer starts, sits idle in its long polls for a
// few seconds (its intake at its minimum, as after a quiet night), then every message is sent
// at once; measured from the first send to the last handler end. A consumer that grows its
// intake one receive per round trip shows it here, not in W1 (where the queue is full from
// the start and the intake has grown before the window opens).
import { DeleteQueueCommand } from '@aws-sdk/client-sqs';
import { setTimeout as sleep } from 'node:timers/promises';
import type { ConsumerDef } from '../consumer-defs.js';
import { ConsumerProcess } from '../consumer-process.js';
import { MB } from '../lib/stats.js';
import { nowMs } from '../orchestrator-env.js';
import { createQueue, fill } from '../queues.js';
import type { WorkloadDef } from './definitions.js';
import { baseConfig, diffCounts, fillParallel, type RunContext, type RunResult } from './run-context.js';

/** Idle before the burst: past start-up, every receiver in its long poll. */
const IDLE_BEFORE_BURST_MS = 5_000;

export async function runBurst(
  ctx: RunContext,
  def: ConsumerDef,
  w: WorkloadDef,
  messages: number,
): Promise<Partial<RunResult>> {
  const queueUrl = await createQueue(ctx.sqs, w.key);
  const consumer = ConsumerProcess.spawn(def, baseConfig(ctx, def, w, queueUrl, 'throughput', messages), ctx.args);
  try {
    await consumer.next('ready', 30_000);
    await sleep(IDLE_BEFORE_BURST_MS);
    const before = await ctx.fauxqs.snapshot();
    const sentAt = nowMs();
    await fill(ctx.sqs, queueUrl, messages, w.delay, fillParallel(ctx));
    const sendS = (nowMs() - sentAt) / 1_000;
    await consumer.next('done', 120_000);
    const report = await consumer.report();
    const after = await ctx.fauxqs.snapshot();
    const requests = diffCounts(after.counts, before.counts);
    const totalRequests = Object.values(requests).reduce((a, b) => a + b, 0);
    const drainS = (report.lastEnd - sentAt) / 1_000;
    return {
      ok: true,
      requests,
      report: { ...report, rssSeries: [] },
      metrics: {
        messages,
        drainS,
        sendS,
        throughput: messages / drainS,
        firstStartMs: report.firstStart - sentAt,
        requestsPerMessage: totalRequests / messages,
        peakRssMB: report.peakRss / MB,
        duplicates: report.duplicates,
      },
    };
  } finally {
    await consumer.kill();
    await ctx.sqs.send(new DeleteQueueCommand({ QueueUrl: queueUrl })).catch(() => undefined);
  }
}
