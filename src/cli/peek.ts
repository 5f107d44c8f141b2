import { CENSOR, scrubText, scrubValue } from '../logging/redaction.js';
import type { DlqArgs } from './args.js';
import { type DeadLetterRecord, matches, toDeadLetterRecord } from './dead-letter-record.js';
import type { DlqContext } from './dlq-context.js';
import { DlqScanner } from './dlq-scanner.js';
import { printable } from './printable.js';

/** One peeked message as printed; `body` is redacted unless `--show-bodies`, scrubbed unless `--raw`. */
export interface PeekedMessage extends Omit<DeadLetterRecord, 'message'> {
  bodyBytes: number;
  body: string;
}

/**
 * `peek`: the N oldest messages (by SentTimestamp) of the dead-letter queue, with reason,
 * pattern and origin. Bodies carry personal data, so they are shown only with --show-bodies,
 * and even then with secrets (passwords, tokens, keys) censored unless --raw. Every value a
 * message carries is escaped before it reaches the terminal. Reads up to --limit messages and
 * hands every one back; nothing is deleted.
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
    const detail = record.detail === undefined || args.raw ? record.detail : scrubText(record.detail);
    return { ...record, detail, bodyBytes: Buffer.byteLength(body), body: shownBody(body, args) };
  });
  if (args.json) ctx.out(JSON.stringify(peeked));
  else for (const p of peeked) ctx.out(describe(p));
  return peeked;
}

/** The body as peek shows it: redacted, scrubbed of secrets (JSON by key, else as text), or raw. */
function shownBody(body: string, args: DlqArgs): string {
  if (!args.showBodies) return CENSOR;
  if (args.raw) return body;
  try {
    return JSON.stringify(scrubValue(JSON.parse(body)));
  } catch {
    return scrubText(body);
  }
}

function describe(p: PeekedMessage): string {
  // A message's own timestamp may be out of Date's range: '?' rather than a RangeError.
  const when = (ms?: number) =>
    ms === undefined || Number.isNaN(new Date(ms).getTime()) ? '?' : new Date(ms).toISOString();
  const shown = (value: string | undefined, missing: string) => (value === undefined ? missing : printable(value));
  return [
    `${shown(p.messageId, '?')}  sent ${when(p.sentAt)}  ${printable(p.reason)}  pattern ${shown(p.pattern, '(none)')}`,
    `  from ${shown(p.sourceQueueUrl, '(redrive policy)')} as ${shown(p.originalMessageId, '?')}, received ${p.receiveCount ?? '?'} time(s), first ${when(p.firstReceivedAt)}`,
    ...(p.detail ? [`  detail: ${printable(p.detail)}`] : []),
    `  body (${p.bodyBytes} bytes): ${printable(p.body)}`,
  ].join('\n');
}
