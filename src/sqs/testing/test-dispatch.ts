import type { HeldMessage } from '../held-message.js';
import { runWithSqsMessage } from '../message-context.js';
import { decodeMessage, UndecodableMessageError, type DecodedMessage } from '../message-decoder.js';
import type { MessageRun } from '../message-dispatcher.js';
import { describeError } from '../error-classifier.js';
import { displayPattern } from '../pattern-display.js';
import type { DispatchOutcome } from '../settlement.js';
import { DeadLetterReason } from '../sqs.errors.js';

/** One message through the engine's dispatch step: decode, route, run with the message context. */
export interface TestDispatch {
  decoded?: DecodedMessage;
  outcome: DispatchOutcome;
}

/**
 * Follows `ConsumerEngine`'s dispatch step (decode with the real decoder, no pattern or no
 * handler is undeliverable, the handler runs inside the message's async context) without its
 * events and tracing, which belong to the running server.
 */
export async function dispatchTestMessage(
  held: HeldMessage,
  route: (pattern: string) => MessageRun | undefined,
  patternAttribute: string,
): Promise<TestDispatch> {
  let decoded: DecodedMessage;
  try {
    decoded = decodeMessage(held.message, patternAttribute, held.queue.defaultPattern);
  } catch (err) {
    const reason = err instanceof UndecodableMessageError ? err.reason : DeadLetterReason.MalformedBody;
    return { outcome: { kind: 'undeliverable', reason, detail: describeError(err).message } };
  }
  held.info.pattern = decoded.pattern;
  const run = route(decoded.pattern);
  if (!run) {
    const detail = `no handler for pattern ${displayPattern(decoded.pattern)}`;
    return { decoded, outcome: { kind: 'undeliverable', reason: DeadLetterReason.NoHandler, detail } };
  }
  const startedAt = performance.now();
  try {
    await runWithSqsMessage(held.info, () => run(decoded, held));
    return { decoded, outcome: { kind: 'succeeded', durationMs: performance.now() - startedAt } };
  } catch (error) {
    return { decoded, outcome: { kind: 'failed', error, durationMs: performance.now() - startedAt } };
  }
}
