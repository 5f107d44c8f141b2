// Fault 4: the downstream (Keycloak) is cut off for longer than several backoffs while the
// real service (bootstrap() of src/main.ts) consumes user.registered messages. Messages are
// retried with growing delays, none reaches the dead-letter queue before maxReceiveCount, the
// pod stays ready (Keycloak shows as degraded), and every user is created once Keycloak is back.
// Keycloak is the one the suite runner started; the outage is the loopback TCP proxy of the
// users suite (test/users/support/tcp-proxy.ts) closing: connections refused, open ones reset.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { USER_REGISTERED_PATTERN } from '../../src/users/index.js';
import { eventually } from '../support/eventually.js';
import { KeycloakProbe, keycloakTestEnv, newUser } from '../users/support/keycloak-env.js';
import { TcpProxy } from '../users/support/tcp-proxy.js';
import { FaultCase, freePort } from './support/fault-case.js';
import type { NodeProcess } from './support/processes.js';
import { account, type FaultQueue, type RecordLine } from './support/queues.js';

const MAX_RECEIVE_COUNT = 10;
const OUTAGE_MS = 20_000;
const USERS = 15;
const BACKOFF_MAX = 16;

describe('fault: Keycloak outage longer than several backoffs', () => {
  const keycloak = keycloakTestEnv();
  const probe = new KeycloakProbe(keycloak);
  let fc: FaultCase;
  let queue: FaultQueue;
  let proxy: TcpProxy;
  let service: NodeProcess;
  let httpPort: number;

  before(async () => {
    fc = await FaultCase.start('keycloak');
    queue = await fc.sqs.createQueue('users', { maxReceiveCount: MAX_RECEIVE_COUNT });
    proxy = await TcpProxy.forUrl(keycloak.url).start();
    httpPort = await freePort();
    service = await fc.service('service', {
      HTTP_PORT: String(httpPort),
      SQS_ENDPOINT: fc.endpoint,
      SQS_QUEUE_URL: queue.url,
      SQS_DLQ_URL: queue.dlqUrl,
      SQS_CONCURRENCY: '5',
      SQS_WAIT_TIME_SECONDS: '1',
      SQS_RECEIVE_REQUEST_TIMEOUT_MS: '6000',
      SQS_VISIBILITY_TIMEOUT: '10',
      SQS_HEARTBEAT_INTERVAL_SECONDS: '3',
      SQS_BACKOFF_BASE_SECONDS: '1',
      SQS_BACKOFF_MAX_SECONDS: String(BACKOFF_MAX),
      SQS_SHUTDOWN_GRACE_SECONDS: '5',
      KEYCLOAK_URL: proxy.url,
      KEYCLOAK_REALM: keycloak.realm,
      KEYCLOAK_CLIENT_ID: keycloak.clientId,
      KEYCLOAK_CLIENT_SECRET: keycloak.clientSecret,
      KEYCLOAK_TIMEOUT_MS: '2000',
      KEYCLOAK_BREAKER_FAILURES: '3',
      // Shorter than the first backoff, so the breaker's own delay never masks the backoff.
      KEYCLOAK_BREAKER_OPEN_MS: '1000',
    });
  });

  after(async () => {
    await service?.stop(10_000);
    await proxy?.stop();
    await fc?.cleanup();
  });

  async function sendUsers(tag: string, count: number) {
    const users = Array.from({ length: count }, () => newUser(tag));
    const ids = await fc.sqs.sendAll(queue.url, users.map((u) => ({ body: JSON.stringify(u), pattern: USER_REGISTERED_PATTERN })));
    return { users, ids };
  }

  async function readiness(): Promise<{ status: number; keycloak?: string }> {
    const res = await fetch(`http://127.0.0.1:${httpPort}/health/ready`);
    const body = (await res.json()) as { details?: Record<string, { status: string }> };
    return { status: res.status, keycloak: body.details?.keycloak?.status };
  }

  it('retries with growing delays, dead-letters nothing, creates every user after Keycloak returns', async (t) => {
    const warm = await sendUsers('kc-warm', 3);
    await eventually(() => warm.ids.every((id) => fc.records().countBy('done').has(id)), 'the warm-up users registered', 60_000, 200);

    await proxy.cut();
    const cutAt = Date.now();
    const { users, ids } = await sendUsers('kc-outage', USERS);
    // While Keycloak is away the pod stays ready: its breaker shows as degraded.
    const duringOutage = await eventually(async () => {
      const r = await readiness();
      return r.keycloak === 'degraded' ? r : false;
    }, 'readiness to report Keycloak degraded', OUTAGE_MS);
    await eventually(() => ids.every((id) => (fc.records().countBy('fail').get(id) ?? 0) >= 2), 'every message retried twice', OUTAGE_MS);
    await sleep(Math.max(0, cutAt + OUTAGE_MS - Date.now()));
    await proxy.resume();
    const resumedAt = Date.now();

    await eventually(
      async () => {
        const done = fc.records().countBy('done');
        return ids.every((id) => done.has(id)) && (await fc.queueEmpty(queue.url));
      },
      'every user registered after Keycloak returned and the queue empty',
      90_000,
      500,
    );
    const recoveredMs = Date.now() - resumedAt;

    const records = fc.records();
    const failsById = Map.groupBy(records.of('fail').filter((r) => ids.includes(r.id!)), (r) => r.id!);
    const startsById = Map.groupBy(records.of('start').filter((r) => ids.includes(r.id!)), (r) => r.id!);
    const problems: string[] = [];
    let maxReceive = 0;
    const sequences: string[] = [];
    for (const id of ids) {
      const fails = (failsById.get(id) ?? []).sort((a, b) => a.rc! - b.rc!);
      const starts = (startsById.get(id) ?? []).sort((a, b) => a.rc! - b.rc!);
      const delays = fails.map((f) => f.delay!);
      maxReceive = Math.max(maxReceive, ...starts.map((s) => s.rc!));
      sequences.push(delays.join('/'));
      if (fails.length < 2) problems.push(`${id}: only ${fails.length} failure(s)`);
      // base * 2^(n-1) with half of it random: never shorter than the one before, until both
      // reach the band of the cap (BACKOFF_MAX/2 .. BACKOFF_MAX), where jitter decides.
      for (let i = 1; i < delays.length; i++) {
        if (delays[i]! < Math.min(delays[i - 1]!, BACKOFF_MAX / 2)) problems.push(`${id}: delay shrank ${delays.join(',')}`);
      }
      if (delays.length >= 3 && delays.at(-1)! < Math.min(2 * delays[0]!, BACKOFF_MAX / 2)) problems.push(`${id}: delays did not grow ${delays.join(',')}`);
      // SQS really kept it away for the delay: the next receive came no sooner.
      for (const f of fails) {
        const next = starts.find((s: RecordLine) => s.rc === f.rc! + 1);
        if (next && next.t - f.t < f.delay! * 1_000 - 250) problems.push(`${id}: received again ${next.t - f.t} ms after a ${f.delay} s delay`);
      }
    }
    t.diagnostic(
      `outage ${OUTAGE_MS} ms; readiness during it: ${duringOutage.status} with keycloak ${duringOutage.keycloak}; ` +
        `retry delays (s) per message: ${sequences.join(' ')}; highest receive count ${maxReceive}; ` +
        `all done ${recoveredMs} ms after Keycloak returned`,
    );
    assert.equal(duringOutage.status, 200, 'an open Keycloak breaker must not make the pod unready');
    assert.deepEqual(problems, []);
    assert.ok(maxReceive < MAX_RECEIVE_COUNT, `receive count reached ${maxReceive} (maxReceiveCount ${MAX_RECEIVE_COUNT})`);
    assert.equal(records.of('dlq').length, 0, 'dead-lettered by the service');
    assert.equal(await fc.sqs.depth(queue.dlqUrl), 0, 'messages in the dead-letter queue');

    const result = account({ sentIds: [...warm.ids, ...ids], records, queueEmpty: true });
    t.diagnostic(`sent ${result.sent}, deleted ${result.deleted}, lost ${result.lost.length}, completed twice ${result.duplicates}`);
    assert.deepEqual(result.lost, [], 'lost messages');
    for (const u of [...warm.users, ...users]) assert.equal((await probe.usersNamed(u.username)).length, 1, `${u.username} in Keycloak`);
  });
});
