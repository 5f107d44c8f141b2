// The suites `npm test` runs, in order. `servers` names modules in scripts/servers/ whose
// start() provisions (cached) and starts a real server, returning the env the suite reads.
// Every suite listed here is required under CI.
export const SUITES = [
  {
    name: 'unit',
    description: 'unit specs beside the source',
    files: ['.build/src/**/*.spec.js'],
    concurrency: 2,
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
];
