// Fault 8: a half-open network. The path to SQS turns into a black hole (a dead NAT gateway):
// connections are accepted and stay open, but no byte gets through, so nothing fails fast.
// With the service's DEFAULT receive settings (20 s long poll, default request timeout) the
// pod must go unready within about one request timeout, must NOT look stuck to liveness
// (a restart would not heal the network), and must take messages again within one request
// timeout of the network healing, with nothing lost.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { USER_REGISTERED_PATTERN } from '../../src/users/index.js';
import { ProbePoller } from '../app/support/probe-poller.js';
import { eventually } from '../support/eventually.js';
import { keycloakTestEnv, newUser } from '../users/support/keycloak-env.js';
import { BlackholeProxy } from './support/blackhole-proxy.js';
import { FaultCase, freePort } from './support/fault-case.js';
import type { NodeProcess } from './support/processes.js';
import { account, type FaultQueue } from './support/queues.js';

// Longer than the liveness limit (50 s with a 20 s long poll), so a wrong liveness rule shows.
const BLACKHOLE_MS = 70_000;
// The default SQS_RECEIVE_REQUEST_TIMEOUT_MS.
const REQUEST_TIMEOUT_MS = 30_000;
// What readiness may add to one request timeout: its GetQueueAttributes answer is cached 5 s,
// the poller probes every 0.5 s, and a loaded 2-core machine schedules late; 10 s covers all.
const READINESS_MARGIN_MS = 10_000;

describe('fault: the network to SQS becomes a black hole for 70 s', () => {
  const keycloak = keycloakTestEnv();
  let fc: FaultCase;
  let queue: FaultQueue;
  let proxy: BlackholeProxy;
  let service: NodeProcess;
  let poller: ProbePoller;

  before(async () => {
    fc = await FaultCase.start('blackhole');
    queue = await fc.sqs.createQueue('blackhole', { maxReceiveCount: 5 });
    proxy = await BlackholeProxy.forUrl(fc.endpoint).start();
    const viaProxy = (url: string) => `${proxy.url}${url.slice(url.indexOf('/', 'http://'.length))}`;
    const httpPort = await freePort();
    // No SQS_WAIT_TIME_SECONDS, SQS_RECEIVE_REQUEST_TIMEOUT_MS or SQS_CONNECTION_TIMEOUT_MS: defaults.
    service = await fc.service('service', {
      HTTP_PORT: String(httpPort),
      SQS_ENDPOINT: proxy.url,
      SQS_QUEUE_URL: viaProxy(queue.url),
      SQS_DLQ_URL: viaProxy(queue.dlqUrl),
      KEYCLOAK_URL: keycloak.url,
      KEYCLOAK_REALM: keycloak.realm,
      KEYCLOAK_CLIENT_ID: keycloak.clientId,
      KEYCLOAK_CLIENT_SECRET: keycloak.clientSecret,
    });
    poller = new ProbePoller(`http://127.0.0.1:${httpPort}`, ['/health/ready', '/health/live'], 500);
  });

  after(async () => {
    await poller?.stop();
    await service?.stop(10_000);
    await proxy?.stop();
    await fc?.cleanup();
  });

  async function sendUsers(tag: string, count: number): Promise<string[]> {
    const users = Array.from({ length: count }, () => newUser(tag));
    // Straight to fauxqs: producers elsewhere are not behind this pod's black hole.
    return fc.sqs.sendAll(
      queue.url,
      users.map((u) => ({ body: JSON.stringify(u), pattern: USER_REGISTERED_PATTERN })),
    );
  }

  it('goes unready within about one request timeout, stays live, and takes messages again soon after the network heals', async (t) => {
    const before = await sendUsers('bh-before', 5);
    await eventually(
      () => before.every((id) => fc.records().countBy('done').has(id)),
      'the first users registered',
      60_000,
      200,
    );
    await eventually(() => poller.last('/health/ready')?.status === 200, 'ready before the black hole', 60_000);

    proxy.blackhole();
    const cutAt = Date.now();
    const during = await sendUsers('bh-during', 5);
    const down = await eventually(
      () => poller.of('/health/ready', cutAt).find((s) => s.status === 503),
      'readiness 503 in the black hole',
      BLACKHOLE_MS,
    );
    const downAfterMs = down.sentAt - cutAt;
    await sleep(Math.max(0, cutAt + BLACKHOLE_MS - Date.now()));
    proxy.heal();
    const healAt = Date.now();

    await eventually(
      () => during.every((id) => fc.records().countBy('done').has(id)),
      'the users sent during the black hole registered',
      90_000,
      200,
    );
    const doneAt = fc
      .records()
      .of('done')
      .filter((r) => during.includes(r.id!))
      .map((r) => r.t);
    const flowAfterMs = Math.min(...doneAt) - healAt;
    await eventually(
      () => poller.of('/health/ready', healAt).some((s) => s.status === 200),
      'ready again after healing',
      60_000,
    );
    const readyAfterMs = poller.of('/health/ready', healAt).find((s) => s.status === 200)!.sentAt - healAt;
    await eventually(() => fc.queueEmpty(queue.url), 'the queue empty', 60_000, 500);
    await poller.stop();

    const live = poller.of('/health/live', cutAt);
    const notLive = live.filter((s) => s.status !== 200);
    const errors = fc
      .records()
      .of('rerr')
      .filter((r) => r.t >= cutAt && r.t <= healAt);
    t.diagnostic(
      `readiness 503 ${downAfterMs} ms after the black hole began; liveness ${live.length - notLive.length}/${live.length} probes 200; ` +
        `${errors.length} receive errors in ${BLACKHOLE_MS / 1_000} s (first after ${errors[0] ? errors[0].t - cutAt : '-'} ms); ` +
        `after healing: messages flowing in ${flowAfterMs} ms, all ${during.length} done in ${Math.max(...doneAt) - healAt} ms, ready in ${readyAfterMs} ms`,
    );
    assert.ok(
      downAfterMs < REQUEST_TIMEOUT_MS + READINESS_MARGIN_MS,
      `readiness went 503 only ${downAfterMs} ms into the black hole (one request timeout is ${REQUEST_TIMEOUT_MS} ms)`,
    );
    assert.ok(live.length > 100, `liveness probed ${live.length} times`);
    assert.deepEqual(
      notLive.map((s) => `${s.status} at +${s.sentAt - cutAt} ms: ${s.body}`),
      [],
      'liveness failed: a restart cannot heal the network',
    );
    assert.ok(
      flowAfterMs < REQUEST_TIMEOUT_MS,
      `messages flowed again only ${flowAfterMs} ms after the network healed`,
    );
    assert.ok(service.running, 'the same process throughout');

    const result = account({ sentIds: [...before, ...during], records: fc.records(), queueEmpty: true });
    t.diagnostic(
      `sent ${result.sent}, deleted ${result.deleted}, lost ${result.lost.length}, completed twice ${result.duplicates}`,
    );
    assert.deepEqual(result.lost, [], 'lost messages');
    assert.equal(await fc.sqs.depth(queue.dlqUrl), 0);
  });
});
