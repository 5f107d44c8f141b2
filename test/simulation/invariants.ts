// The delivery promises, checked after every simulated run. Each invariant has a name: a failing
// run names the ones it broke, and SIM_KNOWN_FAILING lists those reported without failing the
// suite (for code that does not keep them yet).
import { MAX_CALL_LATENCY_MS } from './model/model-client.js';
import type { SimResult } from './run-simulation.js';
import type { LogicalMessage } from './sim-world.js';

/**
 * What close() may take beyond its grace period, one call's worth each: a visibility extension
 * in flight as the grace ends (the release waits for it, to keep the order), the release, and
 * the flush of deletes of handlers that finished meanwhile (SIM_SEED=6 found all three).
 */
export const SHUTDOWN_BOUND_MS = 3 * MAX_CALL_LATENCY_MS + 1_000;

export interface Invariant {
  name: string;
  /** One line per breach, empty when it holds. */
  check(result: SimResult): string[];
}

const each = (result: SimResult, test: (m: LogicalMessage) => string | undefined): string[] =>
  [...result.world.messages.values()].map(test).filter((line): line is string => line !== undefined);

const describe = (m: LogicalMessage): string =>
  `${m.lid} (${m.plan}${m.group ? `, ${m.group}` : ''}; ${m.attempts} attempt(s), ${m.receipts.length} receive(s), ` +
  `${m.excused.size} spent by the environment${m.excused.size ? `: ${[...new Set(m.excused.values())].join('; ')}` : ''}` +
  `${m.copied.size ? `; ${m.copied.size} replaced by a fresh copy` : ''}` +
  `${m.blind.size ? `; ${m.blind.size} received before the redrive policy was read` : ''}` +
  `${m.notes.length ? `; ${m.notes.join('; ')}` : ''})`;

/** Moves to the DLQ the consumer could have prevented (not a policy move after a crash or lost answer). */
const unexcusedMoves = (m: LogicalMessage) => m.deadLettered.filter((d) => !d.lastReceiveExcused);

/**
 * Receives not spent by an attempt nor replaced by a fresh copy, less those the environment
 * wasted. A count, not a receipt-by-receipt match: a fault on an attempted receipt (a heartbeat
 * extension failing) makes the message reappear, so the receive it wastes is the next one.
 */
const unexcusedReceives = (m: LogicalMessage): number =>
  m.receipts.filter((r) => !m.tried.has(r) && !m.copied.has(r)).length - m.excused.size;

export const INVARIANTS: Invariant[] = [
  {
    name: 'settled',
    check: (r) => {
      const lines =
        r.settledAtMs === undefined
          ? [
              `not at rest 15 minutes after the last step: ${r.world.model.size(r.world.workQueue.url)} message(s) ` +
                `in the work queue, the process ${JSON.stringify(r.finalSnapshot)}`,
            ]
          : [];
      return lines.concat(
        each(r, (m) =>
          m.successes.length === 0 && m.deadLettered.length === 0
            ? `${describe(m)}: neither handled nor dead-lettered`
            : undefined,
        ),
      );
    },
  },
  {
    name: 'dlq-has-reason',
    check: (r) =>
      each(r, (m) => {
        // A crash or a lost answer on the last receive leaves the move to the policy: no reason then;
        // so does a last receive taken before the redrive policy could be read (start-up blips).
        const bare = m.deadLettered.find((d) => !d.reason && !d.lastReceiveExcused);
        if (!bare) return undefined;
        return `${describe(m)}: in the DLQ without dlq-reason (moved by the ${bare.by})`;
      }),
  },
  {
    name: 'succeeding-never-dead-lettered',
    check: (r) => (r.world.schedule.fifo ? [] : succeedingDeadLettered(r)),
  },
  {
    // FIFO's contract: a give-back costs a receive (a copy would break the group's order), so an
    // untried message on its last receive may be dead-lettered, with last-receive-untried and
    // nothing else (docs/delivery-guarantees.md).
    name: 'succeeding-never-dead-lettered-fifo',
    check: (r) => (r.world.schedule.fifo ? succeedingDeadLettered(r, FIFO_UNTRIED) : []),
  },
  {
    name: 'outage-never-dead-letters',
    check: (r) =>
      r.world.schedule.fifo
        ? []
        : each(r, (m) =>
            m.plan === 'gate' && unexcusedMoves(m).length > 0
              ? `${describe(m)}: failed only while its dependency was down, yet dead-lettered`
              : undefined,
          ),
  },
  {
    name: 'receive-budget',
    check: (r) =>
      r.world.schedule.fifo
        ? []
        : each(r, (m) =>
            unexcusedReceives(m) > 0 ? `${describe(m)}: ${unexcusedReceives(m)} receive(s) spent untried` : undefined,
          ),
  },
  {
    // FIFO's contract: a receive is spent untried only by a give-back the consumer made (a
    // visibility 0, evented and counted as `released`) or by a move with last-receive-untried;
    // never silently (an answered long poll thrown away, a message forgotten).
    name: 'receive-budget-fifo',
    check: (r) =>
      !r.world.schedule.fifo
        ? []
        : each(r, (m) => {
            const silent = unexcusedReceives(m) - untriedGiveBacks(m);
            return silent > 0 ? `${describe(m)}: ${silent} receive(s) spent untried without a give-back` : undefined;
          }),
  },
  { name: 'fifo-order', check: fifoOrder },
  {
    name: 'visibility-changes-in-order',
    check: (r) =>
      each(r, (m) =>
        m.notes.some((n) => n.includes('was applied after it'))
          ? `${describe(m)}: an older visibility change overrode a newer one`
          : undefined,
      ),
  },
  {
    name: 'no-dead-letter-copy-of-a-success',
    check: (r) => (r.world.schedule.fifo ? [] : deadLetteredSuccesses(r)),
  },
  {
    // FIFO's contract, like succeeding-never-dead-lettered-fifo: a message handled by a process
    // that died before its delete comes back; on its last receive a give-back is a move to the
    // DLQ with last-receive-untried, where a standard queue would copy it (FIFO_CONTRACT).
    name: 'no-dead-letter-copy-of-a-success-fifo',
    check: (r) => (r.world.schedule.fifo ? deadLetteredSuccesses(r, FIFO_CONTRACT) : []),
  },
  { name: 'no-concurrent-runs', check: (r) => r.world.violations.filter((v) => v.startsWith('no-concurrent-runs')) },
  { name: 'payload-intact', check: (r) => r.world.violations.filter((v) => v.startsWith('payload-intact')) },
  { name: 'at-rest-empty', check: (r) => r.atRest.map((line) => `left in the engine at rest: ${line}`) },
  {
    name: 'max-receive-count-known',
    check: (r) => (r.maxReceiveCountKnown ? [] : ['maxReceiveCount still unknown at the end of the run']),
  },
  {
    name: 'shutdown-bound',
    check: (r) =>
      r.closes
        .filter((c) => c.ms > c.graceSeconds * 1_000 + SHUTDOWN_BOUND_MS)
        .map((c) => `${c.process} took ${c.ms} ms to close (grace ${c.graceSeconds} s + ${SHUTDOWN_BOUND_MS} ms)`),
  },
];

type Move = LogicalMessage['deadLettered'][number];

/** FIFO's one allowed move of an untried message: by the consumer, saying so. */
const FIFO_UNTRIED = (d: Move): boolean => d.by === 'consumer' && d.reason === 'last-receive-untried';
/**
 * FIFO's contract also moves a message failing on its last receive because its dependency is
 * down (a copy would go behind its group): with a gate plan, a success whose delete was lost
 * may come back and fail so (docs/delivery-guarantees.md, Outcomes of an attempt).
 */
const FIFO_CONTRACT = (d: Move, m: LogicalMessage): boolean =>
  FIFO_UNTRIED(d) || (m.plan === 'gate' && d.by === 'consumer' && d.reason === 'max-receives');
const NONE_ALLOWED = (): boolean => false;

/** Untried receives the consumer gave back or moved saying so (FIFO's contract). */
const untriedGiveBacks = (m: LogicalMessage): number =>
  m.receipts.filter((r) => !m.tried.has(r) && !m.excused.has(r) && m.givenBack.has(r)).length +
  m.deadLettered.filter(FIFO_UNTRIED).length;

function deadLetteredSuccesses(
  r: SimResult,
  allowed: (d: Move, m: LogicalMessage) => boolean = NONE_ALLOWED,
): string[] {
  return each(r, (m) =>
    // A handler cut off by the grace period may still finish after its give-back: on a FIFO
    // queue's last receive that give-back is a move to the DLQ (last-receive-untried). An
    // original whose copy carried on is a duplicate with its own budget (twinOfCopy).
    m.successes.length > m.cutOffSuccesses && unexcusedMoves(m).some((d) => !d.twinOfCopy && !allowed(d, m))
      ? `${describe(m)}: handled successfully, yet also in the DLQ`
      : undefined,
  );
}

function succeedingDeadLettered(r: SimResult, allowed: (d: Move) => boolean = NONE_ALLOWED): string[] {
  return each(r, (m) => {
    const moves = unexcusedMoves(m).filter((d) => !allowed(d));
    return m.plan === 'ok' && moves.length > 0
      ? `${describe(m)}: always succeeds, yet dead-lettered (${moves
          .map((d) => d.reason ?? `no reason, by the ${d.by}`)
          .join(', ')})`
      : undefined;
  });
}

/** In each FIFO group, a message succeeds only after every earlier one succeeded or was dead-lettered. */
function fifoOrder(r: SimResult): string[] {
  if (!r.world.schedule.fifo) return [];
  const lines: string[] = [];
  const groups = Map.groupBy(r.world.messages.values(), (m) => m.group ?? '');
  for (const members of groups.values()) {
    const sorted = members.sort((a, b) => a.sentSeq - b.sentSeq);
    sorted.forEach((later, j) => {
      if (later.successes.length === 0) return;
      const firstSuccess = later.successes[0]!;
      for (const earlier of sorted.slice(0, j)) {
        const resolved = Math.min(earlier.successes[0] ?? Infinity, earlier.deadLettered[0]?.seq ?? Infinity);
        if (resolved > firstSuccess)
          lines.push(`${later.lid} succeeded before ${earlier.lid} of ${later.group} was done`);
      }
    });
  }
  return lines;
}
