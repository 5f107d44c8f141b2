import { Logger } from '@nestjs/common';
import type { HealthCheckResult } from '@nestjs/terminus';

/** A probe whose outcome is logged when it changes. */
export type ProbeName = 'readiness' | 'liveness';

/** Severity of a probe's new state; `info` for states that are expected (starting, draining). */
export type ProbeLogLevel = 'log' | 'warn' | 'error';

type LoggerLike = Pick<Logger, 'log' | 'warn' | 'error'>;

/**
 * Logs a probe's outcome when it changes, never on every probe: Kubernetes asks every few
 * seconds, and an outage of minutes would otherwise be hundreds of identical error lines per
 * pod. A change is a new overall status or a different set of failing (or degraded) checks;
 * the reasons go into the line but do not count as a change (they carry counters and times).
 */
export class ProbeStateLog {
  private readonly last = new Map<ProbeName, { state: string; at: number }>();

  constructor(
    private readonly logger: LoggerLike = new Logger('Health'),
    private readonly now: () => number = Date.now,
  ) {}

  /** Records `result`; logs one line if it differs from the probe's previous outcome. */
  record(probe: ProbeName, result: HealthCheckResult, level: ProbeLogLevel): void {
    const failing = Object.entries(result.details)
      .filter(([, check]) => check.status !== 'up')
      .map(([key, check]) => ({
        key,
        status: check.status,
        reason: typeof check.reason === 'string' ? check.reason : undefined,
      }));
    const state = `${result.status}:${failing
      .map((f) => `${f.key}=${f.status}`)
      .sort()
      .join(',')}`;
    const previous = this.last.get(probe);
    if (previous?.state === state) return;
    this.last.set(probe, { state, at: this.now() });
    const after = previous ? ` after ${Math.round((this.now() - previous.at) / 1_000)} s` : '';
    const checks = failing.map((f) => `${f.key} ${f.status}${f.reason ? ` (${f.reason})` : ''}`).join('; ');
    const text = failing.length
      ? `${probe} is ${result.status}${after}: ${checks}`
      : `${probe} is ${result.status}${after}`;
    this.logger[level]({ msg: text, probe, status: result.status, failing: failing.map((f) => f.key) });
  }
}
