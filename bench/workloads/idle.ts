// W8: every consumer idle at once on its own empty queue; requests per hour.
import { DeleteQueueCommand } from '@aws-sdk/client-sqs';
import { setTimeout as sleep } from 'node:timers/promises';
import type { ConsumerDef } from '../consumer-defs.js';
import { ConsumerProcess } from '../consumer-process.js';
import { createQueue } from '../queues.js';
import type { WorkloadDef } from './definitions.js';
import { baseConfig, type RunContext, type RunResult } from './run-context.js';

/**
 * Every consumer at once, each idle on its own empty queue with its own access key, for
 * `seconds` (a multiple of the 20 s long poll, so each long poll in flight counts the same
 * number of times); its requests in that window, scaled to an hour. Start-up requests are left
 * out (the window opens 3 s after the last consumer is ready): what an idle hour costs.
 */
export async function runIdle(
  ctx: RunContext,
  defs: ConsumerDef[],
  w: WorkloadDef,
  seconds: number,
): Promise<Map<string, Partial<RunResult>>> {
  const out = new Map<string, Partial<RunResult>>();
  const started: Array<{ def: ConsumerDef; key: string; queueUrl: string; consumer: ConsumerProcess }> = [];
  try {
    for (const def of defs) {
      const queueUrl = await createQueue(ctx.sqs, `${w.key}-${def.id}`);
      const key = `bench-idle-${def.id}-${ctx.latencyMs}`;
      const consumer = ConsumerProcess.spawn(
        def,
        { ...baseConfig(ctx, def, w, queueUrl, 'idle', 0), accessKeyId: key },
        ctx.args,
      );
      started.push({ def, key, queueUrl, consumer });
    }
    const failedToStart = new Map<string, string>();
    await Promise.all(
      started.map(({ def, consumer }) =>
        consumer.next('ready', 30_000).catch((err: Error) => failedToStart.set(def.id, err.message)),
      ),
    );
    await sleep(3_000);
    const before = await ctx.fauxqs.countsByKey();
    await sleep(seconds * 1_000);
    const after = await ctx.fauxqs.countsByKey();
    for (const { def, key } of started) {
      const error = failedToStart.get(def.id);
      const requests = (after[key] ?? 0) - (before[key] ?? 0);
      out.set(def.id, {
        ok: !error,
        error,
        metrics: error
          ? {}
          : { idleSeconds: seconds, idleRequests: requests, idleRequestsPerHour: (requests * 3_600) / seconds },
      });
    }
  } finally {
    await Promise.all(started.map(({ consumer }) => consumer.kill()));
    for (const { queueUrl } of started)
      await ctx.sqs.send(new DeleteQueueCommand({ QueueUrl: queueUrl })).catch(() => undefined);
  }
  return out;
}
