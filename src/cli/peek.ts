import { CENSOR } from '../logging/redaction.js';
import type { DlqArgs } from './args.js';
import { type DeadLetterRecord, matches, toDeadLetterRecord } from './dead-letter-record.js';
import type { DlqContext } from './dlq-context.js';
import { DlqScanner } from './dlq-scanner.js';

/** One peeked message as printed; `body` is redacted unless `--show-bodies`. */
export interface PeekedMessage extends Omit<DeadLetterRecord, 'message'> {
  bodyBytes: number;
  body: string;
}

/**
 * `peek`: the N oldest messages (by SentTimestamp) of the dead-letter queue, with reason,
 * pattern and origin. Bodies carry personal data, so they are shown only with --show-bodies.
 * Reads up to --limit messages and hands every one back; nothing is deleted.
 */
export async function runPeek(ctx: DlqContext, args: DlqArgs): Promise<PeekedMessage[]> {
  const scanner = new DlqScanner(ctx.client, ctx.dlqUrl, args.holdSeconds, args.scanLimit);
  const records: DeadLetterRecord[] = [];
  try {
    for await (const batch of scanner.batches())
      records.push(...batch.map((m) => toDeadLetterRecord(m, ctx.patternAttribute)).filter((r) => matches(r, args)));
  } finally {
    await scanner.release();
  }
  const oldest = records.sort((a, b) => (a.sentAt ?? 0) - (b.sentAt ?? 0)).slice(0, args.count);
  const peeked = oldest.map(({ message, ...record }) => {
    const body = message.Body ?? '';
    return { ...record, bodyBytes: Buffer.byteLength(body), body: args.showBodies ? body : CENSOR };
  });
  if (args.json) ctx.out(JSON.stringify(peeked));
  else for (const p of peeked) ctx.out(describe(p));
  return peeked;
}

function describe(p: PeekedMessage): string {
  const when = (ms?: number) => (ms === undefined ? '?' : new Date(ms).toISOString());
  return [
    `${p.messageId}  sent ${when(p.sentAt)}  ${p.reason}  pattern ${p.pattern ?? '(none)'}`,
    `  from ${p.sourceQueueUrl ?? '(redrive policy)'} as ${p.originalMessageId ?? '?'}, received ${p.receiveCount ?? '?'} time(s), first ${when(p.firstReceivedAt)}`,
    ...(p.detail ? [`  detail: ${p.detail}`] : []),
    `  body (${p.bodyBytes} bytes): ${p.body}`,
  ].join('\n');
}
