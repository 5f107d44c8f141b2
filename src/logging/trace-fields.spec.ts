import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { context, trace } from '@opentelemetry/api';
import { TracerProvider } from '@opentelemetry/sdk-trace';
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { runWithSqsMessage } from '../sqs/index.js';
import { messageMixin } from './pino-options.js';

const info = { messageId: 'm-1', queueUrl: 'http://h/000000000000/work', pattern: 'p', receiveCount: 1 };

describe('log lines that join traces', () => {
  before(() => {
    context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
    trace.setGlobalTracerProvider(new TracerProvider());
  });
  after(() => {
    trace.disable();
    context.disable();
  });

  it("stamps a handler's line with the message fields and the active span's trace_id and span_id", async () => {
    const span = trace.getTracer('t').startSpan('process work');
    const fields = await context.with(trace.setSpan(context.active(), span), () =>
      runWithSqsMessage(info, async () => messageMixin()),
    );
    span.end();
    assert.deepEqual(fields, {
      messageId: 'm-1',
      queueUrl: info.queueUrl,
      pattern: 'p',
      receiveCount: 1,
      trace_id: span.spanContext().traceId,
      span_id: span.spanContext().spanId,
    });
  });

  it('adds nothing outside a span and a message', () => {
    assert.deepEqual(messageMixin(), {});
  });
});
