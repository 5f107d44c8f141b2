import { isDeepStrictEqual } from 'node:util';
import type { EmittedMessage } from './recording-sqs.client.js';

/** A predicate over an emitted message, or a partial payload it must contain (deeply). */
export type EmittedMatcher = ((message: EmittedMessage) => boolean) | Record<string, unknown>;

export function emittedMatches(message: EmittedMessage, matcher: EmittedMatcher | undefined): boolean {
  if (matcher === undefined) return true;
  if (typeof matcher === 'function') return matcher(message);
  return containsPartial(message.data, matcher);
}

/** True when every property of `expected` is in `actual` with an equal value; objects recurse. */
function containsPartial(actual: unknown, expected: unknown): boolean {
  if (!isPlainObject(expected) || !isPlainObject(actual)) return isDeepStrictEqual(actual, expected);
  return Object.entries(expected).every(([key, value]) => containsPartial(actual[key], value));
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
