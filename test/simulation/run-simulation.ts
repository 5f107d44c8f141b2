// Runs one schedule on virtual time: fake timers (Date, performance, setTimeout/setInterval and
// node:timers/promises) and a seeded Math.random, so the same schedule replays the same run.
// Steps fire at their times; then the environment calms down (no faults, gate up, a live
// process) and the run goes on until every message settled, or a horizon says it never will.
import FakeTimers from '@sinonjs/fake-timers';
import { syncBuiltinESMExports } from 'node:module';
import { DownstreamGate } from '../../src/sqs/core/downstream-gate.js';
import { inspectAtRest } from './at-rest.js';
import type { Schedule, Step } from './schedule.js';
import type { SimProcess } from './sim-process.js';
import { SimWorld } from './sim-world.js';

/** How long after the last step everything has to have settled (virtual time), plus slow work. */
export const SETTLE_HORIZON_MS = 15 * 60_000;

export interface SimResult {
  world: SimWorld;
  /** Leftovers in the last process's engine once the queue is empty, by field path. */
  atRest: string[];
  /** The last process's snapshot when the run ended (it should be idle). */
  finalSnapshot: { inFlight: number; buffered: number; started: boolean };
  /** The last process's view of `maxReceiveCount` at the end. */
  maxReceiveCountKnown: boolean;
  settledAtMs?: number;
  /** Every graceful close that ran to its end: how long it took (ms) and its grace (s). */
  closes: Array<{ process: string; ms: number; graceSeconds: number }>;
}

export async function runSimulation(schedule: Schedule): Promise<SimResult> {
  const clock = FakeTimers.install({
    now: Date.UTC(2026, 0, 1),
    toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'Date', 'performance'],
  });
  // fake-timers replaces node:timers/promises' functions on the module object; ES module
  // imports of it (the engine's `sleep`) see the fakes only once the exports are synced.
  syncBuiltinESMExports();
  const realRandom = Math.random;
  const random = mulberry32(schedule.seed);
  Math.random = random;
  try {
    const world = new SimWorld(schedule, random, new DownstreamGate('downstream'));
    let current = world.spawn();
    // One process at a time consumes; a restart finds its predecessor gone.
    const respawn = (after: number): void =>
      void setTimeout(() => {
        if (!current.live) current = world.spawn();
      }, after);
    let at = 0;
    for (const step of schedule.steps) {
      at += step.gapMs;
      setTimeout(() => apply(world, step, current, respawn), at);
    }
    await clock.tickAsync(at + 1);
    world.calm();
    // A process closing or killed at the end has its restart pending: let it come.
    await clock.tickAsync(11_000);
    if (!current.live) current = world.spawn();
    const settledAtMs = await settle(clock, world, current);
    // Deletes linger up to a second and retry: give them time before looking inside.
    await clock.tickAsync(5_000);
    // The redrive policy is re-read with a backoff doubling to a minute: a read that failed just
    // before an outage ended is retried up to a minute later, after the queue may have settled.
    if (!current.maxReceiveCountKnown) await clock.tickAsync(61_000);
    const atRest = inspectAtRest(current.engine);
    const maxReceiveCountKnown = current.maxReceiveCountKnown;
    await drive(clock, current.close(), 10 * 60_000);
    const { inFlight, buffered } = current.engine.snapshot();
    const finalSnapshot = { inFlight, buffered, started: current.started };
    return { world, atRest, maxReceiveCountKnown, settledAtMs, finalSnapshot, closes: closes(world.processes) };
  } finally {
    Math.random = realRandom;
    clock.uninstall();
    syncBuiltinESMExports();
  }
}

function apply(world: SimWorld, step: Step, current: SimProcess, respawn: (after: number) => void): void {
  switch (step.kind) {
    case 'send':
      return world.send(step.count, step.plan, step.group, step.slowMs, step.shape);
    case 'gate-down':
      return world.gate.markDown('simulated outage');
    case 'gate-up':
      return world.gate.markUp();
    case 'sqs-outage':
      world.outageUntil = Math.max(world.outageUntil, Date.now() + step.durationMs);
      return;
    case 'sigterm':
      if (!current.live) return;
      void current.close().then(() => current.killed || respawn(step.restartAfterMs));
      return;
    case 'kill':
      if (current.killed || current.closing?.endedAt !== undefined) return;
      world.kill(current);
      respawn(step.restartAfterMs);
  }
}

/** Runs virtual time until the work queue is empty and the process idle; the time it took. */
async function settle(clock: FakeTimers.Clock, world: SimWorld, proc: SimProcess) {
  const start = Date.now();
  // Slow first attempts run one per worker, and one at a time in a FIFO group: a backlog of
  // them takes its time.
  const workers = world.schedule.fifo ? 1 : world.schedule.concurrency;
  const slowWork = [...world.messages.values()].reduce((sum, m) => sum + m.slowMs, 0) / workers;
  while (Date.now() - start < SETTLE_HORIZON_MS + slowWork) {
    const snapshot = proc.engine.snapshot();
    if (proc.started && world.model.size(world.workQueue.url) === 0 && snapshot.inFlight + snapshot.buffered === 0) {
      return Date.now() - start;
    }
    await clock.tickAsync(1_000);
  }
  return undefined;
}

async function drive(clock: FakeTimers.Clock, promise: Promise<unknown>, limitMs: number): Promise<void> {
  let done = false;
  void promise.finally(() => (done = true));
  const start = Date.now();
  while (!done && Date.now() - start < limitMs) await clock.tickAsync(100);
}

function closes(processes: SimProcess[]): SimResult['closes'] {
  return processes
    .filter((p) => p.closing && !p.killed)
    .map((p) => ({
      process: p.id,
      // A close that never ended counts as endless.
      ms: (p.closing!.endedAt ?? Infinity) - p.closing!.startedAt,
      graceSeconds: p.options.shutdownGraceSeconds,
    }));
}

/** A small seeded PRNG (public domain): the same seed, the same draws. */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}
