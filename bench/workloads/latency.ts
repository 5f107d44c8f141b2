// W5: messages sent one at a time to an idle consumer; SendMessage to handler start.
import { DeleteQueueCommand, SendMessageCommand } from '@aws-sdk/client-sqs';
import { setTimeout as sleep } from 'node:timers/promises';
import type { ConsumerDef } from '../consumer-defs.js';
import { ConsumerProcess } from '../consumer-process.js';
import type { BenchPayload } from '../lib/harness.js';
import { MB, percentile } from '../lib/stats.js';
import { nowMs } from '../orchestrator-env.js';
import { createQueue, PATTERN_ATTRIBUTE } from '../queues.js';
import type { WorkloadDef } from './definitions.js';
import { baseConfig, type RunContext, type RunResult } from './run-context.js';

export async function runLatency(
  ctx: RunContext,
  def: ConsumerDef,
  w: WorkloadDef,
  messages: number,
): Promise<Partial<RunResult>> {
  const queueUrl = await createQueue(ctx.sqs, w.key);
  const consumer = ConsumerProcess.spawn(def, baseConfig(ctx, def, w, queueUrl, 'latency', messages), ctx.args);
  try {
    await consumer.next('ready', 30_000);
    await sleep(1_000); // idle: every receiver is in its long poll
    const latencies: number[] = [];
    for (let i = 0; i < messages; i++) {
      const started = consumer.next<{ type: string; i: number; latencyMs: number }>(
        'started',
        25_000,
        (m) => m.i === i,
      );
      const payload: BenchPayload = { i, d: 0, t: nowMs() };
      await ctx.sqs.send(
        new SendMessageCommand({
          QueueUrl: queueUrl,
          MessageBody: JSON.stringify(payload),
          MessageAttributes: PATTERN_ATTRIBUTE,
        }),
      );
      latencies.push((await started).latencyMs);
      await sleep(20 + Math.random() * 10); // back to idle before the next one
    }
    const report = await consumer.report();
    return {
      ok: true,
      latencies,
      report: { ...report, rssSeries: [] },
      metrics: {
        messages,
        p50: percentile(latencies, 50),
        p90: percentile(latencies, 90),
        p99: percentile(latencies, 99),
        max: Math.max(...latencies),
        peakRssMB: report.peakRss / MB,
      },
    };
  } finally {
    await consumer.kill();
    await ctx.sqs.send(new DeleteQueueCommand({ QueueUrl: queueUrl })).catch(() => undefined);
  }
}
