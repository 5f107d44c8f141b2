// Trace context: SqsClient carries the active W3C trace in message attributes and SqsServer runs
// the handler in a CONSUMER span continuing it (OpenTelemetry on; it is off by default).
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { context, propagation, SpanKind, trace } from '@opentelemetry/api';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { Controller } from '@nestjs/common';
import { Ctx, Payload } from '@nestjs/microservices';
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { lastValueFrom } from 'rxjs';
import { SqsClient, SqsContext, SqsEventPattern } from '../../src/sqs/index.js';
import { eventually } from '../support/eventually.js';
import { SqsTestBackend } from '../support/sqs-backend.js';
import { startTestMicroservice, type TestMicroservice } from '../support/test-microservice.js';

const seen: Array<{ traceId?: string; traceparent?: string }> = [];

@Controller()
class TracedController {
  @SqsEventPattern('trace.me')
  handle(@Payload() _data: unknown, @Ctx() ctx: SqsContext) {
    seen.push({
      traceId: trace.getActiveSpan()?.spanContext().traceId,
      traceparent: ctx.getMessageAttributes().traceparent?.StringValue,
    });
  }
}

describe(`trace context propagation (${process.env.SQS_TEST_BACKEND ?? 'fauxqs'})`, () => {
  const exporter = new InMemorySpanExporter();
  let sqs: SqsTestBackend;
  let service: TestMicroservice;
  let client: SqsClient;

  before(async () => {
    context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
    propagation.setGlobalPropagator(new W3CTraceContextPropagator());
    trace.setGlobalTracerProvider(new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] }));
    sqs = await SqsTestBackend.start();
    const queue = await sqs.createQueue('traced');
    client = new SqsClient({ queueUrl: queue.url, client: sqs.clientConfig(), traceContext: true });
    service = await startTestMicroservice({
      controllers: [TracedController],
      server: { client: sqs.clientConfig(), queues: [{ url: queue.url }], waitTimeSeconds: 1, traceContext: true },
    });
  });

  after(async () => {
    await client?.close();
    await service?.close();
    await sqs?.stop();
    trace.disable();
    propagation.disable();
    context.disable();
  });

  it('continues the producer trace in a consumer span around the handler', async () => {
    const producer = trace.getTracer('test');
    const { traceId, spanId } = await producer.startActiveSpan('produce', async (span) => {
      await lastValueFrom(client.emit('trace.me', { n: 1 }));
      span.end();
      return span.spanContext();
    });
    await eventually(() => seen.length === 1, 'handled');
    assert.equal(seen[0]!.traceId, traceId, 'the handler ran inside the producer trace');
    assert.match(seen[0]!.traceparent ?? '', new RegExp(`^00-${traceId}-${spanId}-0[01]$`));
    const consumer = await eventually(
      () => exporter.getFinishedSpans().find((s) => s.name === 'process trace.me'),
      'consumer span',
    );
    assert.equal(consumer.kind, SpanKind.CONSUMER);
    assert.equal(consumer.parentSpanContext?.spanId, spanId);
    assert.equal(consumer.attributes['messaging.system'], 'aws_sqs');
  });
});
