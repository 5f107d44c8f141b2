import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import { describe, it } from 'node:test';
import { HealthIndicatorService } from '@nestjs/terminus';
import { BehaviorSubject } from 'rxjs';
import { type SqsEvents, type SqsServerSnapshot, SqsStatus } from '../sqs/index.js';
import { ReadinessRegistry } from './readiness-registry.js';
import type { SqsServerLike } from './sqs-server-like.js';
import { SqsHealthIndicator } from './sqs.health.js';
import { RECEIVE_ERROR_BACKOFF_CAP_MS } from '../sqs/index.js';
import { livenessLimitMs } from './health.options.js';
import { receiveRequestTimeoutMs } from '../sqs/index.js';
import { TtlCache } from './ttl-cache.js';

class FakeServer implements SqsServerLike {
  readonly status = new BehaviorSubject<SqsStatus>(SqsStatus.Connecting);
  readonly events = new EventEmitter();
  snapshot: SqsServerSnapshot = {
    status: SqsStatus.Connecting,
    waitTimeSeconds: 20,
    inFlight: 0,
    buffered: 0,
    concurrency: 10,
    paused: [],
    queues: 1,
  };
  probes = 0;
  probeFails = false;
  setStatus(status: SqsStatus, extra: Partial<SqsServerSnapshot> = {}) {
    this.snapshot = { ...this.snapshot, ...extra, status };
    this.status.next(status);
  }
  on<E extends keyof SqsEvents>(event: E, callback: SqsEvents[E]) {
    this.events.on(event, callback as (...args: unknown[]) => void);
    return this;
  }
  getSnapshot() {
    return this.snapshot;
  }
  unwrap<T>(): T {
    return {
      send: async () => {
        this.probes += 1;
        if (this.probeFails) throw new Error('AccessDenied');
        return {};
      },
    } as T;
  }
}

function setup() {
  let clock = 1_000_000;
  const server = new FakeServer();
  const indicator = new SqsHealthIndicator(server, new HealthIndicatorService(), {
    queueUrl: 'http://h/0/q',
    now: () => clock,
    livenessSlackMs: 10_000,
  });
  indicator.onModuleInit();
  return { server, indicator, advance: (ms: number) => (clock += ms), now: () => clock };
}

describe('SQS health indicator', () => {
  it('is ready only while Connected, naming the reason otherwise', async () => {
    const { server, indicator } = setup();
    assert.equal((await indicator.isReady()).sqs!.status, 'down');
    assert.match(String((await indicator.isReady()).sqs!.reason), /starting/);
    server.setStatus(SqsStatus.Connected, { lastSuccessAt: 5 });
    assert.equal((await indicator.isReady()).sqs!.status, 'up');
    server.setStatus(SqsStatus.Draining);
    assert.deepEqual(
      [(await indicator.isReady()).sqs!.status, (await indicator.isReady()).sqs!.reason],
      ['down', 'the server is shutting down'],
    );
    server.setStatus(SqsStatus.Closed);
    assert.equal((await indicator.isReady()).sqs!.status, 'down');
  });

  it('stays ready while the maxReceiveCount of a queue is unknown, and says so until it is known', async () => {
    const { server, indicator } = setup();
    server.setStatus(SqsStatus.Connected, { redrivePolicyUnknown: ['http://h/0/q'] });
    const unknown = (await indicator.isReady()).sqs!;
    assert.equal(unknown.status, 'up');
    assert.equal(unknown.redrivePolicy, 'maxReceiveCount unknown for http://h/0/q: read again with backoff');
    server.setStatus(SqsStatus.Connected, { redrivePolicyUnknown: [] });
    assert.equal((await indicator.isReady()).sqs!.redrivePolicy, undefined);
  });

  it('in Error, is ready while the queue answers GetQueueAttributes, probing at most once per cache period', async () => {
    const { server, indicator, advance } = setup();
    server.setStatus(SqsStatus.Error, { lastError: 'ReceiveMessage timed out' });
    assert.equal((await indicator.isReady()).sqs!.status, 'up');
    assert.equal((await indicator.isReady()).sqs!.status, 'up');
    assert.equal(server.probes, 1);
    server.probeFails = true;
    advance(5_001);
    const result = (await indicator.isReady()).sqs!;
    assert.equal(result.status, 'down');
    assert.match(
      String(result.reason),
      /last SQS call failed: ReceiveMessage timed out; GetQueueAttributes: AccessDenied/,
    );
    assert.equal(server.probes, 2);
  });

  it('is live unless the receiver loop is silent for over twice the long poll (plus slack) while running', () => {
    const { server, indicator, advance, now } = setup();
    server.setStatus(SqsStatus.Connected, { lastReceiveTickAt: now() });
    advance(49_000);
    assert.equal(indicator.isLive().receiver!.status, 'up');
    advance(2_000);
    const stuck = indicator.isLive().receiver!;
    assert.equal(stuck.status, 'down');
    assert.match(String(stuck.reason), /has not ticked for 51 s/);
    server.setStatus(SqsStatus.Connected, { lastReceiveTickAt: now() });
    assert.equal(indicator.isLive().receiver!.status, 'up');
  });

  it('does not call a full worker pool or a draining server stuck', () => {
    const { server, indicator, advance, now } = setup();
    server.setStatus(SqsStatus.Connected, { lastReceiveTickAt: now(), inFlight: 10, buffered: 10 });
    advance(120_000);
    assert.equal(indicator.isLive().receiver!.status, 'up');
    server.setStatus(SqsStatus.Draining, { inFlight: 0, buffered: 0 });
    advance(120_000);
    assert.equal(indicator.isLive().receiver!.status, 'up');
  });
});

describe('SQS health indicator: pauses and slow networks', () => {
  const pause = { queueUrl: 'http://h/0/q', dependency: 'keycloak', reason: 'breaker open', since: 1_000_000 };

  it('stays live while every queue is paused on purpose, and counts silence from the resume', () => {
    const { server, indicator, advance, now } = setup();
    server.setStatus(SqsStatus.Connected, { lastReceiveTickAt: now(), paused: [pause], queues: 1 });
    advance(300_000);
    const live = indicator.isLive().receiver!;
    assert.equal(live.status, 'up');
    assert.equal((live.paused as Array<{ dependency: string }>)[0]!.dependency, 'keycloak');
    server.setStatus(SqsStatus.Connected, { paused: [] });
    server.events.emit('intake_resumed', pause.queueUrl, 'keycloak', 300_000);
    advance(49_000);
    assert.equal(
      indicator.isLive().receiver!.status,
      'up',
      'silence counts from the resume, not from the last receive',
    );
    advance(2_000);
    assert.equal(indicator.isLive().receiver!.status, 'down');
  });

  it('does not excuse a silent receiver because another queue is paused', () => {
    const { server, indicator, advance, now } = setup();
    server.setStatus(SqsStatus.Connected, { lastReceiveTickAt: now(), paused: [pause], queues: 2 });
    advance(51_000);
    assert.equal(indicator.isLive().receiver!.status, 'down');
  });

  it('stays ready during a pause and says so', async () => {
    const { server, indicator } = setup();
    server.setStatus(SqsStatus.Connected, { lastSuccessAt: 5, paused: [pause] });
    const ready = (await indicator.isReady()).sqs!;
    assert.equal(ready.status, 'up');
    assert.deepEqual(ready.paused, [{ ...pause, since: new Date(pause.since).toISOString() }]);
  });

  it('gives the autoscaler a pause signal: 1 while any queue is paused, numbers only', () => {
    const { server, indicator } = setup();
    server.setStatus(SqsStatus.Connected, { queues: 2 });
    assert.deepEqual(indicator.intakeSignal(), { paused: 0, pausedQueues: 0, queues: 2 });
    server.setStatus(SqsStatus.Connected, { paused: [pause] });
    assert.deepEqual(indicator.intakeSignal(), { paused: 1, pausedQueues: 1, queues: 2 });
  });

  it('gives a hung receive its deadline and the backoff ceiling before calling the process stuck', () => {
    // waitTimeSeconds 1: a blackholed receive is abandoned after 6 s, the next starts within 10 s.
    assert.equal(livenessLimitMs(1, 10_000), 26_000);
    assert.equal(livenessLimitMs(20, 10_000), 50_000);
    assert.ok(livenessLimitMs(20, 0) > receiveRequestTimeoutMs(20) + RECEIVE_ERROR_BACKOFF_CAP_MS - 1);
    const { server, indicator, advance, now } = setup();
    server.setStatus(SqsStatus.Error, { lastReceiveTickAt: now(), waitTimeSeconds: 1 });
    advance(25_000);
    assert.equal(indicator.isLive().receiver!.status, 'up');
    advance(2_000);
    assert.equal(indicator.isLive().receiver!.status, 'down');
  });
});

describe('readiness registry', () => {
  it('adapts Terminus indicators, turning down into degraded', async () => {
    const registry = new ReadinessRegistry();
    const health = new HealthIndicatorService();
    registry.registerIndicator('keycloak', () => health.check('keycloak').down({ breaker: 'open' }));
    assert.throws(
      () => registry.registerIndicator('keycloak', () => health.check('keycloak').up()),
      /already registered/,
    );
    const [contributor] = registry.list();
    assert.deepEqual(await contributor!.check(), { status: 'degraded', details: { breaker: 'open' } });
  });
});

describe('TtlCache', () => {
  it('reuses a result, failures included, for its TTL', async () => {
    let clock = 0;
    let runs = 0;
    const cache = new TtlCache<number>(1_000, () => clock);
    const fail = async () => {
      runs += 1;
      throw new Error('no');
    };
    await assert.rejects(cache.get(fail));
    await assert.rejects(cache.get(fail));
    assert.equal(runs, 1);
    clock = 1_000;
    assert.equal(await cache.get(async () => ++runs), 2);
  });
});
