// The deterministic simulation of the consumer (docs/simulation.md): the real ConsumerEngine
// against a model of SQS on virtual time, under random schedules of sends, handler outcomes,
// gate flaps, SIGTERM, kill -9, SQS faults and start-up blips, with every invariant checked after
// each run. A failure prints the one command that replays it, shrunk to a minimal schedule.
import fc from 'fast-check';
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { INVARIANTS } from './invariants.js';
import { runSimulation } from './run-simulation.js';
import { scheduleArb } from './schedule.js';

/**
 * Invariants today's engine does not keep yet (issue 16): reported, not failing the suite.
 * Empty this list as the fixes land; SIM_KNOWN_FAILING overrides it (`SIM_KNOWN_FAILING=`
 * checks everything).
 */
const KNOWN_FAILING_UNTIL_ISSUE_16 = [
  // By the FIFO contract (docs/delivery-guarantees.md): an untried give-back costs a FIFO
  // message one receive, and one on its last receive is dead-lettered with a reason.
  'receive-budget-fifo',
  'succeeding-never-dead-lettered-fifo',
  // The same contract: handled, its delete lost to a crash, back on its last receive to a
  // process closing (SIM_SEED=3, 3000 runs; SIM_SEED=2 likewise after an internal error).
  'no-dead-letter-copy-of-a-success-fifo',
  // Still found by 3000-run sweeps after the fixes of 2026-12-03 (issue 16's
  // note): replay with the seed and SIM_KNOWN_FAILING= to see the shrunk schedule.
  // SIM_SEED=2 (run 1799): FIFO, latency tails near a second, a poison group: a buffer room
  // waiter left at rest (engine.buffer.roomWaiters). Not yet explained.
  'at-rest-empty',
  // SIM_SEED=3: SIGTERM then kill -9 between a drain's copies and the originals' deletes: the
  // original and its copy both run; the flaky one's failed twin goes to the DLQ (max-receives).
  // A duplicate the contract allows; the check does not yet tell a copy's twin from a success.
  'no-dead-letter-copy-of-a-success',
  // SIM_SEED=1 (run 1638): a retry's visibility 2 s, sent before a give-back's 0 s for the same
  // receipt, applied after it (network latency). Enforced on main; rare; not yet explained.
  'visibility-changes-in-order',
];

const env = process.env;
const knownFailing = new Set(
  (env.SIM_KNOWN_FAILING ?? KNOWN_FAILING_UNTIL_ISSUE_16.join(',')).split(',').filter(Boolean),
);
const only = env.SIM_INVARIANTS?.split(',').filter(Boolean);
const checked = INVARIANTS.filter((i) => (only ? only.includes(i.name) : !knownFailing.has(i.name)));
const reported = INVARIANTS.filter((i) => !checked.includes(i));

test(`the consumer keeps its promises under churn (${checked.map((i) => i.name).join(', ')})`, async () => {
  const tally = new Map<string, number>();
  const property = fc.asyncProperty(scheduleArb, async (schedule) => {
    const result = await runSimulation(schedule);
    for (const invariant of reported)
      if (invariant.check(result).length) tally.set(invariant.name, (tally.get(invariant.name) ?? 0) + 1);
    const broken = checked.flatMap((i) => i.check(result).map((line) => `${i.name}: ${line}`));
    if (broken.length) throw new Error(broken.join('\n'));
  });
  const details = await fc.check(property, {
    numRuns: Number(env.SIM_RUNS ?? 3_000),
    // Shrinking a long schedule can take minutes: past this, report the smallest found so far.
    interruptAfterTimeLimit: Number(env.SIM_TIME_LIMIT_MS ?? 200_000),
    markInterruptAsFailure: false,
    ...(env.SIM_SEED ? { seed: Number(env.SIM_SEED) } : {}),
    ...(env.SIM_PATH ? { path: env.SIM_PATH } : {}),
  });
  if (tally.size) {
    console.log(
      `[simulation] known failing (not checked): ${[...tally].map(([n, c]) => `${n} in ${c} run(s)`).join(', ')}`,
    );
  }
  if (!details.failed) return;
  const replay = `SIM_SEED=${details.seed} SIM_PATH=${details.counterexamplePath} npm test -- simulation`;
  const error = details.errorInstance instanceof Error ? details.errorInstance.message : String(details.errorInstance);
  assert.fail(
    [
      `simulation failed after ${details.numRuns} run(s), shrunk ${details.numShrinks} time(s)`,
      `replay: ${replay}`,
      `schedule: ${JSON.stringify(details.counterexample?.[0])}`,
      error,
    ].join('\n'),
  );
});
