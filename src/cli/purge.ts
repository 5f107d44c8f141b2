import { PurgeQueueCommand } from '@aws-sdk/client-sqs';
import { type DlqArgs, UsageError } from './args.js';
import { type DlqContext, queueDepth, queueNameOf } from './dlq-context.js';

/**
 * `purge`: deletes every message of the dead-letter queue, only with `--confirm <its name>`:
 * the name, not a yes/no, so that a command pasted against the wrong queue does nothing.
 */
export async function runPurge(ctx: DlqContext, args: DlqArgs): Promise<{ purged: number }> {
  const name = queueNameOf(ctx.dlqUrl);
  if (args.confirm !== name) {
    throw new UsageError(`purge deletes every message of ${ctx.dlqUrl}; repeat with --confirm ${name}`);
  }
  const { visible, inFlight } = await queueDepth(ctx.client, ctx.dlqUrl);
  await ctx.client.send(new PurgeQueueCommand({ QueueUrl: ctx.dlqUrl }));
  const result = { purged: visible + inFlight };
  ctx.out(args.json ? JSON.stringify(result) : `purged ${ctx.dlqUrl} (about ${result.purged} message(s))`);
  return result;
}
