import type { SettlementDecision } from '../settlement/settlement.js';
import type { DeadLetterReason } from '../core/sqs.errors.js';
import type { TestDispatch } from './test-dispatch.js';

/** What the transport would have done with a message, as the test kit reports it. */
export interface SqsTestOutcome {
  /** `succeeded`: deleted. `retried`: visible again after `delaySeconds`. `dead-lettered`: moved with `reason`. */
  outcome: 'succeeded' | 'retried' | 'dead-lettered';
  messageId: string;
  /** The pattern it was routed by; undefined when none could be read. */
  pattern?: string;
  /** The decoded payload the handler was given (before pipes). */
  payload?: unknown;
  /** `dead-lettered`: why (`validation-failed`, `non-retryable`, `no-handler`, `max-receives`, ...). */
  reason?: DeadLetterReason;
  /** `dead-lettered`: the detail stored with the dead-letter copy. */
  detail?: string;
  /** `retried`: seconds until the message is visible again (backoff, or the error's `retryAfterSeconds`). */
  delaySeconds?: number;
  /** `retried` on the last receive during an outage: a fresh copy replaces the message. */
  requeued?: boolean;
  /** The name of the `DownstreamGate` whose outage pauses intake from the queue. */
  pausesIntakeFor?: string;
  /** What the handler threw, as thrown (after exception filters). */
  error?: unknown;
  /** The transport's own decision, for anything the fields above leave out. */
  decision: SettlementDecision;
}

export function toTestOutcome(messageId: string, run: TestDispatch, decision: SettlementDecision): SqsTestOutcome {
  const error = run.outcome.kind === 'failed' ? run.outcome.error : undefined;
  const base = {
    messageId,
    pattern: run.decoded?.pattern,
    payload: run.decoded?.data,
    decision,
    ...(error === undefined ? {} : { error }),
    ...(decision.pauseFor ? { pausesIntakeFor: decision.pauseFor.name } : {}),
  };
  switch (decision.action) {
    case 'delete':
      return { ...base, outcome: 'succeeded' };
    case 'retry':
      return { ...base, outcome: 'retried', delaySeconds: decision.delaySeconds };
    case 'requeue':
      return { ...base, outcome: 'retried', delaySeconds: decision.delaySeconds, requeued: true };
    case 'dead-letter':
      return { ...base, outcome: 'dead-lettered', reason: decision.reason, detail: decision.detail };
  }
}
