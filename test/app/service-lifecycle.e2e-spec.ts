// The real service process (bootstrap() of src/main.ts) against fauxqs, started and stopped
// the way a pod is: start-up binds HTTP before the consumer takes anything, and a real SIGTERM
// while a handler runs drains the consumer with the probes and /metrics still answering
// (readiness 503 `draining`, liveness 200), then closes HTTP.
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:net';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { USER_REGISTERED_PATTERN } from '../../src/users/index.js';
import { eventually } from '../support/eventually.js';
import { listeningAddresses } from '../support/listening-addresses.js';
import { describeExit, FaultCase, freePort } from '../faults/support/fault-case.js';
import { BUILD_ROOT, spawnNode, type NodeProcess } from '../faults/support/processes.js';
import type { FaultQueue } from '../faults/support/queues.js';
import { ProbePoller } from './support/probe-poller.js';
import { SilentServer } from './support/silent-server.js';

const GRACE_SECONDS = 4;

function user(tag: string) {
  const id = Math.random().toString(36).slice(2, 10);
  return {
    username: `${tag}-${id}`,
    email: `${tag}-${id}@example.test`,
    firstName: 'Test',
    lastName: 'User',
  };
}

function serviceEnv(fc: FaultCase, queue: FaultQueue, httpPort: number, keycloakUrl: string): Record<string, string> {
  return {
    APP_ENV: 'local',
    AWS_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: 'test',
    AWS_SECRET_ACCESS_KEY: 'test',
    LOG_LEVEL: 'info',
    HTTP_PORT: String(httpPort),
    SQS_ENDPOINT: fc.endpoint,
    SQS_QUEUE_URL: queue.url,
    SQS_DLQ_URL: queue.dlqUrl,
    SQS_WAIT_TIME_SECONDS: '1',
    SQS_RECEIVE_REQUEST_TIMEOUT_MS: '6000',
    SQS_VISIBILITY_TIMEOUT: '30',
    SQS_SHUTDOWN_GRACE_SECONDS: String(GRACE_SECONDS),
    KEYCLOAK_URL: keycloakUrl,
    KEYCLOAK_REALM: 'nest-sqs-worker',
    KEYCLOAK_CLIENT_ID: 'nest-sqs-worker',
    KEYCLOAK_CLIENT_SECRET: 'test',
    // The handler waits on the silent Keycloak far longer than the grace period.
    KEYCLOAK_TIMEOUT_MS: '60000',
  };
}

function jsonLine(line: string): Record<string, unknown> {
  return JSON.parse(line) as Record<string, unknown>;
}

describe('the service process: start-up and shutdown order', () => {
  let fc: FaultCase;
  let keycloak: SilentServer;

  before(async () => {
    fc = await FaultCase.start('app-lifecycle');
    keycloak = await new SilentServer().start();
  });

  after(async () => {
    await keycloak?.stop();
    await fc?.cleanup();
  });

  it('on SIGTERM keeps /health/live and /metrics at 200 and /health/ready at 503 draining until the drain ends, logging its start and end', async (t) => {
    const queue = await fc.sqs.createQueue('drain', { maxReceiveCount: 5 });
    const httpPort = await freePort();
    const service = await fc.service('drain', serviceEnv(fc, queue, httpPort, keycloak.url));
    const poller = new ProbePoller(`http://127.0.0.1:${httpPort}`);
    try {
      await eventually(() => poller.last('/health/ready')?.status === 200, 'ready', 30_000);
      const [id] = await fc.sqs.sendAll(queue.url, [
        { body: JSON.stringify(user('drain')), pattern: USER_REGISTERED_PATTERN },
      ]);
      await eventually(
        () => fc.records().countBy('start').has(id!) && keycloak.connections > 0,
        'the handler to be waiting on Keycloak',
        30_000,
      );

      const drainStart = service.waitForLine(
        (l) => l.includes('draining. Readiness answers 503'),
        'the drain start line',
        10_000,
      );
      const drainEnd = service.waitForLine(
        (l) => l.includes('Drained in'),
        'the drain end line',
        (GRACE_SECONDS + 10) * 1_000,
      );
      const sigtermAt = Date.now();
      service.signal('SIGTERM');
      const started = jsonLine(await drainStart);
      const ended = jsonLine(await drainEnd);
      const endedAt = Date.now();
      const exit = await service.exited;
      await poller.stop();

      const during = (path: '/health/ready' | '/health/live' | '/metrics') =>
        poller.of(path, sigtermAt + 50).filter((s) => s.at < endedAt - 50);
      const ready = during('/health/ready');
      t.diagnostic(
        `drain ${ended.durationMs} ms; during it: ready ${[...new Set(ready.map((s) => s.status))].join('/')} (${ready.length} probes), ` +
          `live ${[...new Set(during('/health/live').map((s) => s.status))].join('/')}, metrics ${[...new Set(during('/metrics').map((s) => s.status))].join('/')}; ` +
          `exit ${exit.at - sigtermAt} ms after SIGTERM (${describeExit(service)})`,
      );
      assert.equal(started.running, 1);
      assert.equal(ended.releasedUnfinished, 1, 'the handler cut off by the grace period was released');
      assert.ok(Number(ended.durationMs) >= GRACE_SECONDS * 1_000 - 200, `drain took ${ended.durationMs} ms`);
      assert.ok(ready.length >= 5, `only ${ready.length} readiness probes during the drain`);
      for (const s of ready) {
        assert.equal(s.status, 503, `readiness during the drain: ${s.status} ${s.body}`);
        assert.equal(
          (JSON.parse(s.body) as { error: { shutdown?: { state?: string } } }).error.shutdown?.state,
          'draining',
        );
      }
      for (const path of ['/health/live', '/metrics'] as const) {
        assert.ok(during(path).length >= 5, `${path} probed during the drain`);
        assert.deepEqual([...new Set(during(path).map((s) => s.status))], [200], `${path} during the drain`);
      }
      assert.equal(exit.code, 0, `exit: ${describeExit(service)}\n${service.tail()}`);
      assert.ok(exit.at - sigtermAt < (GRACE_SECONDS + 5) * 1_000, 'exited within the grace period plus margin');
      const afterExit = await fetch(`http://127.0.0.1:${httpPort}/health/live`).then(
        (r) => r.status,
        () => 0,
      );
      assert.equal(afterExit, 0, 'HTTP closed after the drain');
      // Probe outcomes are logged when they change, not once per failing probe.
      const probeLines = service
        .tail(200)
        .split('\n')
        .filter((l) => l.includes('"probe":"readiness"'));
      assert.ok(!service.tail(200).includes('Health Check has failed'), 'Terminus logged a failing probe');
      assert.equal(probeLines.filter((l) => l.includes('draining')).length, 1, probeLines.join('\n'));
      // Released with visibility 0: another consumer can take it right away, not 30 s later.
      assert.equal((await fc.sqs.counts(queue.url)).visible, 1);
    } finally {
      await poller.stop();
      await service.stop(5_000);
    }
  });

  it('binds HTTP on loopback only when APP_ENV is local', async (t) => {
    // Read from the kernel's socket table rather than by connecting to another address of this
    // machine: the test sends nothing beyond loopback.
    const queue = await fc.sqs.createQueue('loopback', { maxReceiveCount: 5 });
    const httpPort = await freePort();
    const service = await fc.service('loopback', serviceEnv(fc, queue, httpPort, keycloak.url));
    try {
      assert.equal((await fetch(`http://127.0.0.1:${httpPort}/health/live`)).status, 200);
      const bound = listeningAddresses(httpPort);
      t.diagnostic(`port ${httpPort} listens on: ${bound.join(', ')}`);
      assert.deepEqual(bound, ['127.0.0.1'], 'the HTTP port listens on loopback only');
    } finally {
      await service.stop(10_000);
    }
  });

  it('is ready within a round trip of start-up, not after the first 20 s long poll', async (t) => {
    // SQS_DLQ_URL set and the default 20 s long poll, as the chart runs it: nothing but the
    // start-up check of the queue can make it ready before that poll returns on an idle queue.
    const queue = await fc.sqs.createQueue('ready', { maxReceiveCount: 5 });
    const httpPort = await freePort();
    const startedAt = Date.now();
    const service = await fc.service('ready', {
      ...serviceEnv(fc, queue, httpPort, keycloak.url),
      SQS_WAIT_TIME_SECONDS: '20',
      SQS_RECEIVE_REQUEST_TIMEOUT_MS: '30000',
    });
    try {
      await eventually(
        async () => (await fetch(`http://127.0.0.1:${httpPort}/health/ready`)).status === 200,
        '/health/ready 200 before the first long poll could answer',
        15_000,
        100,
      );
      t.diagnostic(`ready ${Date.now() - startedAt} ms after the process started`);
    } finally {
      await service.stop(10_000);
    }
  });

  it('with HTTP_PORT taken, exits 1 with one line naming HTTP_PORT, before receiving any message', async () => {
    const queue = await fc.sqs.createQueue('port-taken', { maxReceiveCount: 5 });
    await fc.sqs.sendAll(
      queue.url,
      [1, 2, 3].map(() => ({ body: JSON.stringify(user('port')), pattern: USER_REGISTERED_PATTERN })),
    );
    const holder: Server = createServer();
    await new Promise<void>((resolve) => holder.listen(0, '127.0.0.1', resolve));
    const httpPort = (holder.address() as { port: number }).port;
    let service: NodeProcess | undefined;
    try {
      service = spawnNode(
        'port-taken',
        join(BUILD_ROOT, 'src', 'main.js'),
        serviceEnv(fc, queue, httpPort, keycloak.url),
        { cwd: fc.dir },
      );
      const exit = await Promise.race([
        service.exited,
        new Promise<undefined>((r) => setTimeout(() => r(undefined), 30_000).unref()),
      ]);
      assert.ok(exit, `still running 30 s after start with HTTP_PORT taken\n${service.tail()}`);
      assert.equal(exit.code, 1, service.tail());
      const errLines = service
        .tail(200)
        .split('\n')
        .filter((l) => l.startsWith('err: '));
      assert.deepEqual(errLines, [
        `err: Cannot start: HTTP_PORT ${httpPort} is already in use on 127.0.0.1; stop what holds it or set HTTP_PORT to a free port`,
      ]);
      assert.ok(!/"level":"(error|fatal)"/.test(service.tail(200)), `an error was logged as well:\n${service.tail()}`);
      assert.deepEqual(await fc.sqs.counts(queue.url), { visible: 3, inFlight: 0, delayed: 0 }, 'no message was taken');
    } finally {
      await service?.stop(5_000);
      await new Promise<void>((resolve) => holder.close(() => resolve()));
    }
  });
});
