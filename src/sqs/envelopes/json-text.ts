import { DeadLetterReason } from '../core/sqs.errors.js';
import { UndecodableMessageError } from '../core/undecodable-message.error.js';

/** Parses JSON, or throws an `UndecodableMessageError` (`malformed-body`) that echoes no payload. */
export function parseJson(text: string, where: string): unknown {
  try {
    return JSON.parse(text);
  } catch (err) {
    // The parser's own message quotes the body; keep only its position to avoid echoing payloads.
    const position = /position \d+/.exec(String((err as Error).message))?.[0] ?? 'unknown position';
    throw new UndecodableMessageError(DeadLetterReason.MalformedBody, `${where} is not valid JSON (${position})`);
  }
}
