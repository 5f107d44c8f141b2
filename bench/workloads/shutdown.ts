// W7: SIGTERM to exit, idle and with handlers running; what is left on the queue.
import { DeleteQueueCommand } from '@aws-sdk/client-sqs';
import { setTimeout as sleep } from 'node:timers/promises';
import type { ConsumerDef } from '../consumer-defs.js';
import { ConsumerProcess } from '../consumer-process.js';
import { nowMs } from '../orchestrator-env.js';
import { createQueue, fill, queueCounts } from '../queues.js';
import type { WorkloadDef } from './definitions.js';
import { baseConfig, fillParallel, type RunContext, type RunResult } from './run-context.js';

export async function runShutdown(
  ctx: RunContext,
  def: ConsumerDef,
  w: WorkloadDef,
  busy: boolean,
): Promise<Partial<RunResult>> {
  const queueUrl = await createQueue(ctx.sqs, `${w.key}-${busy ? 'busy' : 'idle'}`);
  const config = {
    ...baseConfig(ctx, def, w, queueUrl, 'shutdown', busy ? w.messages : 1),
    runningTarget: busy ? w.messages : undefined,
  };
  const consumer = ConsumerProcess.spawn(def, config, ctx.args);
  try {
    await consumer.next('ready', 30_000);
    if (busy) {
      const running = consumer.next('running', 30_000);
      await fill(ctx.sqs, queueUrl, w.messages, w.delay, fillParallel(ctx));
      await running;
    } else {
      await sleep(1_500);
    }
    const t0 = nowMs();
    consumer.child.kill('SIGTERM');
    const limit = setTimeout(() => consumer.child.kill('SIGKILL'), 45_000);
    const exit = await consumer.exited;
    clearTimeout(limit);
    const seconds = (exit.at - t0) / 1_000;
    await sleep(200);
    const left = busy ? await queueCounts(ctx.sqs, queueUrl) : undefined;
    return {
      ok: exit.signal !== 'SIGKILL',
      error: exit.signal === 'SIGKILL' ? 'did not exit within 45 s of SIGTERM' : undefined,
      metrics: {
        [busy ? 'busySeconds' : 'idleSeconds']: seconds,
        ...(left ? { leftVisible: left.visible, leftInFlight: left.inFlight } : {}),
        exitCode: exit.code ?? undefined,
      },
    };
  } finally {
    await consumer.kill();
    await ctx.sqs.send(new DeleteQueueCommand({ QueueUrl: queueUrl })).catch(() => undefined);
  }
}
