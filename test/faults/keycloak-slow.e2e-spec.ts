// Fault 5 (issue 9): Keycloak slow rather than down. For a minute it does the work but answers
// later than KEYCLOAK_TIMEOUT_MS, so the handler gives up on requests Keycloak completes: users
// are created while their messages fail. A slow downstream is not a dead one: nothing may be
// dead-lettered, and no user may be both created and dead-lettered. The retry after recovery
// finds its own user (the registration stamp matches) and succeeds.
//
// What the test sets, and why; everything else is the product default (SQS_MAX_RECEIVE_COUNT 5,
// SQS_BACKOFF_* 2 s..900 s, SQS_VISIBILITY_TIMEOUT 30, SQS_WAIT_TIME_SECONDS 20, SQS_CONCURRENCY 10,
// KEYCLOAK_TIMEOUT_MS 5000, KEYCLOAK_BREAKER_FAILURES 5, KEYCLOAK_BREAKER_OPEN_MS 10000):
// - the queue's redrive maxReceiveCount is 5, the default SQS_MAX_RECEIVE_COUNT;
// - HTTP_PORT, SQS_ENDPOINT, SQS_QUEUE_URL, SQS_DLQ_URL: where this case's fauxqs and probes are;
// - KEYCLOAK_URL: the loopback proxy whose slow() holds every answer for SLOW_MS, longer than the
//   default KEYCLOAK_TIMEOUT_MS of 5 s; realm, client and secret: the suite's Keycloak;
// - SQS_SHUTDOWN_GRACE_SECONDS 5: only shortens the test's teardown, not part of the retry budget.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { USER_REGISTERED_PATTERN } from '../../src/users/index.js';
import { eventually } from '../support/eventually.js';
import { HealthPoller } from '../users/support/health-poller.js';
import { KeycloakProbe, keycloakTestEnv, newUser } from '../users/support/keycloak-env.js';
import { TcpProxy } from '../users/support/tcp-proxy.js';
import { FaultCase, freePort } from './support/fault-case.js';
import type { NodeProcess } from './support/processes.js';
import { account, type FaultQueue, type Records } from './support/queues.js';

const SLOW_FOR_MS = 60_000;
/** Answers this late: past the default KEYCLOAK_TIMEOUT_MS (5 s), so every call times out. */
const SLOW_MS = 7_000;
const DEFAULT_MAX_RECEIVE_COUNT = 5;
const ARRIVALS = { every: 10_000, count: 2 };

function receivesBetween(records: Records, from: number, to: number): number {
  const at = (t: number) =>
    records
      .snaps()
      .filter((s) => s.t <= t)
      .at(-1)?.receives ?? 0;
  return at(to) - at(from);
}

describe('fault: Keycloak slower than KEYCLOAK_TIMEOUT_MS for a minute, product defaults', () => {
  const keycloak = keycloakTestEnv();
  const probe = new KeycloakProbe(keycloak);
  let fc: FaultCase;
  let queue: FaultQueue;
  let proxy: TcpProxy;
  let service: NodeProcess;
  let health: HealthPoller;

  before(async () => {
    fc = await FaultCase.start('keycloak-slow');
    queue = await fc.sqs.createQueue('users', { maxReceiveCount: DEFAULT_MAX_RECEIVE_COUNT });
    proxy = await TcpProxy.forUrl(keycloak.url).start();
    const httpPort = await freePort();
    service = await fc.service('service', {
      HTTP_PORT: String(httpPort),
      SQS_ENDPOINT: fc.endpoint,
      SQS_QUEUE_URL: queue.url,
      SQS_DLQ_URL: queue.dlqUrl,
      SQS_SHUTDOWN_GRACE_SECONDS: '5',
      KEYCLOAK_URL: proxy.url,
      KEYCLOAK_REALM: keycloak.realm,
      KEYCLOAK_CLIENT_ID: keycloak.clientId,
      KEYCLOAK_CLIENT_SECRET: keycloak.clientSecret,
    });
    health = new HealthPoller(httpPort, 2_000).start();
  });

  after(async () => {
    await health?.stop();
    await service?.stop(10_000);
    await proxy?.stop();
    await fc?.cleanup();
  });

  async function sendUsers(tag: string, count: number) {
    const users = Array.from({ length: count }, () => newUser(tag));
    const ids = await fc.sqs.sendAll(
      queue.url,
      users.map((u) => ({ body: JSON.stringify(u), pattern: USER_REGISTERED_PATTERN })),
    );
    return { users, ids };
  }

  it(
    'dead-letters nothing, and no user is both created and dead-lettered',
    { timeout: SLOW_FOR_MS + 4 * 60_000 },
    async (t) => {
      const warm = await sendUsers('kc-warm', 2);
      await eventually(
        () => warm.ids.every((id) => fc.records().countBy('done').has(id)),
        'the warm-up users registered',
        60_000,
        200,
      );

      proxy.slow(SLOW_MS);
      const slowAt = Date.now();
      const sent = { users: [...warm.users], ids: [...warm.ids] };
      for (let next = slowAt; next < slowAt + SLOW_FOR_MS; next += ARRIVALS.every) {
        await sleep(Math.max(0, next - Date.now()));
        const batch = await sendUsers('kc-slow', ARRIVALS.count);
        sent.users.push(...batch.users);
        sent.ids.push(...batch.ids);
      }
      await sleep(Math.max(0, slowAt + SLOW_FOR_MS - Date.now()));
      proxy.slow(0);
      const fastAt = Date.now();
      const receives = receivesBetween(fc.records(), slowAt, fastAt);

      // Settled: each message done or dead-lettered (by the service or the redrive policy), and the
      // queue empty; the assertions below say which.
      await eventually(
        async () => {
          const r = fc.records();
          const settled = new Set([...r.countBy('done').keys(), ...r.countBy('dlq').keys()]);
          const doneOrDead =
            sent.ids.every((id) => settled.has(id)) ||
            r.countBy('done').size + (await fc.sqs.depth(queue.dlqUrl)) >= sent.ids.length;
          return doneOrDead && (await fc.queueEmpty(queue.url));
        },
        'every registration settled and the queue empty',
        180_000,
        1_000,
      );
      const doneAt = Date.now();

      const records = fc.records();
      const fails = records.of('fail').filter((r) => sent.ids.includes(r.id!));
      const timedOut = new Set(fails.filter((r) => String(r.err).includes('timed out')).map((r) => r.id!));
      const window = health.between(slowAt, fastAt);
      const deadIds = new Set(records.of('dlq').map((r) => r.id!));
      const dlqDepth = await fc.sqs.depth(queue.dlqUrl);
      // Whoever moved them (the service, or the redrive policy), the DLQ holds the registrations.
      const deadUsernames = (await fc.sqs.takeAll(queue.dlqUrl, dlqDepth)).map(
        (m) => (JSON.parse(m.Body ?? '{}') as { username?: string }).username,
      );
      let bothCount = 0;
      for (const username of deadUsernames)
        if (username && (await probe.usersNamed(username)).length > 0) bothCount += 1;
      t.diagnostic(
        `slow ${SLOW_FOR_MS / 1000} s (answers held ${SLOW_MS} ms); ${sent.ids.length - warm.ids.length} registrations during it; ` +
          `${fails.length} failed attempts, ${timedOut.size} message(s) timed out at least once; ReceiveMessage calls while slow: ${receives}; ` +
          `readiness: ${window.filter((s) => s.ready === 200).length}/${window.length} ready, ${window.filter((s) => s.keycloak === 'degraded').length} degraded; ` +
          `settled ${doneAt - fastAt} ms after Keycloak was fast again; dead-lettered ${deadIds.size} (DLQ depth ${dlqDepth}), ` +
          `of which created in Keycloak ${bothCount}`,
      );
      assert.ok(timedOut.size >= 1, 'the slowness was felt: some call timed out');
      assert.equal(bothCount, 0, 'users both created and dead-lettered');
      assert.equal(deadIds.size, 0, 'dead-lettered by the service');
      assert.equal(dlqDepth, 0, 'messages in the dead-letter queue');
      assert.deepEqual(
        window.filter((s) => s.ready !== 200 || s.live !== 200),
        [],
        'ready and live throughout',
      );

      const result = account({ sentIds: sent.ids, records, queueEmpty: true });
      t.diagnostic(
        `sent ${result.sent}, deleted ${result.deleted}, lost ${result.lost.length}, completed twice ${result.duplicates}`,
      );
      assert.deepEqual(result.lost, [], 'lost messages');
      for (const u of sent.users)
        assert.equal((await probe.usersNamed(u.username)).length, 1, `${u.username} in Keycloak once`);
    },
  );
});
