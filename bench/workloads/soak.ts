// W6: back pressure: a large queue under a slow handler; RSS over time and its slope.
import { DeleteQueueCommand } from '@aws-sdk/client-sqs';
import { setTimeout as sleep } from 'node:timers/promises';
import type { ConsumerDef } from '../consumer-defs.js';
import { ConsumerProcess } from '../consumer-process.js';
import { MB, median, slope } from '../lib/stats.js';
import { createQueue, fill } from '../queues.js';
import type { WorkloadDef } from './definitions.js';
import { baseConfig, diffCounts, fillParallel, type RunContext, type RunResult } from './run-context.js';

export async function runSoak(
  ctx: RunContext,
  def: ConsumerDef,
  w: WorkloadDef,
  messages: number,
): Promise<Partial<RunResult>> {
  const queueUrl = await createQueue(ctx.sqs, w.key);
  try {
    await fill(ctx.sqs, queueUrl, messages, w.delay, fillParallel(ctx));
    const before = await ctx.fauxqs.counts();
    const consumer = ConsumerProcess.spawn(def, baseConfig(ctx, def, w, queueUrl, 'soak', messages), ctx.args);
    try {
      await consumer.next('ready', 30_000);
      await sleep(ctx.soakSeconds * 1_000 + 500);
      const after = await ctx.fauxqs.counts();
      const report = await consumer.report();
      const series = report.rssSeries.map(([t, rss]) => [t / 1_000, rss / MB] as [number, number]);
      // "Not growing": the slope over the second half of the run (V8 sizes its young generation
      // in the first seconds under load; what matters is that it levels off).
      const half = ctx.soakSeconds / 2;
      const secondHalf = series.filter(([t]) => t >= half);
      const first = median(series.filter(([t]) => t >= 5 && t < 15).map(([, r]) => r));
      const mid = median(series.filter(([t]) => t >= half - 5 && t < half + 5).map(([, r]) => r));
      const last = median(series.slice(-10).map(([, r]) => r));
      const windowS = (report.lastEnd - report.firstStart) / 1_000;
      const ideal = w.concurrency / 0.05;
      const requests = diffCounts(after, before);
      const totalRequests = Object.values(requests).reduce((a, b) => a + b, 0);
      return {
        ok: true,
        rssSeries: series,
        requests,
        report: { ...report, rssSeries: [] },
        metrics: {
          seconds: ctx.soakSeconds,
          handled: report.handled,
          throughput: report.handled / windowS,
          fractionOfIdeal: report.handled / windowS / ideal,
          rssStartMB: first,
          rssMidMB: mid,
          rssEndMB: last,
          rssMaxMB: Math.max(...series.map(([, r]) => r)),
          rssSlopeMBPerMin: slope(secondHalf) * 60,
          peakRssMB: report.peakRss / MB,
          requestsPerMessage: totalRequests / Math.max(1, report.handled),
        },
      };
    } finally {
      await consumer.kill();
    }
  } finally {
    await ctx.sqs.send(new DeleteQueueCommand({ QueueUrl: queueUrl })).catch(() => undefined);
  }
}
