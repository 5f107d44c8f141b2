import { scrubText, scrubValue } from '../logging/redaction.js';

/** Longest rendering of a pattern, in characters (the rest is counted, not shown). */
export const PATTERN_DISPLAY_MAX = 200;

/**
 * A pattern as it may appear in a log line or a dead-letter detail. Patterns come from the
 * messages, so they can carry anything: an email (`notify.henry@example.com`), or a whole JSON
 * object with a password in it. Emails, tokens and the values of secret-looking keys
 * (password, token, secret, authorization, credentials, ...) are censored, control characters
 * are escaped so the result stays on one line, and it is cut to {@link PATTERN_DISPLAY_MAX}.
 */
export function displayPattern(pattern: string): string {
  return truncate(escapeControls(redactPattern(pattern)));
}

function redactPattern(pattern: string): string {
  const trimmed = pattern.trim();
  if (trimmed.startsWith('{') || trimmed.startsWith('[')) {
    try {
      // Parsed, a secret key censors its whole value, however it is nested or escaped.
      return JSON.stringify(scrubValue(JSON.parse(trimmed)));
    } catch {
      // Not JSON after all (or cut short): the text rules still censor JSON-looking pairs.
    }
  }
  return scrubText(pattern);
}

function escapeControls(text: string): string {
  // eslint-disable-next-line no-control-regex
  return text.replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

function truncate(text: string): string {
  if (text.length <= PATTERN_DISPLAY_MAX) return text;
  return `${text.slice(0, PATTERN_DISPLAY_MAX)}... (${text.length - PATTERN_DISPLAY_MAX} more characters)`;
}
