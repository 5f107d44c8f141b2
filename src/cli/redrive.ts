import { DeleteMessageCommand, type Message, SendMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import type { DlqArgs } from './args.js';
import { type DeadLetterRecord, matches, originalAttributes, toDeadLetterRecord } from './dead-letter-record.js';
import { type DlqContext, queueArnOf, queueDepth } from './dlq-context.js';
import { DlqScanner } from './dlq-scanner.js';
import { tryMoveTask } from './move-task.js';
import { printable } from './printable.js';
import { defaultJournalDirectory } from './private-directory.js';
import { RateLimiter } from './rate-limiter.js';
import { RedriveJournal } from './redrive-journal.js';

/** Test-only fault injection: SIGKILL right after the Nth send is journaled, before its delete. */
export const CRASH_AFTER_SENDS_ENV = 'DLQ_REDRIVE_CRASH_AFTER_SENDS';

export interface RedriveResult {
  mode: 'move-task' | 'copy';
  /** The queue every message went to: --queue or SQS_QUEUE_URL, never a message's word. */
  targetQueueUrl: string;
  moved: number;
  /** Messages left in the dead-letter queue: not matching the filters, or over --max. */
  skipped: number;
  /** Messages found sent by an earlier, interrupted run: deleted, not sent again. */
  recovered: number;
  /** Copy mode: why the server's move task was not used. */
  copyReason?: string;
  /** Messages whose `dlq-source-queue` named another queue: reported, not followed. */
  sourceMismatches: Array<{ named: string; count: number }>;
  status?: string;
}

/**
 * `redrive`: puts dead-lettered messages back on the source queue of the configuration
 * (`--queue`, else SQS_QUEUE_URL). A message's `dlq-source-queue` attribute is only compared
 * with it: anyone who can send to the work queue can set it, and following it would let them
 * make the operator's credentials send a body to any queue. With no filter and the target as
 * the DLQ's only source, SQS's own move task does it where the server has one; otherwise each
 * message is received, sent (same body, its own attributes, group and deduplication ids) and
 * only then deleted, with the send journaled in between, so a crash at any point loses nothing
 * and sends nothing twice.
 */
export async function runRedrive(
  ctx: DlqContext,
  args: DlqArgs,
  env: NodeJS.ProcessEnv = process.env,
): Promise<RedriveResult> {
  const journalDirectory = args.journal ?? defaultJournalDirectory(env);
  const moved = await moveTask(ctx, args);
  const result =
    'mode' in moved
      ? moved
      : await copy(ctx, args, { journalDirectory, crashAfterSends: Number(env[CRASH_AFTER_SENDS_ENV] ?? 0) }, moved);
  if (args.json) ctx.out(JSON.stringify(result));
  else ctx.out(describe(result));
  return result;
}

function describe(r: RedriveResult): string {
  const lines = [
    `redrive (${r.mode}) to ${r.targetQueueUrl}: ${r.moved} moved, ${r.skipped} left, ${r.recovered} recovered from an interrupted run${r.status ? `; task ${printable(r.status)}` : ''}`,
  ];
  for (const { named, count } of r.sourceMismatches)
    lines.push(`  ${count} message(s) named ${printable(named)} as their source: not followed, sent to the target`);
  return lines.join('\n');
}

/** The server's move task, or why not (the reason is logged and kept in the result). */
async function moveTask(ctx: DlqContext, args: DlqArgs): Promise<RedriveResult | { copyReason: string }> {
  const selected = [args.reason && '--reason', args.pattern && '--pattern', Number.isFinite(args.max) && '--max'];
  const filters = selected.filter(Boolean).join(', ');
  if (args.mode !== 'auto') return { copyReason: '--mode copy' };
  if (filters) return { copyReason: `${filters} select messages, a move task moves them all` };
  const { visible } = await queueDepth(ctx.client, ctx.dlqUrl);
  const timeoutMs = 60_000 + (visible / args.rate) * 2_000;
  const task = await tryMoveTask(ctx.client, ctx.dlqUrl, ctx.sourceQueueUrl, args.rate, { timeoutMs });
  if (task.kind === 'fallback') {
    ctx.warn(`redrive: copying message by message, not with StartMessageMoveTask: ${printable(task.reason)}`);
    return { copyReason: task.reason };
  }
  return {
    mode: 'move-task',
    targetQueueUrl: ctx.sourceQueueUrl,
    moved: task.moved,
    skipped: 0,
    recovered: 0,
    sourceMismatches: [],
    status: task.failureReason ? `${task.status}: ${task.failureReason}` : task.status,
  };
}

interface CopyOptions {
  journalDirectory: string;
  crashAfterSends: number;
}

async function copy(
  ctx: DlqContext,
  args: DlqArgs,
  options: CopyOptions,
  why: { copyReason: string },
): Promise<RedriveResult> {
  const journal = RedriveJournal.forQueue(options.journalDirectory, await journalKey(ctx));
  const scanner = new DlqScanner(ctx.client, ctx.dlqUrl, args.holdSeconds, args.scanLimit);
  const limiter = new RateLimiter(args.rate);
  const result: RedriveResult = {
    ...{ mode: 'copy', targetQueueUrl: ctx.sourceQueueUrl, moved: 0, skipped: 0, recovered: 0 },
    ...why,
    sourceMismatches: [],
  };
  try {
    for await (const batch of scanner.batches()) {
      for (const record of batch.map((m) => toDeadLetterRecord(m, ctx.patternAttribute))) {
        if (!matches(record, args) || result.moved >= args.max) {
          result.skipped += 1; // stays held until release(), so this scan does not read it again
          continue;
        }
        if (journal.wasSent(record.messageId)) result.recovered += 1;
        else {
          await sendOne(ctx, { limiter, journal, result }, record);
          if (result.moved === options.crashAfterSends) process.kill(process.pid, 'SIGKILL');
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

/** Sends one record to the target at the rate allowed, and journals the send before its delete. */
async function sendOne(
  ctx: DlqContext,
  run: { limiter: RateLimiter; journal: RedriveJournal; result: RedriveResult },
  record: DeadLetterRecord,
): Promise<void> {
  noteMismatch(run.result, record);
  await run.limiter.take();
  await send(ctx.client, run.result.targetQueueUrl, record);
  run.journal.recordSent(record.messageId);
  run.result.moved += 1;
}

/** The dead-letter queue's ARN (account, region, name); its URL if the server gives none. */
async function journalKey(ctx: DlqContext): Promise<string> {
  return (await queueArnOf(ctx.client, ctx.dlqUrl)) ?? `arn:?:sqs:?:${ctx.dlqUrl.replace(/:/g, '_')}`;
}

function noteMismatch(result: RedriveResult, record: DeadLetterRecord): void {
  const named = record.sourceQueueUrl;
  if (named === undefined || named === result.targetQueueUrl) return;
  const entry = result.sourceMismatches.find((m) => m.named === named);
  if (entry) entry.count += 1;
  else result.sourceMismatches.push({ named, count: 1 });
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
