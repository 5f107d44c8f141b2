/**
 * Secrets and personal data never reach a log line. Two layers, because each misses what the
 * other catches: pino `redact` paths censor known fields cheaply, and a scrubber walks every
 * logged object (any depth) and every message string, censoring sensitive keys and the
 * emails, bearer tokens, JWTs and AWS key ids that turn up inside free text.
 */

import { redactSecretPairs } from './secret-pairs.js';

/** What replaces a censored value. */
export const CENSOR = '[redacted]';

const SENSITIVE_FIELDS = [
  'password',
  'passwd',
  'secret',
  'clientSecret',
  'client_secret',
  'token',
  'accessToken',
  'access_token',
  'refreshToken',
  'refresh_token',
  'idToken',
  'sessionToken',
  'secretAccessKey',
  'accessKeyId',
  'authorization',
  'cookie',
  'apiKey',
  'credentials',
  'email',
  'firstName',
  'lastName',
  'phone',
];

/** pino `redact` paths: the fields above at the top level and one or two levels down. */
export const REDACT_PATHS: string[] = [
  ...SENSITIVE_FIELDS.flatMap((field) => [field, `*.${field}`, `*.*.${field}`]),
  'req.headers.authorization',
  'req.headers.cookie',
  'res.headers["set-cookie"]',
];

// Compared with case, `_` and `-` ignored: `Client-Secret` and `client_secret` are one key.
const SENSITIVE_KEY =
  /pass(word|wd)?$|secret|token$|tokens$|authorization|cookie|apikey|privatekey|accesskey|credential|e?mail(address)?$|firstname|lastname|phone/;

export function isSensitiveKey(key: string): boolean {
  return SENSITIVE_KEY.test(key.toLowerCase().replace(/[-_]/g, ''));
}

const TEXT_RULES: Array<[RegExp, string]> = [
  [/\bBearer\s+[A-Za-z0-9\-._~+/]+=*/gi, `Bearer ${CENSOR}`],
  [/\beyJ[\w-]{4,}\.[\w-]{4,}\.[\w-]*/g, CENSOR],
  [/\b(?:AKIA|ASIA)[A-Z0-9]{16}\b/g, CENSOR],
  [/[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}/g, '[email]'],
  [/\b(password|passwd|client_secret|secret|token|access_token|refresh_token)=([^&\s"']+)/gi, `$1=${CENSOR}`],
];

/**
 * Censors secret key/value pairs written as text (JSON `"password":"..."`, also escaped, and
 * `password: '...'`), emails, bearer tokens, JWTs, AWS key ids and `password=` pairs.
 */
export function scrubText(text: string): string {
  let result = redactSecretPairs(text, isSensitiveKey, CENSOR);
  for (const [pattern, replacement] of TEXT_RULES) result = result.replace(pattern, replacement);
  return result;
}

const MAX_DEPTH = 8;

/**
 * A copy of `value` with sensitive keys censored and every string scrubbed. Errors stay
 * errors (so pino's `err` serializer still applies) but with scrubbed message and stack.
 * The input is never modified: it belongs to the caller.
 */
export function scrubValue(value: unknown, depth = 0, seen = new WeakSet<object>()): unknown {
  if (typeof value === 'string') return scrubText(value);
  if (value === null || typeof value !== 'object') return value;
  if (seen.has(value) || depth > MAX_DEPTH) return '[...]';
  seen.add(value);
  if (Array.isArray(value)) return value.map((item) => scrubValue(item, depth + 1, seen));
  if (value instanceof Date || Buffer.isBuffer(value)) return value;
  const copy: Record<string, unknown> = value instanceof Error ? scrubbedError(value) : {};
  for (const [key, item] of Object.entries(value)) {
    copy[key] = isSensitiveKey(key) ? CENSOR : scrubValue(item, depth + 1, seen);
  }
  return copy;
}

function scrubbedError(error: Error): Error & Record<string, unknown> {
  const copy = Object.create(Object.getPrototypeOf(error)) as Error & Record<string, unknown>;
  for (const key of ['name', 'message', 'stack'] as const) {
    const own = error[key];
    if (typeof own === 'string')
      Object.defineProperty(copy, key, {
        value: scrubText(own),
        enumerable: false,
        writable: true,
        configurable: true,
      });
  }
  if (error.cause !== undefined) copy.cause = scrubValue(error.cause);
  return copy;
}
