import { AsyncLocalStorage } from 'node:async_hooks';
import type { SqsMessageInfo } from '../core/sqs.events.js';

const storage = new AsyncLocalStorage<SqsMessageInfo>();

/**
 * The message whose handler is running in the current async context, or undefined outside
 * one. A logger can read it to stamp every line a handler writes (its own `Logger` lines too)
 * with the message's id, pattern, queue and receive count, with no parameter passed around.
 */
export function currentSqsMessage(): SqsMessageInfo | undefined {
  return storage.getStore();
}

/** Runs `fn` with `info` as the current message (the transport wraps each handler in it). */
export function runWithSqsMessage<T>(info: SqsMessageInfo, fn: () => T): T {
  return storage.run(info, fn);
}
