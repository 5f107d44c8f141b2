import { z } from 'zod';
import { LONG_POLL_TIMEOUT_MARGIN_MS, optionRuleViolations, receiveRequestTimeoutMs } from '../sqs/index.js';
import { endpointIssues } from './env.endpoint-rules.js';
import { isLoopbackUrl } from './sqs-endpoint.js';
import { NOT_SET } from './env.fields.js';
import { MIN_STAMP_SECRET_LENGTH } from './env.keycloak.js';
import { envShape } from './env.variables.js';

/** `APP_ENV` values that run in a cluster and use the pod credential chain. */
export const POD_ENVIRONMENTS = ['production', 'staging', 'integration'] as const;

/** True when `appEnv` runs on EKS (IRSA, Pod Identity, instance role); anything else is local. */
export function isPodEnvironment(appEnv: string): boolean {
  return (POD_ENVIRONMENTS as readonly string[]).includes(appEnv);
}

/** Headroom the receive request timeout keeps above the long-poll wait (the transport's rule). */
export const RECEIVE_TIMEOUT_MARGIN_MS = LONG_POLL_TIMEOUT_MARGIN_MS;

/** Variables whose value is never echoed in an error message. */
export const SECRET_VARIABLES: ReadonlySet<string> = new Set([
  'AWS_ACCESS_KEY_ID',
  'AWS_SECRET_ACCESS_KEY',
  'AWS_SESSION_TOKEN',
  'KEYCLOAK_CLIENT_SECRET',
  'REGISTRATION_STAMP_SECRET',
]);

export { keycloakEnvShape } from './env.keycloak.js';

const envObject = z.object(envShape);

type ParsedEnv = z.output<typeof envObject>;

type Issue = { variable: keyof ParsedEnv & string; message: string };

/** Rules that relate several variables; each issue names the variable to change. */
function crossFieldIssues(env: ParsedEnv): Issue[] {
  const issues: Issue[] = [];
  const minReceiveTimeout = receiveRequestTimeoutMs(env.SQS_WAIT_TIME_SECONDS);
  if (env.SQS_RECEIVE_REQUEST_TIMEOUT_MS < minReceiveTimeout) {
    issues.push({
      variable: 'SQS_RECEIVE_REQUEST_TIMEOUT_MS',
      message:
        `must be at least SQS_WAIT_TIME_SECONDS*1000 + ${RECEIVE_TIMEOUT_MARGIN_MS} = ${minReceiveTimeout} ms ` +
        `(SQS_WAIT_TIME_SECONDS=${env.SQS_WAIT_TIME_SECONDS}): a long poll legitimately lasts that long and must not be cut off`,
    });
  }
  issues.push(...transportRuleIssues(env));
  if (Boolean(env.AWS_ACCESS_KEY_ID) !== Boolean(env.AWS_SECRET_ACCESS_KEY)) {
    const missing = env.AWS_ACCESS_KEY_ID ? 'AWS_SECRET_ACCESS_KEY' : 'AWS_ACCESS_KEY_ID';
    issues.push({
      variable: missing,
      message: `${NOT_SET}: expected it together with ${missing === 'AWS_ACCESS_KEY_ID' ? 'AWS_SECRET_ACCESS_KEY' : 'AWS_ACCESS_KEY_ID'}`,
    });
  }
  if (Boolean(env.AWS_WEB_IDENTITY_TOKEN_FILE) !== Boolean(env.AWS_ROLE_ARN)) {
    const missing = env.AWS_ROLE_ARN ? 'AWS_WEB_IDENTITY_TOKEN_FILE' : 'AWS_ROLE_ARN';
    issues.push({
      variable: missing,
      message: `${NOT_SET}: web identity (IRSA) needs both AWS_WEB_IDENTITY_TOKEN_FILE and AWS_ROLE_ARN`,
    });
  }
  issues.push(...environmentIssues(env));
  if (isPodEnvironment(env.APP_ENV) && !env.REGISTRATION_STAMP_SECRET) {
    issues.push({
      variable: 'REGISTRATION_STAMP_SECRET',
      message: `${NOT_SET}: expected a secret of at least ${MIN_STAMP_SECRET_LENGTH} characters when APP_ENV is ${env.APP_ENV} (it keys the registration stamp)`,
    });
  }
  issues.push(...endpointIssues(env, isPodEnvironment(env.APP_ENV), env.APP_ENV));
  return issues;
}

/** The transport's own rules between its options (one home: src/sqs/core/option-rules.ts), on the variables. */
function transportRuleIssues(env: ParsedEnv): Issue[] {
  const names = {
    visibilityTimeout: 'SQS_VISIBILITY_TIMEOUT',
    heartbeatIntervalSeconds: 'SQS_HEARTBEAT_INTERVAL_SECONDS',
    maxVisibilitySeconds: 'SQS_MAX_VISIBILITY_SECONDS',
    deleteBatchLingerMs: 'SQS_DELETE_LINGER_MS',
    backoffBaseSeconds: 'SQS_BACKOFF_BASE_SECONDS',
    backoffMaxSeconds: 'SQS_BACKOFF_MAX_SECONDS',
  } as const;
  const violations = optionRuleViolations(
    {
      visibilityTimeout: env.SQS_VISIBILITY_TIMEOUT,
      heartbeatIntervalSeconds: env.SQS_HEARTBEAT_INTERVAL_SECONDS,
      maxVisibilitySeconds: env.SQS_MAX_VISIBILITY_SECONDS,
      deleteBatchLingerMs: env.SQS_DELETE_LINGER_MS,
      backoffBaseSeconds: env.SQS_BACKOFF_BASE_SECONDS,
      backoffMaxSeconds: env.SQS_BACKOFF_MAX_SECONDS,
    },
    names,
  );
  return violations.map((v) => ({ variable: names[v.option], message: v.message }));
}

/** What `APP_ENV` demands: pods talk to real AWS, local runs bring their own keys. */
function environmentIssues(env: ParsedEnv): Issue[] {
  const issues: Issue[] = [];
  if (isPodEnvironment(env.APP_ENV)) {
    if (!env.AWS_REGION && !env.AWS_DEFAULT_REGION) {
      issues.push({
        variable: 'AWS_REGION',
        message: `${NOT_SET}: expected an AWS region when APP_ENV is ${env.APP_ENV}`,
      });
    }
    // The client secret and admin tokens cross this connection; a loopback address (a mesh
    // sidecar that encrypts for the pod) never leaves the pod.
    if (!env.KEYCLOAK_URL.startsWith('https://') && !isLoopbackUrl(env.KEYCLOAK_URL))
      issues.push({
        variable: 'KEYCLOAK_URL',
        message: `must be https:// (or a loopback sidecar) when APP_ENV is ${env.APP_ENV}`,
      });
    for (const variable of ['SQS_ENDPOINT', 'AWS_STS_ENDPOINT'] as const) {
      if (env[variable]) {
        issues.push({
          variable,
          message: `must be unset when APP_ENV is ${env.APP_ENV}: endpoint overrides are for local servers only (the SDK resolves the regional endpoint, VPC endpoints included)`,
        });
      }
    }
  } else if (!env.AWS_ACCESS_KEY_ID && !env.AWS_SECRET_ACCESS_KEY) {
    issues.push({
      variable: 'AWS_ACCESS_KEY_ID',
      message:
        `${NOT_SET}: APP_ENV "${env.APP_ENV}" is local, and local runs use AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY ` +
        'from the environment only (~/.aws/credentials and ~/.aws/config are never read)',
    });
  }
  return issues;
}

/**
 * The environment schema (Zod, a Standard Schema): field rules, then the rules that relate
 * several variables. Its output is the typed environment {@link Env}.
 */
export const envSchema = envObject.superRefine((env, ctx) => {
  for (const issue of crossFieldIssues(env)) {
    ctx.addIssue({ code: 'custom', path: [issue.variable], message: issue.message });
  }
});

/** Every variable the service reads, in schema order. */
export const ENV_VARIABLES: readonly string[] = Object.keys(envObject.shape);

/** The validated, typed environment. */
export type Env = z.output<typeof envSchema>;

/** Thrown at boot when the environment is invalid; `message` has one line per bad variable. */
export class EnvValidationError extends Error {
  override readonly name = 'EnvValidationError';

  constructor(readonly lines: readonly string[]) {
    super(lines.join('\n'));
  }
}

function describeInput(variable: string, raw: unknown): string {
  if (typeof raw !== 'string' || raw.trim() === '') return '';
  if (SECRET_VARIABLES.has(variable)) return ` (got a value of ${raw.length} characters, not shown)`;
  const shown = raw.length > 200 ? `${raw.slice(0, 200)}...` : raw;
  return ` (got ${JSON.stringify(shown)})`;
}

/**
 * Validates `source` (normally `process.env`) and returns the typed environment.
 * @throws {EnvValidationError} one line per bad variable, such as
 *   `Invalid environment: SQS_BATCH_SIZE must be an integer from 1 to 10 (got "42")`.
 */
export function parseEnv(source: Record<string, unknown>): Env {
  const result = envSchema.safeParse(source);
  if (result.success) return result.data;
  const lines = result.error.issues.map((issue) => {
    const variable = String(issue.path[0] ?? 'environment');
    return `Invalid environment: ${variable} ${issue.message}${describeInput(variable, source[variable])}`;
  });
  throw new EnvValidationError([...new Set(lines)]);
}

/**
 * `validate` hook for `ConfigModule.forRoot`: throws on a bad environment and otherwise
 * returns the input unchanged, so `process.env` keeps its strings; the namespaced configs
 * read the typed values through {@link parseEnv}.
 */
export function validateEnv(config: Record<string, unknown>): Record<string, unknown> {
  parseEnv(config);
  return config;
}
