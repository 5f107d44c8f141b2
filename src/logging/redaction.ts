/**
 * Secrets and personal data never reach a log line. Two layers, because each misses what the
 * other catches: pino `redact` paths censor known fields cheaply, and the shared scrubber
 * (src/sqs/scrub, one for logs, dead-letter details and patterns) walks every logged object
 * and every message string.
 */
export { CENSOR, isSensitiveKey, scrubSecrets, scrubText, scrubValue } from '../sqs/index.js';

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
