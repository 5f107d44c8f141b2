import { describeError } from '../settlement/error-classifier.js';
import type { HeldMessage } from '../core/held-message.js';
import type { PayloadPointer } from '../large-payload/payload-pointer.js';
import type { PayloadResolver } from '../large-payload/payload-resolver.js';
import { decodeMessage, type DecodedMessage } from './message-decoder.js';
import type { MessageDispatcher, MessageRun } from './message-dispatcher.js';
import { displayPattern } from './pattern-display.js';
import type { DispatchOutcome } from '../settlement/settlement.js';
import { DeadLetterReason, RetryableError } from '../core/sqs.errors.js';
import { UndecodableMessageError } from '../core/undecodable-message.error.js';

/** A message ready to run: what its handler gets, the handler, and its S3 payload's pointer if any. */
export interface RoutedMessage {
  decoded: DecodedMessage;
  run: MessageRun;
  pointer?: PayloadPointer;
}

/**
 * The steps before a handler runs: resolve an S3 claim check, decode (envelopes, pattern),
 * find the handler (the pattern, then its fallbacks). A message that can go no further comes
 * back as the outcome to settle: undeliverable (dead-lettered) or failed (retried: S3 is down).
 */
export class MessageRouting {
  constructor(
    private readonly dispatcher: MessageDispatcher,
    private readonly payloads: PayloadResolver,
    private readonly patternAttribute: string,
  ) {}

  async route(held: HeldMessage): Promise<RoutedMessage | DispatchOutcome> {
    let decoded: DecodedMessage;
    let pointer: PayloadPointer | undefined;
    try {
      const resolved = await this.payloads.resolve(held.message);
      pointer = resolved.pointer;
      decoded = decodeMessage(resolved.message, this.patternAttribute, held.queue.defaultPattern);
    } catch (err) {
      if (err instanceof RetryableError) return { kind: 'failed', error: err, durationMs: 0 };
      const reason = err instanceof UndecodableMessageError ? err.reason : DeadLetterReason.MalformedBody;
      return { kind: 'undeliverable', reason, detail: describeError(err).message };
    }
    held.info.pattern = decoded.pattern;
    // The common case, with no array or copy built per message: the pattern has a handler.
    const direct = this.dispatcher.route(decoded.pattern);
    if (direct) return { decoded, run: direct, pointer };
    const fallbacks = decoded.fallbackPatterns ?? [];
    for (const pattern of fallbacks) {
      const run = this.dispatcher.route(pattern);
      if (!run) continue;
      held.info.pattern = pattern;
      return { decoded: { ...decoded, pattern }, run, pointer };
    }
    return {
      kind: 'undeliverable',
      reason: DeadLetterReason.NoHandler,
      detail: `no handler for pattern ${[decoded.pattern, ...fallbacks].map(displayPattern).join(' or ')}`,
    };
  }
}
