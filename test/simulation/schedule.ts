// What one simulated run does: the queue, the consumer's settings, the network's faults, and a
// list of timed steps (sends, handler plans, gate flaps, SIGTERM, kill -9, SQS outages).
// fast-check generates these and shrinks a failing one to a minimal list.
import fc from 'fast-check';
import type { Shape } from './message-shapes.js';
import type { FaultRates } from './model/model-client.js';

/** How a message's handler behaves on every attempt. */
export type Plan =
  /** Always succeeds. */
  | 'ok'
  /** Fails (retryable) on its first attempt, then succeeds. */
  | 'flaky'
  /** Throws `NonRetryableError`: dead-lettered with `non-retryable`. */
  | 'poison'
  /** Throws `gate.unavailable()` while the gate is down, succeeds while it is up. */
  | 'gate'
  /** Always fails retryably: dead-lettered with `max-receives`. */
  | 'doomed';

export type Step =
  | { kind: 'send'; gapMs: number; count: number; group: number; plan: Plan; slowMs: number; shape: Shape }
  | { kind: 'gate-down' | 'gate-up'; gapMs: number }
  | { kind: 'sigterm' | 'kill'; gapMs: number; restartAfterMs: number }
  | { kind: 'sqs-outage'; gapMs: number; durationMs: number };

export interface Schedule {
  /** Seeds every random draw inside the run (faults, latency, jitter). */
  seed: number;
  fifo: boolean;
  /** The queue's redrive policy. */
  maxReceiveCount: number;
  /** The consumer's `concurrency` (other options are the product's defaults). */
  concurrency: number;
  faults: FaultRates;
  /** How many first `GetQueueAttributes` calls fail. */
  startupBlips: number;
  /** Chance that an event listener throws (an application's metrics hook with a bug). */
  listenerThrows: number;
  steps: Step[];
}

const gapMs = fc.integer({ min: 0, max: 20_000 });

const stepArb: fc.Arbitrary<Step> = fc.oneof(
  {
    weight: 6,
    arbitrary: fc.record({
      kind: fc.constant('send' as const),
      gapMs,
      count: fc.integer({ min: 1, max: 12 }),
      group: fc.integer({ min: 0, max: 40 }),
      plan: fc.constantFrom<Plan>('ok', 'ok', 'ok', 'flaky', 'poison', 'gate', 'doomed'),
      slowMs: fc.oneof(fc.constant(0), fc.integer({ min: 31_000, max: 70_000 })),
      shape: fc.constantFrom<Shape>('plain', 'plain', 'plain', 'sns', 'pointer', 'sns-pointer'),
    }),
  },
  { weight: 2, arbitrary: fc.record({ kind: fc.constantFrom('gate-down' as const, 'gate-up' as const), gapMs }) },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constantFrom('sigterm' as const, 'kill' as const),
      gapMs,
      restartAfterMs: fc.integer({ min: 0, max: 10_000 }),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant('sqs-outage' as const),
      gapMs,
      durationMs: fc.integer({ min: 0, max: 40_000 }),
    }),
  },
);

const faultsArb: fc.Arbitrary<FaultRates> = fc.record({
  serverError: fc.oneof(fc.constant(0), fc.double({ min: 0, max: 0.2, noNaN: true })),
  lostAnswer: fc.oneof(fc.constant(0), fc.double({ min: 0, max: 0.1, noNaN: true })),
  entryFailure: fc.oneof(fc.constant(0), fc.double({ min: 0, max: 0.1, noNaN: true })),
  latency: fc.record({
    base: fc.integer({ min: 0, max: 30 }),
    tail: fc.integer({ min: 0, max: 3_000 }),
    // Now and then SQS is slow on most calls (a loaded region, a congested link).
    tailChance: fc.oneof(
      fc.constant(0),
      fc.double({ min: 0, max: 0.2, noNaN: true }),
      fc.double({ min: 0.5, max: 1, noNaN: true }),
    ),
  }),
});

export const scheduleArb: fc.Arbitrary<Schedule> = fc.record({
  seed: fc.integer({ min: 0, max: 2 ** 31 - 1 }),
  fifo: fc.boolean(),
  maxReceiveCount: fc.integer({ min: 2, max: 5 }),
  concurrency: fc.constantFrom(1, 2, 10),
  faults: faultsArb,
  startupBlips: fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 3 })),
  listenerThrows: fc.oneof({ weight: 4, arbitrary: fc.constant(0) }, fc.double({ min: 0, max: 0.05, noNaN: true })),
  steps: fc.array(stepArb, { minLength: 1, maxLength: 14 }),
});
