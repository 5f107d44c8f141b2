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
 * Invariants the engine does not keep yet: reported, not failing the suite. Empty since issue
 * 16's fixes (say on an issue why before adding one); SIM_KNOWN_FAILING overrides it.
 */
const KNOWN_FAILING: string[] = [];

const env = process.env;
const knownFailing = new Set((env.SIM_KNOWN_FAILING ?? KNOWN_FAILING.join(',')).split(',').filter(Boolean));
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
