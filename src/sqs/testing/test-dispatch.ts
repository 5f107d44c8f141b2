import type { HeldMessage } from '../core/held-message.js';
import { PayloadResolver } from '../large-payload/payload-resolver.js';
import { runWithSqsMessage } from '../dispatch/message-context.js';
import type { DecodedMessage } from '../dispatch/message-decoder.js';
import type { MessageRun } from '../dispatch/message-dispatcher.js';
import { MessageRouting } from '../dispatch/message-routing.js';
import type { DispatchOutcome } from '../settlement/settlement.js';

/** One message through the engine's dispatch step: route, then run with the message context. */
export interface TestDispatch {
  decoded?: DecodedMessage;
  outcome: DispatchOutcome;
}

/**
 * The engine's own routing (`MessageRouting`: decoding, envelopes, fallback patterns, no
 * handler) so that the kit cannot drift from `SqsServer`, then the handler inside the message's
 * async context, without the events and tracing that belong to a running server. No S3 client:
 * a claim-check pointer is dead-lettered as `payload-missing`, as a server without
 * `largePayloads` would.
 */
export async function dispatchTestMessage(
  held: HeldMessage,
  route: (pattern: string) => MessageRun | undefined,
  patternAttribute: string,
): Promise<TestDispatch> {
  const routing = new MessageRouting({ route }, new PayloadResolver(), patternAttribute);
  const routed = await routing.route(held);
  if ('kind' in routed) return { outcome: routed };
  const { decoded, run } = routed;
  const startedAt = performance.now();
  try {
    await runWithSqsMessage(held.info, () => run(decoded, held));
    return { decoded, outcome: { kind: 'succeeded', durationMs: performance.now() - startedAt } };
  } catch (error) {
    return { decoded, outcome: { kind: 'failed', error, durationMs: performance.now() - startedAt } };
  }
}
