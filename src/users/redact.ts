import { createHmac } from 'node:crypto';

const EMAIL = /[^\s"'<>;,()]+@[^\s"'<>;,()]+/g;

/**
 * Removes personal data and secrets from a text that will be logged or become a dead-letter
 * reason: every given value (password, email, username, token) and anything shaped like an
 * email. Values shorter than 3 characters are left alone; replacing them would garble the text.
 */
export function redact(text: string, values: ReadonlyArray<string | undefined> = []): string {
  let out = text;
  for (const value of values) {
    if (value && value.length >= 3) out = out.split(value).join('[redacted]');
  }
  return out.replace(EMAIL, '[email]');
}

/**
 * A stable pseudonym for a username, to correlate log lines before Keycloak has given the user
 * an id: an HMAC keyed by `pepper` (a secret from configuration, `REGISTRATION_STAMP_SECRET`),
 * so that a list of usernames cannot be hashed and matched against the logs. Pseudonymous, not
 * anonymous: whoever holds the key can still link a name to its lines.
 */
export function subjectRef(username: string, pepper: string): string {
  return createHmac('sha256', pepper).update(`subject:${username.toLowerCase()}`).digest('hex').slice(0, 12);
}
