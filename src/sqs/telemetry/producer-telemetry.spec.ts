import type { MessageAttributeValue } from '@aws-sdk/client-sqs';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { context, propagation, SpanKind, trace } from '@opentelemetry/api';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { InMemorySpanExporter, SimpleSpanProcessor, TracerProvider } from '@opentelemetry/sdk-trace';
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ProducerTelemetry } from './producer-telemetry.js';

const QUEUE = 'https://sqs.eu-west-1.amazonaws.com/123456789012/orders';
const attr = (v: string): MessageAttributeValue => ({ DataType: 'String', StringValue: v });
const attributes = (n: number) => Object.fromEntries(Array.from({ length: n }, (_, i) => [`a${i}`, attr(String(i))]));

describe('the producer span and its context in the message attributes', () => {
  const spans = new InMemorySpanExporter();
  before(() => {
    context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
    propagation.setGlobalPropagator(new W3CTraceContextPropagator());
    trace.setGlobalTracerProvider(
      new TracerProvider({ spanProcessors: [new SimpleSpanProcessor({ exporter: spans })] }),
    );
  });
  after(() => {
    trace.disable();
    propagation.disable();
    context.disable();
  });

  it('makes a PRODUCER span `send <queue>` whose context travels as traceparent', () => {
    const telemetry = ProducerTelemetry.detect()!;
    const send = telemetry.startSend(QUEUE);
    const carried = attributes(1);
    send.inject(carried);
    send.end({ messageId: 'm-1' });
    const span = spans.getFinishedSpans().find((s) => s.name === 'send orders')!;
    assert.equal(span.kind, SpanKind.PRODUCER);
    assert.equal(span.attributes['messaging.system'], 'aws_sqs');
    assert.equal(span.attributes['messaging.operation.type'], 'send');
    assert.equal(span.attributes['messaging.destination.name'], 'orders');
    assert.equal(span.attributes['messaging.message.id'], 'm-1');
    const { traceId, spanId } = span.spanContext();
    assert.equal(carried.traceparent?.StringValue, `00-${traceId}-${spanId}-01`);
  });

  it("never goes past SQS's ten attributes: no context then, and one warning for the client", () => {
    const warnings: string[] = [];
    const telemetry = ProducerTelemetry.detect({ warn: (m: string) => warnings.push(m) })!;
    for (const count of [10, 10]) {
      const full = attributes(count);
      const send = telemetry.startSend(QUEUE);
      send.inject(full);
      send.end({ messageId: `m-${count}` });
      assert.equal(Object.keys(full).length, count, `${count} attributes kept as they were`);
      assert.ok(!('traceparent' in full));
    }
    assert.equal(warnings.length, 1, 'said once');
    assert.match(warnings[0]!, /trace context is not sent/);
    const fits = attributes(9);
    telemetry.startSend(QUEUE).inject(fits);
    assert.ok('traceparent' in fits, 'room for traceparent (no tracestate here): injected');
  });
});
