import { keycloakEnvShape } from './env.keycloak.js';
import { boolean, httpUrl, integer, matching, oneOf, optional, queueUrl, required, withDefault } from './env.fields.js';

/**
 * The variables, one field each: the rule, the default and a `.describe()` line. The schema
 * (env.schema.ts) adds the rules between variables; docs/configuration.md is generated from
 * these fields (`npm run docs:config`), so a new variable needs its description here.
 */

const LOG_LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'] as const;
const REGION = matching(/^[a-z]{2}(-[a-z]+)+-\d+$/, 'an AWS region such as eu-west-1');
const ROLE_ARN = matching(
  /^arn:aws[a-z-]*:iam::\d{12}:role\/[\w+=,.@/-]{1,512}$/,
  'an IAM role ARN (arn:aws:iam::123456789012:role/name)',
);
const SESSION_NAME = matching(
  /^[\w+=,.@-]{2,64}$/,
  'a role session name of 2 to 64 characters from [A-Za-z0-9+=,.@_-]',
);
const NON_EMPTY = matching(/^.+$/s, 'a non-empty string');
const ATTRIBUTE_NAME = matching(
  /^(?!(aws|amazon)\.)(?!\.)(?!.*\.\.)[A-Za-z0-9_.-]{1,256}(?<!\.)$/i,
  'an SQS message attribute name (letters, digits, _ - ., not starting with AWS. or Amazon.)',
);

/** Every variable the service reads, each with its rule, default and description. */
export const envShape = {
  // Runtime
  APP_ENV: withDefault(
    ...matching(/^[a-z][a-z0-9-]{0,31}$/, 'a lower-case name such as local, production, staging or integration'),
    'local',
  ).describe(
    'production, staging and integration use the pod credential chain (IRSA, Pod Identity, instance role); any other value is local and uses environment keys only. No mode reads ~/.aws.',
  ),
  HTTP_PORT: withDefault(...integer(1, 65_535), 3_000).describe(
    'Port of /health/live, /health/ready, /health and /metrics.',
  ),
  HTTP_HOST: optional(
    ...matching(
      /^[\w.:-]{1,253}$/,
      'an address to bind, such as 127.0.0.1 or 0.0.0.0 (default: 127.0.0.1 locally, 0.0.0.0 in pods)',
    ),
  ).describe('Address the HTTP port binds. Unset: 127.0.0.1 when local, 0.0.0.0 in pods.'),
  LOG_LEVEL: withDefault(...oneOf(LOG_LEVELS), 'info').describe('Lowest level written to the JSON log.'),
  LOG_HANDLED_MESSAGES: withDefault(...boolean(), false).describe(
    'Write an info line for every handled message (off: traces and metrics carry successes; retries, releases and dead letters always log).',
  ),
  OTEL_ENABLED: withDefault(...boolean(), true).describe(
    'Carry W3C trace context through SQS message attributes and make spans; costs nothing until an SDK is registered (OTEL_EXPORTER_OTLP_ENDPOINT and the other standard OTEL_* variables start one).',
  ),

  // AWS
  AWS_REGION: optional(...REGION).describe('Region of the queue. Required in pods (the EKS webhooks set it).'),
  AWS_DEFAULT_REGION: optional(...REGION).describe('Fallback when AWS_REGION is unset.'),
  AWS_ACCESS_KEY_ID: optional(...NON_EMPTY).describe(
    'Local: required, for the local SQS server. Pods: leave unset (if set, it comes first in the chain).',
  ),
  AWS_SECRET_ACCESS_KEY: optional(...NON_EMPTY).describe('Set together with AWS_ACCESS_KEY_ID; never logged.'),
  AWS_SESSION_TOKEN: optional(...NON_EMPTY).describe('Only with temporary environment keys; never logged.'),
  AWS_WEB_IDENTITY_TOKEN_FILE: optional(...NON_EMPTY).describe(
    'IRSA token file, set by the EKS webhook; together with AWS_ROLE_ARN.',
  ),
  AWS_ROLE_ARN: optional(...ROLE_ARN).describe(
    'IRSA role, set by the EKS webhook; together with AWS_WEB_IDENTITY_TOKEN_FILE.',
  ),
  AWS_ROLE_SESSION_NAME: optional(...SESSION_NAME).describe('Session name of the IRSA role.'),
  AWS_ASSUME_ROLE_ARN: optional(...ROLE_ARN).describe(
    'Optional cross-account role, assumed on top of the chain; its credentials renew themselves 5 minutes before expiry.',
  ),
  AWS_ASSUME_ROLE_SESSION_NAME: withDefault(...SESSION_NAME, 'nest-sqs-worker').describe(
    'Session name of the assumed role.',
  ),
  AWS_ASSUME_ROLE_DURATION_SECONDS: withDefault(...integer(900, 43_200), 3_600).describe(
    'Lifetime of each set of assumed-role credentials (s, within the maximum of the role).',
  ),
  AWS_ASSUME_ROLE_EXTERNAL_ID: optional(
    ...matching(/^[\w+=,.@:/-]{2,1224}$/, 'an external id of 2 to 1224 characters'),
  ).describe('External id the trust policy of the role may require.'),
  AWS_STS_ENDPOINT: optional(...httpUrl()).describe(
    'Local only: STS endpoint for the assumed role (defaults to SQS_ENDPOINT locally). Rejected in pods.',
  ),
  // Read only to be refused (see env.endpoint-rules.ts).
  AWS_ENDPOINT_URL: optional(...NON_EMPTY).describe('Refused in every mode: the service sets its endpoints itself.'),
  AWS_ENDPOINT_URL_SQS: optional(...NON_EMPTY).describe(
    'Refused in every mode: requests go to the endpoint the queue URL names.',
  ),
  AWS_ENDPOINT_URL_STS: optional(...NON_EMPTY).describe(
    'Refused in every mode: the web identity token goes to STS only.',
  ),
  TEST_ONLY_POD_SQS_ENDPOINT: optional(...httpUrl()).describe(
    'Test hook, never for a deployment: in pods, a loopback SQS URL used instead of AWS; start-up logs a warning.',
  ),

  // SQS
  SQS_ENDPOINT: optional(...httpUrl()).describe('Local only: endpoint of the local SQS server. Rejected in pods.'),
  SQS_QUEUE_URL: required(...queueUrl('the http(s) URL of the work queue')).describe(
    'The work queue, as a full URL (https on an AWS SQS endpoint of the region in pods).',
  ),
  SQS_DLQ_URL: optional(...queueUrl('the http(s) URL of the dead-letter queue')).describe(
    'The dead-letter queue. Unset: read from the redrive policy of the work queue.',
  ),
  SQS_DEFAULT_PATTERN: optional(...NON_EMPTY).describe(
    'Pattern for messages that carry none. Unset: such messages go to the DLQ.',
  ),
  SQS_PATTERN_ATTRIBUTE: withDefault(...ATTRIBUTE_NAME, 'pattern').describe(
    'Message attribute that names the pattern.',
  ),
  SQS_CONCURRENCY: withDefault(...integer(1, 500), 10).describe('Workers: handlers in flight at most.'),
  SQS_BATCH_SIZE: withDefault(...integer(1, 10), 10).describe('Messages per ReceiveMessage call.'),
  SQS_SLOW_START_MESSAGES: withDefault(...integer(0, 10_000), 2).describe(
    'After a pause, a queue runs this many messages at once, doubling as they succeed, back to SQS_CONCURRENCY; 0 turns the slow start off.',
  ),
  SQS_PAUSE_HOLD_SECONDS: withDefault(...integer(0, 43_200), 900).describe(
    'While a dependency is down, buffered messages stay invisible this long at most (s), then are given back; 0: given back at once.',
  ),
  SQS_PREFETCH: optional(...integer(1, 100_000)).describe(
    'Messages buffered ahead of the workers at most, all queues together. Unset: SQS_MAX_RECEIVERS x SQS_BATCH_SIZE.',
  ),
  SQS_MAX_BUFFERED_BYTES: optional(...integer(1_048_576, 2 ** 40)).describe(
    'Bytes buffered ahead of the workers at most (bodies and attributes). Unset: 67108864 (64 MiB).',
  ),
  SQS_MAX_RECEIVERS: optional(...integer(1, 1_000)).describe(
    'Concurrent long polls per queue at most. Unset: max(20, ceil(2 x SQS_CONCURRENCY / SQS_BATCH_SIZE)).',
  ),
  SQS_DELETE_LINGER_MS: optional(...integer(0, 10_000)).describe(
    'Longest a delete waits to share a DeleteMessageBatch (ms, at most (SQS_VISIBILITY_TIMEOUT - SQS_HEARTBEAT_INTERVAL_SECONDS) x 500). Unset: 1000, or less when the visibility timeout is short.',
  ),
  SQS_WAIT_TIME_SECONDS: withDefault(...integer(0, 20), 20).describe('Long-poll wait (s).'),
  SQS_VISIBILITY_TIMEOUT: withDefault(...integer(1, 43_200), 30).describe(
    'Visibility timeout requested on receive (s).',
  ),
  SQS_HEARTBEAT_INTERVAL_SECONDS: withDefault(...integer(1, 43_199), 10).describe(
    'How often visibility is extended while a message is held (s); below SQS_VISIBILITY_TIMEOUT.',
  ),
  SQS_MAX_VISIBILITY_SECONDS: withDefault(...integer(1, 43_200), 43_200).describe(
    'Longest a message may be held before it is let go (s); at least SQS_VISIBILITY_TIMEOUT.',
  ),
  SQS_BACKOFF_BASE_SECONDS: withDefault(...integer(0, 43_200), 2).describe(
    'Retry backoff base: base x 2^(receiveCount-1), capped, with jitter (s).',
  ),
  SQS_BACKOFF_MAX_SECONDS: withDefault(...integer(0, 43_200), 900).describe(
    'Retry backoff cap (s); at least SQS_BACKOFF_BASE_SECONDS.',
  ),
  SQS_MAX_RECEIVE_COUNT: withDefault(...integer(1, 1_000), 5).describe(
    'Redrive maxReceiveCount used when the service creates its local queues.',
  ),
  SQS_SHUTDOWN_GRACE_SECONDS: withDefault(...integer(0, 3_600), 25).describe(
    'Time running handlers get to finish on SIGTERM (s); keep it below terminationGracePeriodSeconds of the pod.',
  ),
  SQS_RECEIVE_REQUEST_TIMEOUT_MS: withDefault(...integer(1_000, 120_000), 30_000).describe(
    'Request and socket idle timeout of the SQS client (ms); at least SQS_WAIT_TIME_SECONDS x 1000 + 5000, since a long poll legitimately lasts that long.',
  ),
  SQS_CONNECTION_TIMEOUT_MS: withDefault(...integer(100, 60_000), 3_000).describe(
    'TCP connect timeout of the SQS client (ms).',
  ),

  // Keycloak
  ...keycloakEnvShape,
};
