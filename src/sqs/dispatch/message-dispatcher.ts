import type { HeldMessage } from '../core/held-message.js';
import type { DecodedMessage } from './message-decoder.js';

/** Runs one decoded message through its handler; resolves when the handler's work is done. */
export type MessageRun = (decoded: DecodedMessage, held: HeldMessage) => Promise<void>;

/**
 * Where the consumer engine hands a message over to application code: the Nest adapter
 * implements it with Nest's handler lookup and dispatch; a test can implement it with a map.
 */
export interface MessageDispatcher {
  /** The run for `pattern`, or undefined when no handler is registered for it. */
  route(pattern: string): MessageRun | undefined;
}
