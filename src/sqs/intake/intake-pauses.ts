import type { DownstreamGate } from '../core/downstream-gate.js';
import type { QueueIntake } from './queue-intake.js';
import type { SqsPausedQueue } from '../core/sqs.events.js';

export interface IntakePauseHooks {
  /** A queue stopped receiving: give back what it buffered, log, emit. */
  onPaused(queueUrl: string, dependency: string, reason: string): void;
  onResumed(queueUrl: string, dependency: string, pausedMs: number): void;
}

/**
 * Which queues wait for which dependency. A queue is tied to a gate when one of its handlers
 * reports the gate down (or when the application ties them up front); from then on the queue
 * pauses whenever the gate goes down and resumes when it comes up, so a gate's owner (a
 * circuit breaker that probes its dependency) drives intake without any message being spent.
 */
export class IntakePauses {
  private readonly ties = new Map<DownstreamGate, { queues: Set<QueueIntake>; unsubscribe: () => void }>();

  constructor(
    private readonly intakes: readonly QueueIntake[],
    private readonly hooks: IntakePauseHooks,
  ) {}

  /** Ties the queue at `queueUrl` to `gate`, and pauses it now if the gate is down. */
  tie(queueUrl: string, gate: DownstreamGate): void {
    const intake = this.intakes.find((i) => i.queue.url === queueUrl);
    if (intake) this.tieIntake(intake, gate);
  }

  /** True while the queue at `queueUrl` receives nothing. */
  isPaused(queueUrl: string): boolean {
    return this.intakes.some((i) => i.queue.url === queueUrl && i.isPaused);
  }

  private tieIntake(intake: QueueIntake, gate: DownstreamGate): void {
    let tie = this.ties.get(gate);
    if (!tie) {
      const queues = new Set<QueueIntake>();
      tie = { queues, unsubscribe: gate.onChange((down) => (down ? this.pauseAll(gate) : this.resumeAll(gate))) };
      this.ties.set(gate, tie);
    }
    tie.queues.add(intake);
    if (gate.isDown) this.pause(intake, gate);
  }

  /** Every queue paused now, and why. */
  snapshot(): SqsPausedQueue[] {
    const paused: SqsPausedQueue[] = [];
    for (const [gate, { queues }] of this.ties) {
      for (const intake of queues) {
        const pause = intake.pausedBy.get(gate.name);
        if (pause)
          paused.push({ queueUrl: intake.queue.url, dependency: gate.name, reason: pause.reason, since: pause.since });
      }
    }
    return paused;
  }

  /** Forgets every tie (the server is closing); intakes stay as they are. */
  close(): void {
    for (const { unsubscribe } of this.ties.values()) unsubscribe();
    this.ties.clear();
  }

  private pauseAll(gate: DownstreamGate): void {
    for (const intake of this.ties.get(gate)?.queues ?? []) this.pause(intake, gate);
  }

  private resumeAll(gate: DownstreamGate): void {
    for (const intake of this.ties.get(gate)?.queues ?? []) {
      const pausedMs = intake.resume(gate.name);
      if (pausedMs !== undefined) this.hooks.onResumed(intake.queue.url, gate.name, pausedMs);
    }
  }

  private pause(intake: QueueIntake, gate: DownstreamGate): void {
    const reason = gate.reason ?? `${gate.name} is unavailable`;
    if (intake.pause(gate.name, reason)) this.hooks.onPaused(intake.queue.url, gate.name, reason);
  }
}
