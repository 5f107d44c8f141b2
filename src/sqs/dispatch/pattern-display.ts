import { scrubText, scrubValue } from '../scrub/scrub.js';

/** Longest rendering of a pattern, in characters (the rest is counted, not shown). */
export const PATTERN_DISPLAY_MAX = 200;

// Words that make an unparseable JSON pattern too risky to show: where a value ends is unknown.
const SENSITIVE_WORD =
  /pass(word|wd)?|secret|token|authorization|cookie|api.?key|private.?key|access.?key|credential|first.?name|last.?name|e?mail|phone/i;

/**
 * A pattern as it may appear in a log line or a dead-letter detail. Patterns come from the
 * messages, so they can carry anything: an email (`notify.henry@example.com`), or a whole JSON
 * object with a password or a name in it. The shared scrubber (src/sqs/scrub, the one logs and
 * dead-letter details use) censors emails, tokens and the values of secret and personal keys
 * (password, token, credentials, email, firstName, lastName, ...); control characters are escaped
 * so the result stays on one line, and it is cut to {@link PATTERN_DISPLAY_MAX}.
 */
export function displayPattern(pattern: string): string {
  return truncate(escapeControls(redactPattern(pattern)));
}

function redactPattern(pattern: string): string {
  const trimmed = pattern.trim();
  if (!trimmed.startsWith('{') && !trimmed.startsWith('[')) return scrubText(pattern);
  try {
    // Parsed, a sensitive key censors its whole value, however deeply it is nested.
    return JSON.stringify(scrubValue(JSON.parse(trimmed)));
  } catch {
    // JSON-looking but unparseable: where a value ends cannot be trusted, so show no values.
    if (SENSITIVE_WORD.test(trimmed))
      return `[unparseable JSON pattern naming a sensitive-looking key, ${trimmed.length} characters]`;
    return scrubText(pattern);
  }
}

function escapeControls(text: string): string {
  return text.replace(
    // eslint-disable-next-line no-control-regex -- escaping control characters is the point
    /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
}

function truncate(text: string): string {
  if (text.length <= PATTERN_DISPLAY_MAX) return text;
  return `${text.slice(0, PATTERN_DISPLAY_MAX)}... (${text.length - PATTERN_DISPLAY_MAX} more characters)`;
}
