import { GetQueueAttributesCommand, ListDeadLetterSourceQueuesCommand, PurgeQueueCommand } from '@aws-sdk/client-sqs';
import { type DlqArgs, UsageError } from './args.js';
import { type DlqContext, queueArnOf, queueDepth, queueNameOf } from './dlq-context.js';

/**
 * `purge`: deletes every message of the dead-letter queue, only with `--confirm <its name>`:
 * the name, not a yes/no, so that a command pasted against the wrong queue does nothing. And
 * only a queue that is some queue's dead-letter queue: `--dlq <work queue>` with its name
 * repeated would otherwise empty the work queue.
 */
export async function runPurge(ctx: DlqContext, args: DlqArgs): Promise<{ purged: number }> {
  const name = queueNameOf(ctx.dlqUrl);
  if (args.confirm !== name) {
    throw new UsageError(`purge deletes every message of ${ctx.dlqUrl}; repeat with --confirm ${name}`);
  }
  const source = await deadLetterSource(ctx);
  if (!source)
    throw new UsageError(
      `refusing to purge ${ctx.dlqUrl}: it is not the dead-letter queue of any queue (ListDeadLetterSourceQueues, RedrivePolicy of ${ctx.sourceQueueUrl})`,
    );
  const { visible, inFlight } = await queueDepth(ctx.client, ctx.dlqUrl);
  await ctx.client.send(new PurgeQueueCommand({ QueueUrl: ctx.dlqUrl }));
  const result = { purged: visible + inFlight };
  ctx.out(args.json ? JSON.stringify(result) : `purged ${ctx.dlqUrl} (about ${result.purged} message(s))`);
  return result;
}

/**
 * A queue whose redrive policy names the dead-letter queue: from ListDeadLetterSourceQueues,
 * else (a server without it, or a role not allowed it) the configured source queue's own
 * RedrivePolicy. Undefined when neither proves it.
 */
async function deadLetterSource(ctx: DlqContext): Promise<string | undefined> {
  if (ctx.dlqUrl === ctx.sourceQueueUrl) return undefined;
  try {
    const { queueUrls = [] } = await ctx.client.send(new ListDeadLetterSourceQueuesCommand({ QueueUrl: ctx.dlqUrl }));
    if (queueUrls.length > 0) return queueUrls[0];
  } catch {
    // not every server has it; the configured queue's policy is the other proof
  }
  const [{ Attributes = {} }, dlqArn] = await Promise.all([
    ctx.client.send(new GetQueueAttributesCommand({ QueueUrl: ctx.sourceQueueUrl, AttributeNames: ['RedrivePolicy'] })),
    queueArnOf(ctx.client, ctx.dlqUrl),
  ]);
  const policy = Attributes.RedrivePolicy
    ? (JSON.parse(Attributes.RedrivePolicy) as { deadLetterTargetArn?: string })
    : {};
  return dlqArn !== undefined && policy.deadLetterTargetArn === dlqArn ? ctx.sourceQueueUrl : undefined;
}
