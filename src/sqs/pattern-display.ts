/** Longest rendering of a pattern, in characters (the rest is counted, not shown). */
export const PATTERN_DISPLAY_MAX = 200;

const CENSOR = '[redacted]';
const EMAIL = /[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}/g;
// Compared with case, `_` and `-` ignored; the same family of keys the service's log redaction censors.
const SECRET_KEY =
  /pass(word|wd)?$|secret|token|authorization|cookie|apikey|privatekey|accesskey|credential|e?mail(address)?$|phone/;
const SECRET_WORD = /pass(word|wd)?|secret|token|authorization|cookie|api.?key|private.?key|access.?key|credential/i;

/**
 * A pattern as it may appear in a log line or a dead-letter detail. Patterns come from the
 * messages, so they can carry anything: an email (`notify.henry@example.com`), or a whole JSON
 * object with a password in it. Emails and the values of secret-looking keys (password, token,
 * secret, authorization, credentials, ...) are censored, control characters are escaped so the
 * result stays on one line, and it is cut to {@link PATTERN_DISPLAY_MAX}.
 *
 * Self-contained on purpose: the transport imports nothing from the application's folders.
 */
export function displayPattern(pattern: string): string {
  return truncate(escapeControls(redactPattern(pattern)));
}

function redactPattern(pattern: string): string {
  const trimmed = pattern.trim();
  if (!trimmed.startsWith('{') && !trimmed.startsWith('[')) return pattern.replace(EMAIL, '[email]');
  try {
    // Parsed, a secret key censors its whole value, however deeply it is nested.
    return JSON.stringify(redactValue(JSON.parse(trimmed)));
  } catch {
    // JSON-looking but unparseable: where a value ends cannot be trusted, so show no values.
    if (SECRET_WORD.test(trimmed))
      return `[unparseable JSON pattern naming a secret-looking key, ${trimmed.length} characters]`;
    return pattern.replace(EMAIL, '[email]');
  }
}

function redactValue(value: unknown, depth = 0): unknown {
  if (typeof value === 'string') return value.replace(EMAIL, '[email]');
  if (value === null || typeof value !== 'object') return value;
  if (depth > 8) return '[...]';
  if (Array.isArray(value)) return value.map((item) => redactValue(item, depth + 1));
  return Object.fromEntries(
    Object.entries(value).map(([key, item]) => [
      key,
      SECRET_KEY.test(key.toLowerCase().replace(/[-_]/g, '')) ? CENSOR : redactValue(item, depth + 1),
    ]),
  );
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
