/**
 * The one scrubber for text and values that leave the process: log lines, dead-letter details,
 * pattern displays, the dead-letter copy of a body, the dead-letter command's output. It lives in
 * the transport so that the transport (which may import no application folder) and the
 * application share it. Two strengths:
 * - {@link scrubSecrets}: secrets only (passwords, tokens, keys, credentials), for message bodies
 *   that must stay usable (a dead-letter copy is redriven; an operator reads a body to fix it);
 * - {@link scrubText} / {@link scrubValue}: secrets and personal data (emails, names, phones),
 *   for logs, dead-letter details and patterns.
 */

import { redactSecretPairs } from './secret-pairs.js';

/** What replaces a censored value. */
export const CENSOR = '[redacted]';

// Keys compared with case, `_` and `-` ignored: `Client-Secret` and `client_secret` are one key.
const SECRET_KEY = /pass(word|wd)?$|secret|token$|tokens$|authorization|cookie|apikey|privatekey|accesskey|credential/;
const PERSONAL_KEY = /e?mail(address)?$|firstname|lastname|phone/;

function normalizeKey(key: string): string {
  return key.toLowerCase().replace(/[-_]/g, '');
}

/** True for a key whose value is a secret (password, token, secret, credentials, ...). */
export function isSecretKey(key: string): boolean {
  return SECRET_KEY.test(normalizeKey(key));
}

/** True for a key whose value is a secret or personal data (email, first/last name, phone). */
export function isSensitiveKey(key: string): boolean {
  const normalized = normalizeKey(key);
  return SECRET_KEY.test(normalized) || PERSONAL_KEY.test(normalized);
}

const SECRET_TEXT_RULES: Array<[RegExp, string]> = [
  [/\bBearer\s+[A-Za-z0-9\-._~+/]+=*/gi, `Bearer ${CENSOR}`],
  [/\beyJ[\w-]{4,}\.[\w-]{4,}\.[\w-]*/g, CENSOR],
  [/\b(?:AKIA|ASIA)[A-Z0-9]{16}\b/g, CENSOR],
  [/\b(password|passwd|client_secret|secret|token|access_token|refresh_token)=([^&\s"']+)/gi, `$1=${CENSOR}`],
];
const EMAIL_RULE: [RegExp, string] = [/[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}/g, '[email]'];

/**
 * Censors secret key/value pairs written as text (JSON `"password":"..."`, also escaped, and
 * `password: '...'`), emails, bearer tokens, JWTs, AWS key ids and `password=` pairs; and the
 * values of personal keys (`"firstName":"..."`).
 */
export function scrubText(text: string): string {
  let result = redactSecretPairs(text, isSensitiveKey, CENSOR);
  for (const [pattern, replacement] of [...SECRET_TEXT_RULES, EMAIL_RULE])
    result = result.replace(pattern, replacement);
  return result;
}

/**
 * Secrets only, personal data kept: the values of secret keys (in JSON text, escaped JSON
 * such as an SNS envelope's `Message`, or an object at any depth), bearer tokens, JWTs, AWS
 * key ids and `password=` pairs. A string gives a string; any other value a scrubbed copy.
 */
export function scrubSecrets(value: string): string;
export function scrubSecrets(value: unknown): unknown;
export function scrubSecrets(value: unknown): unknown {
  return walk(value, secretText, isSecretKey, 0, new WeakSet());
}

function secretText(text: string): string {
  let result = redactSecretPairs(text, isSecretKey, CENSOR);
  for (const [pattern, replacement] of SECRET_TEXT_RULES) result = result.replace(pattern, replacement);
  return result;
}

const MAX_DEPTH = 8;

/**
 * A copy of `value` with sensitive keys censored and every string scrubbed. Errors stay
 * errors (so pino's `err` serializer still applies) but with scrubbed message and stack.
 * The input is never modified: it belongs to the caller.
 */
export function scrubValue(value: unknown): unknown {
  return walk(value, scrubText, isSensitiveKey, 0, new WeakSet());
}

function walk(
  value: unknown,
  text: (s: string) => string,
  censorKey: (key: string) => boolean,
  depth: number,
  seen: WeakSet<object>,
): unknown {
  if (typeof value === 'string') return text(value);
  if (value === null || typeof value !== 'object') return value;
  if (seen.has(value) || depth > MAX_DEPTH) return '[...]';
  seen.add(value);
  const next = (item: unknown) => walk(item, text, censorKey, depth + 1, seen);
  if (Array.isArray(value)) return value.map(next);
  if (value instanceof Date || Buffer.isBuffer(value)) return value;
  const copy: Record<string, unknown> = value instanceof Error ? scrubbedError(value, text, next) : {};
  for (const [key, item] of Object.entries(value)) copy[key] = censorKey(key) ? CENSOR : next(item);
  return copy;
}

function scrubbedError(
  error: Error,
  text: (s: string) => string,
  next: (item: unknown) => unknown,
): Error & Record<string, unknown> {
  const copy = Object.create(Object.getPrototypeOf(error)) as Error & Record<string, unknown>;
  for (const key of ['name', 'message', 'stack'] as const) {
    const own = error[key];
    if (typeof own === 'string')
      Object.defineProperty(copy, key, { value: text(own), enumerable: false, writable: true, configurable: true });
  }
  if (error.cause !== undefined) copy.cause = next(error.cause);
  return copy;
}
