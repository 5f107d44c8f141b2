import { matches, toDeadLetterRecord } from './dead-letter-record.js';
import type { DlqArgs } from './args.js';
import { type DlqContext, queueDepth } from './dlq-context.js';
import { DlqScanner } from './dlq-scanner.js';
import { printable } from './printable.js';

/** Counts of the dead-letter queue by reason and pattern. */
export interface DlqStats {
  dlqUrl: string;
  approximateDepth: number;
  scanned: number;
  byReason: Record<string, number>;
  byPattern: Record<string, number>;
  byReasonAndPattern: Array<{ reason: string; pattern: string; count: number }>;
}

/**
 * `stats`: reads every message (up to --limit) without deleting any, counts, and hands them
 * all back. Each message is invisible to others for at most --hold seconds meanwhile.
 */
export async function runStats(ctx: DlqContext, args: DlqArgs): Promise<DlqStats> {
  const { visible, inFlight } = await queueDepth(ctx.client, ctx.dlqUrl);
  const scanner = new DlqScanner(ctx.client, ctx.dlqUrl, args.holdSeconds, args.scanLimit);
  const pairs = new Map<string, { reason: string; pattern: string; count: number }>();
  let scanned = 0;
  try {
    for await (const batch of scanner.batches()) {
      for (const record of batch
        .map((m) => toDeadLetterRecord(m, ctx.patternAttribute))
        .filter((r) => matches(r, args))) {
        scanned += 1;
        const pattern = record.pattern ?? '(none)';
        const key = `${record.reason}\u0000${pattern}`;
        const entry = pairs.get(key) ?? { reason: record.reason, pattern, count: 0 };
        entry.count += 1;
        pairs.set(key, entry);
      }
    }
  } finally {
    await scanner.release();
  }
  const byReasonAndPattern = [...pairs.values()].sort((a, b) => b.count - a.count);
  const sum = (key: 'reason' | 'pattern') => totalsBy(byReasonAndPattern, key);
  const stats = {
    dlqUrl: ctx.dlqUrl,
    approximateDepth: visible + inFlight,
    scanned,
    byReason: sum('reason'),
    byPattern: sum('pattern'),
    byReasonAndPattern,
  };
  if (args.json) ctx.out(JSON.stringify(stats));
  else {
    ctx.out(`${ctx.dlqUrl}: ${scanned} message(s) read (approximately ${stats.approximateDepth} in the queue)`);
    // Reason and pattern are whatever the message carried: escaped before the terminal sees them.
    for (const e of byReasonAndPattern)
      ctx.out(`${String(e.count).padStart(7)}  ${printable(e.reason).padEnd(20)} ${printable(e.pattern)}`);
  }
  return stats;
}

/** Counts added up by one of the two keys. */
function totalsBy(entries: Array<{ reason: string; pattern: string; count: number }>, key: 'reason' | 'pattern') {
  const totals: Record<string, number> = {};
  for (const e of entries) totals[e[key]] = (totals[e[key]] ?? 0) + e.count;
  return totals;
}
