import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import { describe, it } from 'node:test';
import { Registry } from 'prom-client';
import { Subject } from 'rxjs';
import type { SqsServerLike } from '../health/sqs-server-like.js';
import {
  DeadLetterReason,
  type SqsEvents,
  type SqsMessageInfo,
  type SqsServerSnapshot,
  SqsStatus,
} from '../sqs/index.js';
import { bindSqsMetrics } from './sqs-metrics.binder.js';
import { SqsMetrics } from './sqs-metrics.js';
import { BreakerMetrics } from './breaker-metrics.js';
import { registerBuildInfo } from './build-info.js';

class FakeServer implements SqsServerLike {
  readonly status = new Subject<SqsStatus>();
  readonly events = new EventEmitter();
  snapshot: SqsServerSnapshot = {
    status: SqsStatus.Connected,
    waitTimeSeconds: 20,
    inFlight: 3,
    buffered: 7,
    concurrency: 10,
    paused: [],
    queues: 1,
  };
  on<E extends keyof SqsEvents>(event: E, callback: SqsEvents[E]) {
    this.events.on(event, callback as (...args: unknown[]) => void);
    return this;
  }
  emit<E extends keyof SqsEvents>(event: E, ...args: Parameters<SqsEvents[E]>) {
    this.events.emit(event, ...args);
  }
  getSnapshot() {
    return this.snapshot;
  }
  unwrap<T>(): T {
    throw new Error('not used');
  }
  getHandlers() {
    return new Map([['user.register', () => undefined]]);
  }
}

const message = (pattern?: string): SqsMessageInfo => ({
  messageId: 'm',
  queueUrl: 'http://h/000000000000/work',
  pattern,
  receiveCount: 1,
  sentTimestamp: 1_000,
});

async function value(
  registry: Registry,
  name: string,
  labels: Record<string, string> = {},
): Promise<number | undefined> {
  const metric = (await registry.getMetricsAsJSON()).find((m) => m.name === name);
  const entry = metric?.values.find(
    (v) =>
      Object.entries(labels).every(([k, l]) => v.labels[k] === l) &&
      (!('metricName' in v) || v.metricName === name || !v.metricName),
  );
  return entry?.value;
}

const WORK = 'http://h/000000000000/work';
const at = (labels: Record<string, string>) => ({ queue: 'work', ...labels });

function bound(now = () => 31_000) {
  const registry = new Registry();
  const server = new FakeServer();
  bindSqsMetrics(server, new SqsMetrics(registry), { queueUrls: [WORK], now });
  return { registry, server };
}

describe('SQS metrics binder', () => {
  it('moves every metric with the server events, labelled {queue, pattern}', async () => {
    const { registry, server } = bound();
    server.emit('receive', WORK, 3);
    server.emit('receive', WORK, 0);
    server.emit('processing_started', message('user.register'));
    server.emit('processed', message('user.register'), 250);
    server.emit('processing_failed', message('user.register'), new Error('x'), 4, 100);
    server.emit('dead_lettered', message(), DeadLetterReason.MalformedBody, 'not json');
    server.emit('visibility_extended', message('user.register'), 30);
    server.emit('receive_error', WORK, new Error('down'));
    server.emit('delete_error', WORK, new Error('gone'));
    server.emit('released', message('user.register'));
    server.emit('requeued', message('user.register'), 'copy-1', 'shutdown');
    server.emit('internal_error', message('user.register'), new Error('bug'));

    assert.equal(await value(registry, 'sqs_messages_received_total', { queue: 'work' }), 3);
    assert.equal(await value(registry, 'sqs_receive_requests_total', { queue: 'work' }), 2);
    assert.equal(await value(registry, 'sqs_messages_succeeded_total', at({ pattern: 'user.register' })), 1);
    assert.equal(await value(registry, 'sqs_messages_failed_total', at({ pattern: 'user.register' })), 1);
    assert.equal(await value(registry, 'sqs_messages_retried_total', at({ pattern: 'user.register' })), 1);
    assert.equal(await value(registry, 'sqs_messages_released_total', at({ pattern: 'user.register' })), 1);
    assert.equal(
      await value(registry, 'sqs_messages_requeued_total', at({ pattern: 'user.register', cause: 'shutdown' })),
      1,
    );
    assert.equal(await value(registry, 'sqs_internal_errors_total', { queue: 'work' }), 1);
    assert.equal(
      await value(registry, 'sqs_messages_dead_lettered_total', at({ pattern: 'none', reason: 'malformed-body' })),
      1,
    );
    assert.equal(
      await value(registry, 'sqs_messages_failed_total', at({ pattern: 'none' })),
      0,
      'never ran: not a handler failure',
    );
    assert.equal(await value(registry, 'sqs_visibility_extensions_total', { queue: 'work' }), 1);
    assert.equal(await value(registry, 'sqs_receive_errors_total', { queue: 'work' }), 1);
    assert.equal(await value(registry, 'sqs_delete_errors_total', { queue: 'work' }), 1);
    const text = await registry.metrics();
    assert.match(
      text,
      /sqs_handler_duration_seconds_count\{queue="work",pattern="user.register",outcome="succeeded"\} 1/,
    );
    assert.match(
      text,
      /sqs_handler_duration_seconds_sum\{queue="work",pattern="user.register",outcome="retried"\} 0.1/,
    );
    assert.match(text, /sqs_message_age_seconds_sum\{queue="work"\} 30/);
  });

  it('times handlers that end in the dead-letter queue, and counts them as failures', async () => {
    let clock = 1_000;
    const { registry, server } = bound(() => clock);
    server.emit('processing_started', message('user.register'));
    clock += 400;
    server.emit('dead_lettered', message('user.register'), DeadLetterReason.ValidationFailed, 'bad email');
    assert.equal(await value(registry, 'sqs_messages_failed_total', at({ pattern: 'user.register' })), 1);
    assert.match(
      await registry.metrics(),
      /sqs_handler_duration_seconds_sum\{queue="work",pattern="user.register",outcome="dead-lettered"\} 0.4/,
    );
  });

  it('folds patterns without a handler into "unknown", so labels stay bounded', async () => {
    const { registry, server } = bound();
    for (const p of ['a', 'b', 'c']) server.emit('dead_lettered', message(p), DeadLetterReason.NoHandler, 'no handler');
    assert.equal(
      await value(registry, 'sqs_messages_dead_lettered_total', at({ pattern: 'unknown', reason: 'no-handler' })),
      3,
    );
    assert.doesNotMatch(await registry.metrics(), /pattern="[abc]"/);
  });

  it('has every counter at 0 for the known queue and patterns before any event', async () => {
    const { registry } = bound();
    const text = await registry.metrics();
    for (const line of [
      'sqs_messages_received_total{queue="work"} 0',
      'sqs_receive_errors_total{queue="work"} 0',
      'sqs_messages_succeeded_total{queue="work",pattern="user.register"} 0',
      'sqs_messages_failed_total{queue="work",pattern="user.register"} 0',
      'sqs_messages_dead_lettered_total{queue="work",pattern="user.register",reason="max-receives"} 0',
      'sqs_messages_dead_lettered_total{queue="work",pattern="unknown",reason="no-handler"} 0',
      'sqs_handler_duration_seconds_count{queue="work",pattern="user.register",outcome="succeeded"} 0',
      'sqs_intake_paused{queue="work"} 0',
      'sqs_server_status{status="connected"} 1',
      'sqs_server_status{status="error"} 0',
      'sqs_messages_in_flight 3',
      'sqs_messages_buffered 7',
      'sqs_worker_concurrency 10',
    ])
      assert.ok(text.includes(`${line}\n`), `missing ${line}`);
  });

  it('reads the pause state and status from the snapshot at scrape time', async () => {
    const { registry, server } = bound();
    server.snapshot = {
      ...server.snapshot,
      status: SqsStatus.Error,
      inFlight: 0,
      paused: [{ queueUrl: WORK, dependency: 'keycloak', reason: 'breaker open', since: 1 }],
    };
    const text = await registry.metrics();
    assert.ok(text.includes('sqs_intake_paused{queue="work",dependency="keycloak"} 1\n'));
    assert.ok(!text.includes('sqs_intake_paused{queue="work"} 0'));
    assert.ok(text.includes('sqs_server_status{status="error"} 1\n'));
    assert.ok(text.includes('sqs_messages_in_flight 0\n'));
  });

  it('reports breaker states as a state set and the build', async () => {
    const registry = new Registry();
    const breakers = new BreakerMetrics(registry);
    const breaker = { state: 'open' as const };
    breakers.watch('keycloak', breaker);
    registerBuildInfo(registry, '1.2.3');
    const text = await registry.metrics();
    assert.ok(text.includes('circuit_breaker_state{breaker="keycloak",state="open"} 1\n'));
    assert.ok(text.includes('circuit_breaker_state{breaker="keycloak",state="closed"} 0\n'));
    assert.match(text, /nest_sqs_worker_build_info\{version="1.2.3",node="v\d+\.\d+\.\d+"\} 1/);
  });
});
