// The suites `npm test` runs, in order. `servers` names modules in scripts/servers/ whose
// start() provisions (cached outside the repo) and starts a real server, returning the env the
// suite reads. Every suite listed here is required under CI.
export const SUITES = [
  {
    name: 'unit',
    description: 'unit specs beside the source',
    files: ['.build/src/**/*.spec.js'],
    concurrency: 2,
  },
  {
    name: 'simulation',
    description:
      'the real ConsumerEngine against a model of SQS on virtual time, thousands of seeded fault schedules, invariants after each (docs/simulation.md)',
    files: ['.build/test/simulation/**/*.spec.js'],
    timeoutMs: 300_000,
  },
  {
    name: 'sqs-fauxqs',
    description: 'transport end-to-end against fauxqs on loopback',
    files: ['.build/test/sqs/**/*.e2e-spec.js'],
    env: { SQS_TEST_BACKEND: 'fauxqs' },
    timeoutMs: 180_000,
  },
  {
    name: 'sqs-elasticmq',
    description: 'transport end-to-end against ElasticMQ on loopback',
    files: ['.build/test/sqs/**/*.e2e-spec.js'],
    servers: ['elasticmq'],
    env: { SQS_TEST_BACKEND: 'elasticmq' },
    timeoutMs: 180_000,
  },
  {
    name: 'sqs-moto',
    description:
      'FIFO groups with a backlog run side by side, against moto (which batches a receive by group, as AWS does); 1 MiB messages, S3 claim checks and SNS subscriptions against the S3 and SNS of moto; large messages published by the official Python SNS Extended Client; spans continuing an X-Ray AWSTraceHeader; the simulation model against moto',
    files: [
      '.build/test/sqs/fifo-groups.e2e-spec.js',
      '.build/test/sqs/large-messages.e2e-spec.js',
      '.build/test/sqs/message-shapes.e2e-spec.js',
      '.build/test/sqs/sns-large-messages.e2e-spec.js',
      '.build/test/sqs/telemetry.e2e-spec.js',
      '.build/test/sqs/model-conformance.e2e-spec.js',
    ],
    servers: ['moto'],
    env: { SQS_TEST_BACKEND: 'moto' },
    timeoutMs: 180_000,
  },
  {
    name: 'cli-fauxqs',
    description: 'npm run dlq (stats, peek, redrive, purge, a redrive killed half-way) against fauxqs',
    files: ['.build/test/cli/**/*.e2e-spec.js'],
    env: { SQS_TEST_BACKEND: 'fauxqs' },
    timeoutMs: 180_000,
  },
  {
    name: 'cli-elasticmq',
    description: 'npm run dlq against ElasticMQ',
    files: ['.build/test/cli/**/*.e2e-spec.js'],
    servers: ['elasticmq'],
    env: { SQS_TEST_BACKEND: 'elasticmq' },
    timeoutMs: 180_000,
  },
  {
    name: 'cli-moto',
    description:
      'npm run dlq against moto: ListDeadLetterSourceQueues without StartMessageMoveTask, so an auto redrive copies and says why',
    files: ['.build/test/cli/**/*.e2e-spec.js'],
    servers: ['moto'],
    env: { SQS_TEST_BACKEND: 'moto' },
    timeoutMs: 180_000,
  },
  {
    name: 'app',
    description: '/health and /metrics of the service against a real SqsServer on fauxqs',
    files: ['.build/test/app/**/*.e2e-spec.js'],
    timeoutMs: 180_000,
  },
  {
    name: 'users-keycloak',
    description: 'user registration against a real Keycloak (service + Admin API, then SQS -> SqsServer -> Keycloak)',
    files: ['.build/test/users/**/*.e2e-spec.js'],
    servers: ['keycloak'],
    env: { SQS_TEST_BACKEND: 'fauxqs' },
    timeoutMs: 180_000,
  },
  {
    name: 'tracing',
    description:
      'OpenTelemetry: one trace producer -> SQS (plain, SNS, X-Ray header) -> handler -> Keycloak, and the messaging metrics, as a real collector wrote them',
    files: ['.build/test/tracing/**/*.e2e-spec.js'],
    servers: ['moto', 'keycloak', 'otelcol'],
    env: { SQS_TEST_BACKEND: 'moto' },
    timeoutMs: 240_000,
  },
  {
    name: 'docs',
    description:
      'docs that cannot drift: the configuration reference vs the env schema, relative links and anchors, repeated headings, variables and chart values named in the docs; npm run new:handler generates a handler that passes tsc, lint and its spec',
    files: ['.build/test/docs/**/*.spec.js'],
    // new-handler.spec compiles a scratch copy of src/ and lints it.
    timeoutMs: 300_000,
  },
  {
    name: 'chart',
    description:
      'Helm chart: strict lint, schema rejections, manifests validated offline, the KEDA formula run by expr-lang/expr',
    files: ['.build/test/chart/**/*.spec.js'],
    servers: ['helm', 'promtool', 'keda-formula'],
    timeoutMs: 120_000,
  },
  {
    name: 'deploy',
    description: 'compose.yaml vs .env.example; the Dockerfile runtime stage replayed against fauxqs',
    files: ['.build/test/deploy/**/*.spec.js', '.build/test/deploy/**/*.e2e-spec.js'],
    timeoutMs: 300_000,
  },
  {
    name: 'faults',
    description:
      'fault injection with real processes: kill -9, SIGTERM, rolling restarts, SQS outage and blackhole, Keycloak down 5 min, slow and browning out, a fleet of 4 on one queue, poison flood, slow handler, soak',
    files: ['.build/test/faults/**/*.e2e-spec.js'],
    servers: ['keycloak'],
    // The soak's default size for this run; FAULT_SOAK_MESSAGES=1000000 npm test -- faults does the full million.
    // Long enough that its RSS comparison runs (a run under 60 s skips it, failing CI): 500,000
    // took 60.2 s at 8,300 msg/s on an idle machine, 800,000 leaves room.
    env: { FAULT_SOAK_DEFAULT_MESSAGES: '800000' },
    // Per test: the Keycloak long outage lasts 5 min, plus warm-up and recovery.
    timeoutMs: 540_000,
    // Two cases at a time: the long outages mostly wait, and each case has its own SQS server,
    // queues and users; the run stays well inside CI's time.
    concurrency: 2,
  },
];
