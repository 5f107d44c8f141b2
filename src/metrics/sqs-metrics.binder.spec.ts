import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import { describe, it } from 'node:test';
import { Registry } from 'prom-client';
import { Subject } from 'rxjs';
import type { SqsServerLike } from '../health/sqs-server-like.js';
import { DeadLetterReason } from '../sqs/sqs.errors.js';
import { type SqsEvents, type SqsMessageInfo, type SqsServerSnapshot, SqsStatus } from '../sqs/sqs.events.js';
import { bindSqsMetrics } from './sqs-metrics.binder.js';
import { SqsMetrics } from './sqs-metrics.js';

class FakeServer implements SqsServerLike {
  readonly status = new Subject<SqsStatus>();
  readonly events = new EventEmitter();
  snapshot: SqsServerSnapshot = { status: SqsStatus.Connected, waitTimeSeconds: 20, inFlight: 3, buffered: 7, concurrency: 10, paused: [], queues: 1 };
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
}

const message = (pattern?: string): SqsMessageInfo => ({ messageId: 'm', queueUrl: 'http://h/000000000000/work', pattern, receiveCount: 1, sentTimestamp: 1_000 });

async function value(registry: Registry, name: string, labels: Record<string, string> = {}): Promise<number | undefined> {
  const metric = (await registry.getMetricsAsJSON()).find((m) => m.name === name);
  const entry = metric?.values.find((v) => Object.entries(labels).every(([k, l]) => v.labels[k] === l) && (!('metricName' in v) || v.metricName === name || !v.metricName));
  return entry?.value;
}

describe('SQS metrics binder', () => {
  it('moves every metric with the server events and reads the gauges from the snapshot', async () => {
    const registry = new Registry();
    const server = new FakeServer();
    bindSqsMetrics(server, new SqsMetrics(registry), () => 31_000);
    server.emit('receive', 'http://h/000000000000/work', 3);
    server.emit('receive', 'http://h/000000000000/work', 0);
    server.emit('processing_started', message('user.register'));
    server.emit('processed', message('user.register'), 250);
    server.emit('processing_failed', message('user.register'), new Error('x'), 4, 100);
    server.emit('dead_lettered', message('user.register'), DeadLetterReason.NonRetryable, 'bad');
    server.emit('dead_lettered', message(), DeadLetterReason.MalformedBody, 'not json');
    server.emit('visibility_extended', message('user.register'), 30);
    server.emit('receive_error', 'http://h/000000000000/work', new Error('down'));
    server.emit('delete_error', 'http://h/000000000000/work', new Error('gone'));

    assert.equal(await value(registry, 'sqs_messages_received_total', { queue: 'work' }), 3);
    assert.equal(await value(registry, 'sqs_messages_succeeded_total', { pattern: 'user.register' }), 1);
    assert.equal(await value(registry, 'sqs_messages_failed_total', { pattern: 'user.register' }), 2);
    assert.equal(await value(registry, 'sqs_messages_retried_total', { pattern: 'user.register' }), 1);
    assert.equal(await value(registry, 'sqs_messages_dead_lettered_total', { reason: 'non-retryable' }), 1);
    assert.equal(await value(registry, 'sqs_messages_dead_lettered_total', { reason: 'malformed-body' }), 1);
    assert.equal(await value(registry, 'sqs_visibility_extensions_total'), 1);
    assert.equal(await value(registry, 'sqs_receive_errors_total', { queue: 'work' }), 1);
    assert.equal(await value(registry, 'sqs_delete_errors_total', { queue: 'work' }), 1);
    assert.equal(await value(registry, 'sqs_messages_in_flight'), 3);
    assert.equal(await value(registry, 'sqs_messages_buffered'), 7);
    const text = await registry.metrics();
    assert.match(text, /sqs_handler_duration_seconds_count\{pattern="user.register"\} 2/);
    assert.match(text, /sqs_handler_duration_seconds_sum\{pattern="user.register"\} 0.35/);
    assert.match(text, /sqs_message_age_seconds_sum 30/);
    server.snapshot = { ...server.snapshot, inFlight: 0 };
    assert.equal(await value(registry, 'sqs_messages_in_flight'), 0);
  });
});
