import { DeleteMessageCommand, type Message, SendMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import type { DlqArgs } from './args.js';
import { type DeadLetterRecord, matches, originalAttributes, toDeadLetterRecord } from './dead-letter-record.js';
import { type DlqContext, queueDepth } from './dlq-context.js';
import { DlqScanner } from './dlq-scanner.js';
import { tryMoveTask } from './move-task.js';
import { RateLimiter } from './rate-limiter.js';
import { RedriveJournal } from './redrive-journal.js';

/** Test-only fault injection: SIGKILL right after the Nth send is journaled, before its delete. */
export const CRASH_AFTER_SENDS_ENV = 'DLQ_REDRIVE_CRASH_AFTER_SENDS';

export interface RedriveResult {
  mode: 'move-task' | 'copy';
  moved: number;
  /** Messages left in the dead-letter queue: not matching the filters, or over --max. */
  skipped: number;
  /** Messages found sent by an earlier, interrupted run: deleted, not sent again. */
  recovered: number;
  status?: string;
}

/**
 * `redrive`: puts dead-lettered messages back on their source queue. With no filter and the
 * configured queue as the DLQ's only source, SQS's own move task does it where the server has
 * one; otherwise each message is received, sent (same body, its own attributes, group and
 * deduplication ids) and only then deleted, with the send journaled in between, so a crash at
 * any point loses nothing and sends nothing twice.
 */
export async function runRedrive(
  ctx: DlqContext,
  args: DlqArgs,
  env: NodeJS.ProcessEnv = process.env,
): Promise<RedriveResult> {
  const result = (await moveTask(ctx, args)) ?? (await copy(ctx, args, Number(env[CRASH_AFTER_SENDS_ENV] ?? 0)));
  if (args.json) ctx.out(JSON.stringify(result));
  else
    ctx.out(
      `redrive (${result.mode}): ${result.moved} moved, ${result.skipped} left, ${result.recovered} recovered from an interrupted run${result.status ? `; task ${result.status}` : ''}`,
    );
  return result;
}

async function moveTask(ctx: DlqContext, args: DlqArgs): Promise<RedriveResult | undefined> {
  if (args.mode !== 'auto' || args.reason || args.pattern || Number.isFinite(args.max) || args.queue) return undefined;
  const { visible } = await queueDepth(ctx.client, ctx.dlqUrl);
  const timeoutMs = 60_000 + (visible / args.rate) * 2_000;
  const task = await tryMoveTask(ctx.client, ctx.dlqUrl, ctx.sourceQueueUrl, args.rate, timeoutMs);
  return (
    task && {
      mode: 'move-task',
      moved: task.moved,
      skipped: 0,
      recovered: 0,
      status: task.failureReason ? `${task.status}: ${task.failureReason}` : task.status,
    }
  );
}

async function copy(ctx: DlqContext, args: DlqArgs, crashAfterSends: number): Promise<RedriveResult> {
  const journal = new RedriveJournal(args.journal ?? RedriveJournal.defaultPath(ctx.dlqUrl));
  const scanner = new DlqScanner(ctx.client, ctx.dlqUrl, args.holdSeconds, args.scanLimit);
  const limiter = new RateLimiter(args.rate);
  const result: RedriveResult = { mode: 'copy', moved: 0, skipped: 0, recovered: 0 };
  try {
    for await (const batch of scanner.batches()) {
      for (const record of batch.map((m) => toDeadLetterRecord(m, ctx.patternAttribute))) {
        if (!matches(record, args) || result.moved >= args.max) {
          result.skipped += 1; // stays held until release(), so this scan does not read it again
          continue;
        }
        if (journal.wasSent(record.messageId)) result.recovered += 1;
        else {
          await limiter.take();
          await send(ctx.client, args.queue ?? record.sourceQueueUrl ?? ctx.sourceQueueUrl, record);
          journal.recordSent(record.messageId);
          result.moved += 1;
          if (result.moved === crashAfterSends) process.kill(process.pid, 'SIGKILL');
        }
        await remove(ctx.client, ctx.dlqUrl, record.message);
        journal.recordDeleted(record.messageId);
        scanner.forget(record.message);
      }
    }
  } finally {
    await scanner.release();
  }
  return result;
}

function send(client: SQSClient, queueUrl: string, record: DeadLetterRecord) {
  const { message } = record;
  const fifo = queueUrl.endsWith('.fifo');
  const groupId = message.Attributes?.MessageGroupId;
  return client.send(
    new SendMessageCommand({
      QueueUrl: queueUrl,
      MessageBody: message.Body ?? '',
      MessageAttributes: originalAttributes(message),
      // FIFO: the same group keeps the order; the original id as deduplication id makes a
      // resend within SQS's 5-minute window a no-op. Standard: a fair queue's group id.
      MessageGroupId: fifo ? (groupId ?? 'redrive') : groupId,
      MessageDeduplicationId: fifo ? (record.originalMessageId ?? record.messageId) : undefined,
    }),
  );
}

function remove(client: SQSClient, queueUrl: string, message: Message) {
  return client.send(new DeleteMessageCommand({ QueueUrl: queueUrl, ReceiptHandle: message.ReceiptHandle }));
}
