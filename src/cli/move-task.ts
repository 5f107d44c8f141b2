import {
  ListDeadLetterSourceQueuesCommand,
  ListMessageMoveTasksCommand,
  type SQSClient,
  StartMessageMoveTaskCommand,
} from '@aws-sdk/client-sqs';
import { setTimeout as sleep } from 'node:timers/promises';
import { queueArnOf as queueArn } from './dlq-context.js';

/** What the server's own move task did, when it could run one. */
export interface MoveTaskResult {
  kind: 'moved';
  status: string;
  moved: number;
  failureReason?: string;
}

/** Why the server's move task was not used: the caller copies instead, and says why. */
export interface MoveTaskFallback {
  kind: 'fallback';
  reason: string;
}

/** How long and how often {@link tryMoveTask} waits for the task to end. */
export interface MoveTaskWait {
  timeoutMs: number;
  pollMs?: number;
}

/** Account and name: the same queue whatever host or scheme the server writes in its URLs. */
const queueKey = (url: string) => url.split('/').filter(Boolean).slice(-2).join('/');
const describeError = (err: unknown) => (err instanceof Error ? `${err.name}: ${err.message}` : String(err));

/**
 * Moves every message of the dead-letter queue to `targetUrl` with SQS's own
 * `StartMessageMoveTask`, at `perSecond`, and waits for it to end (at most `wait.timeoutMs`).
 * Only when the target is the dead-letter queue's one and only source queue: the destination
 * is named explicitly, because SQS knows the source only of messages its redrive policy moved,
 * not of the copies the transport sent. Returns a fallback with its reason when the server
 * cannot (an emulator without move tasks, a DLQ shared by several queues, a call refused).
 */
export async function tryMoveTask(
  client: SQSClient,
  dlqUrl: string,
  targetUrl: string,
  perSecond: number,
  wait: MoveTaskWait,
): Promise<MoveTaskResult | MoveTaskFallback> {
  const fallback = (reason: string): MoveTaskFallback => ({ kind: 'fallback', reason });
  let queueUrls: string[];
  try {
    ({ queueUrls = [] } = await client.send(new ListDeadLetterSourceQueuesCommand({ QueueUrl: dlqUrl })));
  } catch (err) {
    return fallback(`ListDeadLetterSourceQueues failed (${describeError(err)})`);
  }
  if (queueUrls.length !== 1) return fallback(`the dead-letter queue lists ${queueUrls.length} source queues, not one`);
  if (queueKey(queueUrls[0]!) !== queueKey(targetUrl))
    return fallback(`the dead-letter queue's source is ${queueUrls[0]}, not the target ${targetUrl}`);
  let sourceArn: string | undefined;
  try {
    sourceArn = await queueArn(client, dlqUrl);
    const destinationArn = await queueArn(client, targetUrl);
    if (!sourceArn || !destinationArn) return fallback('the server gave no QueueArn');
    await client.send(
      new StartMessageMoveTaskCommand({
        SourceArn: sourceArn,
        DestinationArn: destinationArn,
        MaxNumberOfMessagesPerSecond: Math.max(1, Math.floor(perSecond)),
      }),
    );
  } catch (err) {
    return fallback(`StartMessageMoveTask failed (${describeError(err)})`);
  }
  return waitForTask(client, sourceArn, wait);
}

async function waitForTask(client: SQSClient, sourceArn: string, wait: MoveTaskWait): Promise<MoveTaskResult> {
  const deadline = Date.now() + wait.timeoutMs;
  for (;;) {
    const { Results = [] } = await client.send(
      new ListMessageMoveTasksCommand({ SourceArn: sourceArn, MaxResults: 1 }),
    );
    const task = Results[0];
    if (task && task.Status !== 'RUNNING' && task.Status !== 'CANCELLING') {
      return {
        kind: 'moved',
        status: task.Status ?? 'UNKNOWN',
        moved: task.ApproximateNumberOfMessagesMoved ?? 0,
        failureReason: task.FailureReason,
      };
    }
    if (Date.now() > deadline)
      return {
        kind: 'moved',
        status: 'RUNNING',
        moved: task?.ApproximateNumberOfMessagesMoved ?? 0,
        failureReason: 'still running when the command stopped waiting',
      };
    await sleep(wait.pollMs ?? 1_000);
  }
}
