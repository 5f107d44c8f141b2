import {
  GetQueueAttributesCommand,
  ListDeadLetterSourceQueuesCommand,
  ListMessageMoveTasksCommand,
  type SQSClient,
  StartMessageMoveTaskCommand,
} from '@aws-sdk/client-sqs';
import { setTimeout as sleep } from 'node:timers/promises';

/** What the server's own move task did, when it could run one. */
export interface MoveTaskResult {
  status: string;
  moved: number;
  failureReason?: string;
}

const queueArn = async (client: SQSClient, queueUrl: string) =>
  (await client.send(new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['QueueArn'] }))).Attributes
    ?.QueueArn;

/**
 * Moves every message of the dead-letter queue to `targetUrl` with SQS's own
 * `StartMessageMoveTask`, at `perSecond`, and waits for it to end (at most `timeoutMs`).
 * Only when the target is the dead-letter queue's one and only source queue: the destination
 * is named explicitly, because SQS knows the source only of messages its redrive policy moved,
 * not of the copies the transport sent. Returns undefined when the server cannot (an emulator
 * without move tasks, a DLQ shared by several queues): the caller copies instead.
 */
export async function tryMoveTask(
  client: SQSClient,
  dlqUrl: string,
  targetUrl: string,
  perSecond: number,
  timeoutMs: number,
): Promise<MoveTaskResult | undefined> {
  let sourceArn: string | undefined;
  try {
    const { queueUrls = [] } = await client.send(new ListDeadLetterSourceQueuesCommand({ QueueUrl: dlqUrl }));
    if (queueUrls.length !== 1 || queueUrls[0] !== targetUrl) return undefined;
    sourceArn = await queueArn(client, dlqUrl);
    const destinationArn = await queueArn(client, targetUrl);
    if (!sourceArn || !destinationArn) return undefined;
    await client.send(
      new StartMessageMoveTaskCommand({
        SourceArn: sourceArn,
        DestinationArn: destinationArn,
        MaxNumberOfMessagesPerSecond: Math.max(1, Math.floor(perSecond)),
      }),
    );
  } catch {
    return undefined; // not supported here, or not allowed: copying works everywhere
  }
  return waitForTask(client, sourceArn, timeoutMs);
}

async function waitForTask(client: SQSClient, sourceArn: string, timeoutMs: number): Promise<MoveTaskResult> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const { Results = [] } = await client.send(
      new ListMessageMoveTasksCommand({ SourceArn: sourceArn, MaxResults: 1 }),
    );
    const task = Results[0];
    if (task && task.Status !== 'RUNNING' && task.Status !== 'CANCELLING') {
      return {
        status: task.Status ?? 'UNKNOWN',
        moved: task.ApproximateNumberOfMessagesMoved ?? 0,
        failureReason: task.FailureReason,
      };
    }
    if (Date.now() > deadline)
      return {
        status: 'RUNNING',
        moved: task?.ApproximateNumberOfMessagesMoved ?? 0,
        failureReason: 'still running when the command stopped waiting',
      };
    await sleep(1_000);
  }
}
