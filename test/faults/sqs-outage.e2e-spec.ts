// Fault 3: the SQS server goes away for 30 s and comes back. The real service (bootstrap() of
// src/main.ts) reaches fauxqs through a loopback TCP proxy; cutting the proxy refuses new
// connections and resets open ones, exactly what a stopped server or a network outage gives,
// while fauxqs keeps its queues and messages (it is in-memory: a real restart would lose them).
// The receiver must back off (counted: no hot loop), readiness must go down and come back up,
// and processing must resume by itself, with nothing lost.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { USER_REGISTERED_PATTERN } from '../../src/users/index.js';
import { eventually } from '../support/eventually.js';
import { KeycloakProbe, keycloakTestEnv, newUser } from '../users/support/keycloak-env.js';
import { TcpProxy } from '../users/support/tcp-proxy.js';
import { FaultCase, freePort } from './support/fault-case.js';
import type { NodeProcess } from './support/processes.js';
import { account, median, type FaultQueue } from './support/queues.js';

const OUTAGE_MS = 30_000;

describe('fault: the SQS server stops for 30 s and returns', () => {
  const keycloak = keycloakTestEnv();
  const probe = new KeycloakProbe(keycloak);
  let fc: FaultCase;
  let queue: FaultQueue;
  let proxy: TcpProxy;
  let service: NodeProcess;
  let httpPort: number;
  const readiness: Array<{ t: number; status: number }> = [];
  let polling = true;
  let poller: Promise<void> | undefined;

  before(async () => {
    fc = await FaultCase.start('sqs-outage');
    queue = await fc.sqs.createQueue('outage', { maxReceiveCount: 5 });
    proxy = await TcpProxy.forUrl(fc.endpoint).start();
    // fauxqs names its queues http://sqs.<region>.127.0.0.1:<port>/<account>/<name>: keep the path.
    const viaProxy = (url: string) => `${proxy.url}${url.slice(url.indexOf('/', 'http://'.length))}`;
    httpPort = await freePort();
    service = await fc.service('service', {
      HTTP_PORT: String(httpPort),
      SQS_ENDPOINT: proxy.url,
      SQS_QUEUE_URL: viaProxy(queue.url),
      SQS_DLQ_URL: viaProxy(queue.dlqUrl),
      SQS_CONCURRENCY: '5',
      SQS_WAIT_TIME_SECONDS: '2',
      SQS_RECEIVE_REQUEST_TIMEOUT_MS: '7000',
      SQS_CONNECTION_TIMEOUT_MS: '1000',
      SQS_VISIBILITY_TIMEOUT: '10',
      SQS_HEARTBEAT_INTERVAL_SECONDS: '3',
      SQS_BACKOFF_BASE_SECONDS: '1',
      SQS_SHUTDOWN_GRACE_SECONDS: '5',
      KEYCLOAK_URL: keycloak.url,
      KEYCLOAK_REALM: keycloak.realm,
      KEYCLOAK_CLIENT_ID: keycloak.clientId,
      KEYCLOAK_CLIENT_SECRET: keycloak.clientSecret,
    });
    poller = (async () => {
      while (polling) {
        const status = await fetch(`http://127.0.0.1:${httpPort}/health/ready`, {
          signal: AbortSignal.timeout(5_000),
        }).then(
          (r) => r.status,
          () => 0,
        );
        readiness.push({ t: Date.now(), status });
        await sleep(250);
      }
    })();
  });

  after(async () => {
    polling = false;
    await poller;
    await service?.stop(10_000);
    await proxy?.stop();
    await fc?.cleanup();
  });

  async function sendUsers(tag: string, count: number) {
    const users = Array.from({ length: count }, () => newUser(tag));
    // Straight to fauxqs, not through the proxy: producers elsewhere keep sending during the outage.
    const ids = await fc.sqs.sendAll(
      queue.url,
      users.map((u) => ({ body: JSON.stringify(u), pattern: USER_REGISTERED_PATTERN })),
    );
    return { users, ids };
  }

  const lastReadiness = (): number | undefined => readiness.at(-1)?.status;

  it('backs off without a hot loop, goes unready and ready again, and resumes by itself', async (t) => {
    const before = await sendUsers('sqs-before', 10);
    await eventually(
      () => before.ids.every((id) => fc.records().countBy('done').has(id)),
      'the first users registered',
      60_000,
      200,
    );
    await eventually(() => lastReadiness() === 200, 'ready before the outage', 30_000);

    await proxy.cut();
    const cutAt = Date.now();
    const during = await sendUsers('sqs-during', 20);
    await eventually(() => lastReadiness() === 503, 'readiness down during the outage', OUTAGE_MS);
    await sleep(Math.max(0, cutAt + OUTAGE_MS - Date.now()));
    await proxy.resume();
    const resumedAt = Date.now();

    await eventually(
      () => readiness.some((r) => r.t > resumedAt && r.status === 200),
      'ready again after the outage',
      60_000,
    );
    await eventually(
      async () => {
        const done = fc.records().countBy('done');
        return during.ids.every((id) => done.has(id)) && (await fc.queueEmpty(queue.url));
      },
      'the users sent during the outage registered and the queue empty',
      90_000,
      500,
    );
    const doneAt = Math.max(
      ...fc
        .records()
        .of('done')
        .filter((r) => during.ids.includes(r.id!))
        .map((r) => r.t),
    );

    const records = fc.records();
    const errors = records.of('rerr').filter((r) => r.t >= cutAt && r.t <= resumedAt + 1_000);
    const gaps = errors.slice(1).map((e, i) => e.t - errors[i]!.t);
    const statuses = records
      .of('status')
      .filter((r) => r.t >= cutAt)
      .map((r) => r.s);
    const firstDown = readiness.find((r) => r.t >= cutAt && r.status === 503)!;
    const upAgain = readiness.find((r) => r.t >= resumedAt && r.status === 200)!;
    const snap = records.snaps().at(-1)!;
    t.diagnostic(
      `${errors.length} failed receive calls in the ${OUTAGE_MS / 1_000} s outage (gaps ms: ${gaps.join(',')}; median ${median(gaps)}); ` +
        `readiness 503 ${firstDown.t - cutAt} ms after the cut, 200 again ${upAgain.t - resumedAt} ms after the return; ` +
        `all processed ${doneAt - resumedAt} ms after the return; status after the cut: ${statuses.join(' > ')}; ` +
        `${snap.receives} receive calls in all`,
    );
    // One receiver (prefetch 10, batch 10). Backing off from 100 ms to 20 s with full jitter
    // gives about 10 attempts in 30 s; a hot loop would make thousands.
    assert.ok(errors.length >= 1, 'the outage was noticed');
    assert.ok(errors.length <= 40, `${errors.length} failed receive calls in ${OUTAGE_MS} ms: not backing off`);
    assert.deepEqual(statuses.slice(0, 1), ['error']);
    assert.equal(statuses.at(-1), 'connected');
    assert.ok(service.running, 'the service is still the same process');

    const result = account({ sentIds: [...before.ids, ...during.ids], records, queueEmpty: true });
    t.diagnostic(
      `sent ${result.sent}, deleted ${result.deleted}, lost ${result.lost.length}, completed twice ${result.duplicates}`,
    );
    assert.deepEqual(result.lost, [], 'lost messages');
    assert.equal(await fc.sqs.depth(queue.dlqUrl), 0);
    for (const u of [...before.users, ...during.users])
      assert.equal((await probe.usersNamed(u.username)).length, 1, `${u.username} in Keycloak`);
  });
});
