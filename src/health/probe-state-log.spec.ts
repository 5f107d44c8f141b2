import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { HealthCheckResult } from '@nestjs/terminus';
import { ProbeStateLog } from './probe-state-log.js';

function recorder() {
  const lines: Array<{ level: string; msg: string }> = [];
  const push = (level: string) => (entry: { msg: string }) => void lines.push({ level, msg: entry.msg });
  return { lines, logger: { log: push('log'), warn: push('warn'), error: push('error') } };
}

const ok: HealthCheckResult = { status: 'ok', info: {}, error: {}, details: { sqs: { status: 'up' } } };
const sqsDown = (reason: string): HealthCheckResult => ({
  status: 'error',
  info: {},
  error: { sqs: { status: 'down', reason } },
  details: { sqs: { status: 'down', reason }, credentials: { status: 'up' } },
});

describe('probe state log', () => {
  it('logs a change once, not every probe, and names the failing checks', () => {
    let clock = 0;
    const { lines, logger } = recorder();
    const log = new ProbeStateLog(logger, () => clock);
    log.record('readiness', ok, 'log');
    for (let i = 0; i < 12; i++) {
      clock += 5_000;
      log.record('readiness', sqsDown(`last SQS call failed (${i})`), 'error');
    }
    clock += 5_000;
    log.record('readiness', ok, 'log');
    assert.deepEqual(lines, [
      { level: 'log', msg: 'readiness is ok' },
      { level: 'error', msg: 'readiness is error after 5 s: sqs down (last SQS call failed (0))' },
      { level: 'log', msg: 'readiness is ok after 60 s' },
    ]);
  });

  it('counts a different set of failing checks as a change, and keeps probes apart', () => {
    const { lines, logger } = recorder();
    const log = new ProbeStateLog(logger, () => 0);
    log.record('readiness', sqsDown('x'), 'error');
    log.record('liveness', ok, 'log');
    const both: HealthCheckResult = {
      ...sqsDown('x'),
      details: { sqs: { status: 'down' }, credentials: { status: 'down', reason: 'expired' } },
    };
    log.record('readiness', both, 'error');
    log.record('readiness', both, 'error');
    assert.deepEqual(
      lines.map((l) => l.msg),
      [
        'readiness is error: sqs down (x)',
        'liveness is ok',
        'readiness is error after 0 s: sqs down; credentials down (expired)',
      ],
    );
  });
});
