// Helpers of the fleet case: several consumer processes on one queue, read from the records
// they share (every line names its process, `run`).
import type { RecordLine, Records } from './queues.js';

/** Events that end one run of a handler in one process. */
const ENDS = new Set(['done', 'fail', 'dlq', 'rel']);

export interface Overlap {
  id: string;
  first: RecordLine;
  second: RecordLine;
}

/**
 * Messages whose handler ran in two processes at the same time: a start in one process before
 * the run that began earlier in another had ended. SQS hands a message to a second consumer
 * only once its visibility timeout expired, so each of these is such an expiry (the second
 * start carries a higher receive count).
 */
export function concurrentRuns(records: Records, ids?: ReadonlySet<string>): Overlap[] {
  const byId = new Map<string, RecordLine[]>();
  for (const line of records.lines) {
    if (!line.id || (ids && !ids.has(line.id))) continue;
    if (line.e !== 'start' && !ENDS.has(line.e)) continue;
    byId.set(line.id, [...(byId.get(line.id) ?? []), line]);
  }
  const overlaps: Overlap[] = [];
  for (const [id, lines] of byId) {
    const starts = lines.filter((l) => l.e === 'start').sort((a, b) => a.t - b.t);
    for (const [i, first] of starts.entries()) {
      const end = lines.find((l) => ENDS.has(l.e) && l.run === first.run && l.t >= first.t)?.t ?? Infinity;
      for (const second of starts.slice(i + 1)) {
        if (second.run !== first.run && second.t < end) overlaps.push({ id, first, second });
      }
    }
  }
  return overlaps;
}

/**
 * Handled messages per second while every process was working: from the moment the last
 * process started its first message to the moment 90 % of `ids` were done (the tail, where the
 * queue runs dry and processes idle, would measure the drain, not the fleet).
 */
export function steadyRate(records: Records, runs: string[], ids: ReadonlySet<string>): number {
  const firstStarts = runs.map((run) => Math.min(...records.of('start', run).map((l) => l.t)));
  const from = Math.max(...firstStarts);
  const doneTimes = records
    .of('done')
    .filter((l) => ids.has(l.id!) && runs.includes(l.run))
    .map((l) => l.t)
    .sort((a, b) => a - b);
  const to = doneTimes[Math.floor(doneTimes.length * 0.9)]!;
  const inWindow = doneTimes.filter((t) => t > from && t <= to).length;
  return inWindow / ((to - from) / 1_000);
}

/** ReceiveMessage calls a process made from its start until `until`, from its 1 s snapshots. */
export function receivesUntil(records: Records, run: string, until: number): number {
  return (
    records
      .snaps(run)
      .filter((s) => s.t <= until)
      .at(-1)?.receives ?? 0
  );
}
