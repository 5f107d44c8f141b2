// Fault 4 (issue 9): Keycloak unreachable for 5 minutes while registrations keep arriving, with
// the product's default retry budget. Without flow control every message would be received
// maxReceiveCount (5) times within about a minute and land in the DLQ although nothing was wrong
// with it. With it, the Keycloak breaker opens, its gate pauses intake from the queue, the
// breaker probes Keycloak itself every KEYCLOAK_BREAKER_OPEN_MS, and intake resumes when it answers.
//
// What the test sets, and why; everything else is the product default (SQS_MAX_RECEIVE_COUNT 5,
// SQS_BACKOFF_* 2 s..900 s, SQS_VISIBILITY_TIMEOUT 30, SQS_WAIT_TIME_SECONDS 20, SQS_CONCURRENCY 10,
// KEYCLOAK_TIMEOUT_MS 5000, KEYCLOAK_BREAKER_FAILURES 5, KEYCLOAK_BREAKER_OPEN_MS 10000):
// - the queue's redrive maxReceiveCount is 5, the default SQS_MAX_RECEIVE_COUNT, as a production
//   queue created from the README would have;
// - HTTP_PORT, SQS_ENDPOINT, SQS_QUEUE_URL, SQS_DLQ_URL: where this case's fauxqs and probes are;
// - KEYCLOAK_URL: the loopback proxy whose cut() is the outage; realm, client and secret: the
//   suite's Keycloak;
// - SQS_SHUTDOWN_GRACE_SECONDS 5: only shortens the test's teardown, not part of the retry budget.
// Keycloak is the one the suite runner started; cutting the proxy refuses connections and resets
// open ones, exactly what a stopped Keycloak gives.
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

const OUTAGE_MS = 5 * 60_000;
const DEFAULT_MAX_RECEIVE_COUNT = 5;
const DEFAULT_BREAKER_OPEN_MS = 10_000;
/** Registrations keep arriving through the outage: 2 every 10 s. */
const ARRIVALS = { every: 10_000, count: 2 };
/**
 * ReceiveMessage calls the whole outage may cost: the few that deliver the first failures (5 to
 * open the breaker), give or take a long poll in flight when intake pauses. Receiving on, at a
 * 20 s long poll and 2 messages every 10 s, would make about 60 calls and spend every message.
 */
const MAX_RECEIVES_DURING_OUTAGE = 15;

/** ReceiveMessage calls the service made between two instants, from its 1 s snapshots. */
function receivesBetween(records: Records, from: number, to: number): number {
  const at = (t: number) =>
    records
      .snaps()
      .filter((s) => s.t <= t)
      .at(-1)?.receives ?? 0;
  return at(to) - at(from);
}

describe('fault: Keycloak unreachable for 5 minutes, product defaults', () => {
  const keycloak = keycloakTestEnv();
  const probe = new KeycloakProbe(keycloak);
  let fc: FaultCase;
  let queue: FaultQueue;
  let proxy: TcpProxy;
  let service: NodeProcess;
  let health: HealthPoller;

  before(async () => {
    fc = await FaultCase.start('keycloak-long');
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

  /** Sends ARRIVALS.count registrations every ARRIVALS.every ms until `until`. */
  async function arrivals(until: number) {
    const sent = { users: [] as ReturnType<typeof newUser>[], ids: [] as string[] };
    for (let next = Date.now(); next < until; next += ARRIVALS.every) {
      await sleep(Math.max(0, next - Date.now()));
      const batch = await sendUsers('kc-during', ARRIVALS.count);
      sent.users.push(...batch.users);
      sent.ids.push(...batch.ids);
    }
    return sent;
  }

  it(
    'pauses intake, dead-letters nothing, stays ready and live, and registers everyone after Keycloak returns',
    { timeout: OUTAGE_MS + 4 * 60_000 },
    async (t) => {
      const warm = await sendUsers('kc-warm', 2);
      await eventually(
        () => warm.ids.every((id) => fc.records().countBy('done').has(id)),
        'the warm-up users registered',
        60_000,
        200,
      );

      // Some arrive just before the outage and meet it in flight.
      const before = await sendUsers('kc-before', 4);
      await proxy.cut();
      const cutAt = Date.now();
      const during = await arrivals(cutAt + OUTAGE_MS);
      await sleep(Math.max(0, cutAt + OUTAGE_MS - Date.now()));
      await proxy.resume();
      const resumedAt = Date.now();
      const receives = receivesBetween(fc.records(), cutAt, resumedAt);

      const upAt = await eventually(
        () => health.samples.find((s) => s.t > resumedAt && s.keycloak === 'up')?.t,
        'readiness to report Keycloak up again',
        DEFAULT_BREAKER_OPEN_MS + 30_000,
        200,
      );
      const ids = [...warm.ids, ...before.ids, ...during.ids];
      // Settled: each message done or dead-lettered (by the service or the redrive policy), and the
      // queue empty; the assertions below say which.
      await eventually(
        async () => {
          const r = fc.records();
          const settled = new Set([...r.countBy('done').keys(), ...r.countBy('dlq').keys()]);
          const doneOrDead =
            ids.every((id) => settled.has(id)) ||
            r.countBy('done').size + (await fc.sqs.depth(queue.dlqUrl)) >= ids.length;
          return doneOrDead && (await fc.queueEmpty(queue.url));
        },
        'every registration settled and the queue empty',
        180_000,
        1_000,
      );
      const doneAt = Date.now();

      const records = fc.records();
      const outage = health.between(cutAt + 1_000, resumedAt);
      const deadLettered = records.of('dlq').length;
      const dlqDepth = await fc.sqs.depth(queue.dlqUrl);
      const highestReceive = Math.max(
        0,
        ...records
          .of('start')
          .filter((r) => ids.includes(r.id!))
          .map((r) => r.rc!),
      );
      t.diagnostic(
        `outage ${OUTAGE_MS / 1000} s, ${during.ids.length} registrations during it and ${before.ids.length} just before; ` +
          `ReceiveMessage calls during the outage: ${receives}; highest receive count ${highestReceive} (maxReceiveCount ${DEFAULT_MAX_RECEIVE_COUNT}); ` +
          `readiness samples during it: ${outage.length} (${outage.filter((s) => s.ready === 200).length} ready, ` +
          `${outage.filter((s) => s.keycloak === 'degraded').length} with keycloak degraded, ${outage.filter((s) => s.live === 200).length} live); ` +
          `keycloak up ${upAt - resumedAt} ms and all settled ${doneAt - resumedAt} ms after Keycloak returned; ` +
          `dead-lettered ${deadLettered} (DLQ depth ${dlqDepth})`,
      );
      assert.ok(outage.length >= 10, 'health was sampled through the outage');
      assert.deepEqual(
        outage.filter((s) => s.ready !== 200),
        [],
        'ready throughout',
      );
      assert.ok(
        outage.filter((s) => s.t > cutAt + 60_000).every((s) => s.keycloak === 'degraded'),
        'degraded once the breaker opened',
      );
      assert.equal(deadLettered, 0, 'dead-lettered by the service');
      assert.equal(dlqDepth, 0, 'messages in the dead-letter queue');
      assert.ok(
        receives <= MAX_RECEIVES_DURING_OUTAGE,
        `${receives} ReceiveMessage calls during a ${OUTAGE_MS / 1000} s outage: intake did not pause`,
      );
      // One probe interval: openMs plus its jitter (up to half of it, see probeDelay).
      assert.ok(
        upAt - resumedAt <= DEFAULT_BREAKER_OPEN_MS * 1.5 + 7_000,
        `Keycloak up in readiness ${upAt - resumedAt} ms after it returned: more than one probe interval`,
      );
      assert.ok(service.running, 'the service is still the same process');

      const result = account({ sentIds: ids, records, queueEmpty: true });
      t.diagnostic(
        `sent ${result.sent}, deleted ${result.deleted}, lost ${result.lost.length}, completed twice ${result.duplicates}`,
      );
      assert.deepEqual(result.lost, [], 'lost messages');
      for (const u of [...warm.users, ...before.users, ...during.users]) {
        assert.equal((await probe.usersNamed(u.username)).length, 1, `${u.username} in Keycloak`);
      }
      // Last, so that the checks above report even when this fails: a paused intake must not
      // look like a stuck receiver, or Kubernetes restarts every pod during the outage.
      assert.deepEqual(outage.filter((s) => s.live !== 200).slice(0, 3), [], 'live throughout');
    },
  );
});
