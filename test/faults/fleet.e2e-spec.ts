// Issue 17: the fleet. Several processes of the product on one queue, product defaults.
//
// 1. Throughput with an I/O-bound workload (50 ms handlers, recording consumers with the
//    transport's defaults, concurrency 10): 1, 2 and 4 processes on one queue.
// 2. Keycloak down 2 minutes under 4 service processes (the real service, `bootstrap()`) while
//    registrations keep arriving, then back: nothing dead-lettered, every user created, and the
//    load on the recovered Keycloak within the budget: 4 pods x KEYCLOAK_MAX_CONCURRENCY (4)
//    concurrent requests, measured at the proxy in front of it. One pod is replaced during the
//    outage; the new one checks Keycloak before its first receive and spends none.
// 3. Throughout: no message handled by two processes at once, except after a visibility timeout
//    expired (at-least-once allows it), and those are counted.
//
// What the test sets, and why; everything else is the product default (SQS_CONCURRENCY 10,
// SQS_SLOW_START_MESSAGES 2, KEYCLOAK_MAX_CONCURRENCY 4, KEYCLOAK_BREAKER_OPEN_MS 10000, the
// queue's maxReceiveCount 5 as SQS_MAX_RECEIVE_COUNT): HTTP_PORT, SQS_ENDPOINT, the queue URLs
// (this case's fauxqs), KEYCLOAK_URL (the counting proxy whose cut() is the outage), the realm,
// client and secret of the suite's Keycloak, and SQS_SHUTDOWN_GRACE_SECONDS 5 (teardown only).
import assert from 'node:assert/strict';
import { availableParallelism } from 'node:os';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { USER_REGISTERED_PATTERN } from '../../src/users/index.js';
import { eventually } from '../support/eventually.js';
import { KeycloakProbe, keycloakTestEnv, newUser } from '../users/support/keycloak-env.js';
import { CountingHttpProxy } from './support/counting-http-proxy.js';
import { FaultCase, freePort } from './support/fault-case.js';
import { concurrentRuns, receivesUntil, steadyRate } from './support/fleet.js';
import type { NodeProcess } from './support/processes.js';
import type { FaultQueue } from './support/queues.js';

const MAX_RECEIVE_COUNT = 5;
const HANDLER_MS = 50;
const MESSAGES_PER_RUN = 2_000;
const OUTAGE_MS = 2 * 60_000;
const PODS = 4;
const DEFAULT_KEYCLOAK_MAX_CONCURRENCY = 4;
/** Registrations keep arriving through the outage: 4 every 10 s. */
const ARRIVALS = { every: 10_000, count: 4 };
/**
 * How long after Keycloak returns a paused pod may still be paused: a probe that failed just
 * before the return (up to KEYCLOAK_TIMEOUT_MS, 5 s) schedules the next one after
 * KEYCLOAK_BREAKER_OPEN_MS (10 s) plus up to half of it; product defaults, with slack.
 */
const PROBE_PERIOD_BOUND_MS = 5_000 + 15_000 + 10_000;
/**
 * Cores below which the 3.6x ratio is printed, not asserted. Four consumers at 200 msg/s each,
 * fauxqs and the test share the CPU; on the 2-core CI machine, shared with other jobs, a lower
 * ratio says the machine was busy, not that the fleet serialises. With 8 cores every process
 * has one of its own and the ratio depends on the product alone.
 */
const CORES_FOR_RATIO = 8;

describe('fault: a fleet of processes on one queue, product defaults', () => {
  const keycloak = keycloakTestEnv();
  const probe = new KeycloakProbe(keycloak);
  const handledIds = new Set<string>();
  let fc: FaultCase;

  before(async () => {
    fc = await FaultCase.start('fleet');
  });
  after(() => fc?.cleanup());

  async function startAll<T>(count: number, start: (i: number) => Promise<T>): Promise<T[]> {
    return Promise.all(Array.from({ length: count }, (_, i) => start(i)));
  }

  async function waitConnected(runs: string[]): Promise<void> {
    await eventually(
      () =>
        runs.every((run) =>
          fc
            .records()
            .of('status', run)
            .some((l) => l.s === 'connected'),
        ),
      `${runs.join(', ')} connected`,
      60_000,
      100,
    );
  }

  /** One throughput run: a full queue, `count` processes started together; messages/s. */
  async function throughput(count: number): Promise<number> {
    const queue = await fc.sqs.createQueue(`tp${count}`, { maxReceiveCount: MAX_RECEIVE_COUNT });
    const body = JSON.stringify({ ms: HANDLER_MS });
    const ids = await fc.sqs.sendAll(
      queue.url,
      Array.from({ length: MESSAGES_PER_RUN }, () => ({ body, pattern: 'fault.work' })),
    );
    const runs = Array.from({ length: count }, (_, i) => `tp${count}-${i}`);
    const consumers = await startAll(count, (i) => fc.recordingConsumer(runs[i]!, queue, {}));
    await eventually(
      () => fc.records().countBy('done').size >= handledIds.size + ids.length,
      `${MESSAGES_PER_RUN} messages handled by ${count} process(es)`,
      120_000,
      200,
    );
    await Promise.all(consumers.map((c) => c.stop(10_000)));
    for (const id of ids) handledIds.add(id);
    return steadyRate(fc.records(), runs, new Set(ids));
  }

  it('throughput with 50 ms handlers: 1, 2 and 4 processes', { timeout: 5 * 60_000 }, async (t) => {
    const rates = new Map<number, number>();
    for (const count of [1, 2, 4]) rates.set(count, await throughput(count));
    const one = rates.get(1)!;
    const ratio = rates.get(4)! / one;
    t.diagnostic(
      `messages/s with ${HANDLER_MS} ms handlers, concurrency 10 per process: ` +
        [...rates].map(([n, r]) => `${n} process(es) ${r.toFixed(0)} (${(r / one).toFixed(2)}x)`).join(', ') +
        `; ${availableParallelism()} cores`,
    );
    assert.ok(one > 0);
    if (availableParallelism() >= CORES_FOR_RATIO) {
      assert.ok(ratio >= 3.6, `4 processes handle ${ratio.toFixed(2)}x what one does, below 3.6x`);
    }
  });

  describe('Keycloak down 2 minutes under 4 pods, registrations arriving', () => {
    let queue: FaultQueue;
    let proxy: CountingHttpProxy;
    const pods: NodeProcess[] = [];
    const httpPorts = new Map<string, number>();
    /** GET /health/intake of a pod: the pause signal KEDA reads where no Prometheus scrapes. */
    const intakeSignal = async (run: string): Promise<{ paused: number }> =>
      (await fetch(`http://127.0.0.1:${httpPorts.get(run)}/health/intake`)).json() as Promise<{ paused: number }>;

    before(async () => {
      queue = await fc.sqs.createQueue('users', { maxReceiveCount: MAX_RECEIVE_COUNT });
      proxy = await new CountingHttpProxy(new URL(keycloak.url)).start();
    });
    after(async () => {
      await Promise.all(pods.map((p) => p.stop(10_000)));
      await proxy?.stop();
    });

    async function startPod(run: string): Promise<NodeProcess> {
      httpPorts.set(run, await freePort());
      const pod = await fc.service(run, {
        HTTP_PORT: String(httpPorts.get(run)),
        SQS_ENDPOINT: fc.endpoint,
        SQS_QUEUE_URL: queue.url,
        SQS_DLQ_URL: queue.dlqUrl,
        SQS_SHUTDOWN_GRACE_SECONDS: '5',
        KEYCLOAK_URL: proxy.url,
        KEYCLOAK_REALM: keycloak.realm,
        KEYCLOAK_CLIENT_ID: keycloak.clientId,
        KEYCLOAK_CLIENT_SECRET: keycloak.clientSecret,
      });
      pods.push(pod);
      return pod;
    }

    async function sendUsers(tag: string, count: number) {
      const users = Array.from({ length: count }, () => newUser(tag));
      const ids = await fc.sqs.sendAll(
        queue.url,
        users.map((u) => ({ body: JSON.stringify(u), pattern: USER_REGISTERED_PATTERN })),
      );
      return { users, ids };
    }

    it(
      'dead-letters nothing, creates every user, and the recovered Keycloak sees at most 4 x 4 requests',
      { timeout: OUTAGE_MS + 4 * 60_000 },
      async (t) => {
        const runs = Array.from({ length: PODS }, (_, i) => `pod${i}`);
        await startAll(PODS, (i) => startPod(runs[i]!));
        await waitConnected(runs);
        const sent = await sendUsers('fleet-warm', 8);
        await eventually(
          () => sent.ids.every((id) => fc.records().countBy('done').has(id)),
          'the warm-up users registered',
          60_000,
          200,
        );

        await proxy.cut();
        const cutAt = Date.now();
        let replaced: { run: string; startedAt: number } | undefined;
        for (let next = cutAt; next < cutAt + OUTAGE_MS; next += ARRIVALS.every) {
          await sleep(Math.max(0, next - Date.now()));
          const batch = await sendUsers('fleet-during', ARRIVALS.count);
          sent.users.push(...batch.users);
          sent.ids.push(...batch.ids);
          if (!replaced && Date.now() - cutAt >= 30_000) {
            // A rolling replacement during the outage: the new pod must learn of it without a receive.
            await pods[PODS - 1]!.stop(15_000);
            replaced = { run: 'pod-new', startedAt: Date.now() };
            await startPod(replaced.run);
          }
        }
        await sleep(Math.max(0, cutAt + OUTAGE_MS - Date.now()));
        // The autoscaler's pause signal (docs/scaling.md): the replacement started paused and says so.
        assert.equal((await intakeSignal(replaced!.run)).paused, 1, 'the replacement says paused');
        proxy.resetPeak();
        await proxy.resume();
        const resumedAt = Date.now();

        await eventually(
          async () => sent.ids.every((id) => fc.records().countBy('done').has(id)) && (await fc.queueEmpty(queue.url)),
          'every registration handled and the queue empty',
          180_000,
          1_000,
        );
        // Each pod resumes on its own jittered probe (openMs + up to half of it, after a failed one that
        // may have waited KEYCLOAK_TIMEOUT_MS): the other pods can drain the queue before the
        // replacement's next probe, so its signal clears within one probe period, not at once.
        await eventually(
          async () => (await intakeSignal(replaced!.run)).paused === 0,
          "the replacement's pause signal cleared by its next probe",
          PROBE_PERIOD_BOUND_MS,
          250,
        );
        const records = fc.records();
        const newPodReceives = receivesUntil(records, replaced!.run, resumedAt);
        const dlqDepth = await fc.sqs.depth(queue.dlqUrl);
        const budget = PODS * DEFAULT_KEYCLOAK_MAX_CONCURRENCY;
        t.diagnostic(
          `outage ${OUTAGE_MS / 1000} s, ${sent.ids.length} registrations; peak concurrent Keycloak requests after ` +
            `recovery ${proxy.peak} (budget ${PODS} pods x ${DEFAULT_KEYCLOAK_MAX_CONCURRENCY} = ${budget}); ` +
            `all handled ${Date.now() - resumedAt} ms after Keycloak returned; receives of the pod started ` +
            `during the outage before it returned: ${newPodReceives}; dead-lettered ${records.of('dlq').length} (DLQ depth ${dlqDepth})`,
        );
        assert.equal(records.of('dlq').length, 0, 'dead-lettered by the service');
        assert.equal(dlqDepth, 0, 'messages in the dead-letter queue');
        assert.ok(proxy.peak <= budget, `${proxy.peak} concurrent Keycloak requests after recovery, budget ${budget}`);
        assert.equal(newPodReceives, 0, 'the pod started during the outage spent no receive on it');
        for (const id of sent.ids) handledIds.add(id);
        for (const u of sent.users) {
          assert.equal((await probe.usersNamed(u.username)).length, 1, `${u.username} in Keycloak`);
        }
      },
    );
  });

  it('no message ran in two processes at once but after a visibility timeout expired, counted', (t) => {
    const overlaps = concurrentRuns(fc.records(), handledIds);
    t.diagnostic(
      `${handledIds.size} messages over both cases; handled in two processes at once: ${overlaps.length}` +
        (overlaps.length ? ` (${overlaps.map((o) => `${o.id} rc ${o.first.rc}->${o.second.rc}`).join(', ')})` : ''),
    );
    assert.ok(handledIds.size >= 3 * MESSAGES_PER_RUN, 'both cases ran first');
    for (const o of overlaps) {
      assert.ok(o.second.rc! > o.first.rc!, `${o.id} handed out twice in one receive: not a visibility expiry`);
    }
  });
});
