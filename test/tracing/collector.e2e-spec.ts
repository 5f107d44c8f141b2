// One trace from producer to handler to Keycloak, as a real OpenTelemetry Collector received it
// over OTLP and wrote it with its file exporter: the built service runs as a pod runs it (its
// SDK configured by OTEL_* variables only), against moto's SQS and SNS and a real Keycloak. Three
// ways a message brings its trace: SqsClient's attributes, an SNS envelope (raw delivery off),
// and X-Ray's AWSTraceHeader alone. Also: the messaging metrics, the resource attributes, and
// the trace_id on the handler's log line.
import assert from 'node:assert/strict';
import { createServer, type AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { GetQueueAttributesCommand, SendMessageCommand } from '@aws-sdk/client-sqs';
import { CreateTopicCommand, PublishCommand, SNSClient, SubscribeCommand } from '@aws-sdk/client-sns';
import { context, propagation, SpanKind, trace } from '@opentelemetry/api';
import { lastValueFrom } from 'rxjs';
import { startOtelSdk, type OtelShutdown } from '../../src/lifecycle/otel-sdk.js';
import { SqsClient } from '../../src/sqs/index.js';
import { USER_REGISTERED_PATTERN } from '../../src/users/index.js';
import { eventually } from '../support/eventually.js';
import { SqsTestBackend, TEST_CREDENTIALS, TEST_REGION, type TestQueue } from '../support/sqs-backend.js';
import { keycloakTestEnv, newUser } from '../users/support/keycloak-env.js';
import { readMetricNames, readSpans, spanTree, SpanKindOtlp, type CollectedSpan } from './support/collector-output.js';
import { ServiceProcess } from './support/service-process.js';

const OTLP = process.env.OTELCOL_OTLP_ENDPOINT;
const TRACES = process.env.OTELCOL_TRACES_FILE ?? '';
const METRICS = process.env.OTELCOL_METRICS_FILE ?? '';
if (!OTLP) throw new Error('OTELCOL_* is not set: run through `npm test -- tracing` (scripts/servers/otelcol.mjs)');
const SERVICE = 'nest-sqs-worker';
const PRODUCER = 'tracing-producer';

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

describe('one trace, producer -> SQS -> handler -> Keycloak, in a real collector', () => {
  const keycloak = keycloakTestEnv();
  let sqs: SqsTestBackend;
  let queue: TestQueue;
  let queueName: string;
  let client: SqsClient;
  let service: ServiceProcess;
  let otelShutdown: OtelShutdown | undefined;

  before(async () => {
    // The producer side (this process) exports to the same collector, as another service would.
    Object.assign(process.env, {
      OTEL_EXPORTER_OTLP_ENDPOINT: OTLP,
      OTEL_SERVICE_NAME: PRODUCER,
      OTEL_BSP_SCHEDULE_DELAY: '100',
      OTEL_METRIC_EXPORT_INTERVAL: '1000',
      OTEL_LOGS_EXPORTER: 'none',
    });
    otelShutdown = await startOtelSdk(process.env);
    sqs = await SqsTestBackend.start();
    queue = await sqs.createQueue('traced', { maxReceiveCount: 3 });
    queueName = queue.url.slice(queue.url.lastIndexOf('/') + 1);
    client = new SqsClient({ queueUrl: queue.url, client: sqs.clientConfig() });
    service = new ServiceProcess({
      APP_ENV: 'local',
      HOME: process.env.HOME ?? '/tmp',
      AWS_ACCESS_KEY_ID: TEST_CREDENTIALS.accessKeyId,
      AWS_SECRET_ACCESS_KEY: TEST_CREDENTIALS.secretAccessKey,
      AWS_REGION: TEST_REGION,
      SQS_ENDPOINT: sqs.endpoint,
      SQS_QUEUE_URL: queue.url,
      SQS_DLQ_URL: queue.dlqUrl!,
      SQS_WAIT_TIME_SECONDS: '1',
      HTTP_PORT: String(await freePort()),
      KEYCLOAK_URL: keycloak.url,
      KEYCLOAK_REALM: keycloak.realm,
      KEYCLOAK_CLIENT_ID: keycloak.clientId,
      KEYCLOAK_CLIENT_SECRET: keycloak.clientSecret,
      // What the chart sets (values `otel.*`): nothing else configures the service's SDK.
      OTEL_EXPORTER_OTLP_ENDPOINT: OTLP,
      OTEL_RESOURCE_ATTRIBUTES: 'service.namespace=tracing-suite,k8s.pod.name=worker-0,service.version=0.1.0',
      OTEL_BSP_SCHEDULE_DELAY: '100',
      OTEL_METRIC_EXPORT_INTERVAL: '1000',
      OTEL_LOGS_EXPORTER: 'none',
    });
    await eventually(
      () => service.lines.some((l) => String(l.msg).startsWith('Consuming')),
      'the service consuming',
      60_000,
    );
  });

  after(async () => {
    await client?.close();
    assert.equal(await service?.stop(), 0, 'the service stopped cleanly');
    await otelShutdown?.();
    sqs?.client.destroy();
  });

  /** The spans of one trace, once its process span and a Keycloak call under it were written. */
  async function traceOf(traceId: string): Promise<CollectedSpan[]> {
    return eventually(
      () => {
        const spans = readSpans(TRACES).filter((s) => s.traceId === traceId);
        const processSpan = spans.find((s) => s.name === `process ${queueName}`);
        return processSpan && keycloakCallsUnder(spans, processSpan).length > 0 && spans;
      },
      `trace ${traceId} with its process span and Keycloak calls in the collector's file`,
      60_000,
      200,
    );
  }

  function keycloakCallsUnder(spans: CollectedSpan[], root: CollectedSpan): CollectedSpan[] {
    const under = new Set([root.spanId]);
    for (let grew = true; grew;) {
      grew = false;
      for (const s of spans) if (under.has(s.parentSpanId) && !under.has(s.spanId)) grew = Boolean(under.add(s.spanId));
    }
    return spans.filter(
      (s) =>
        under.has(s.spanId) &&
        s.kind === SpanKindOtlp.Client &&
        String(s.attributes['url.full']).startsWith(keycloak.url),
    );
  }

  function checkProcessSpan(spans: CollectedSpan[], parentSpanId: string, source: string): CollectedSpan {
    const processSpan = spans.find((s) => s.name === `process ${queueName}`)!;
    assert.equal(processSpan.service, SERVICE);
    assert.equal(processSpan.kind, SpanKindOtlp.Consumer);
    assert.equal(processSpan.parentSpanId, parentSpanId, 'parented by the context the message carried');
    assert.ok(
      processSpan.links.some((l) => l.spanId === parentSpanId),
      'and linked to it',
    );
    assert.equal(processSpan.attributes['messaging.system'], 'aws_sqs');
    assert.equal(processSpan.attributes['messaging.operation.type'], 'process');
    assert.equal(processSpan.attributes['messaging.destination.name'], queueName);
    assert.equal(processSpan.attributes['nest_sqs.outcome'], 'succeeded');
    assert.equal(processSpan.attributes['nest_sqs.trace_context.source'], source);
    const calls = keycloakCallsUnder(spans, processSpan);
    assert.ok(
      calls.some((c) => String(c.attributes['url.full']).includes('/admin/realms/')),
      `an Admin API call under the process span: ${calls.map((c) => c.attributes['url.full']).join(', ')}`,
    );
    return processSpan;
  }

  it('plain SQS: send (PRODUCER, the producer service) -> process (CONSUMER) -> Keycloak CLIENT spans', async () => {
    const tracer = trace.getTracer('tracing-suite');
    const user = newUser('otel');
    const { traceId } = await tracer.startActiveSpan('register user (request)', async (span) => {
      await lastValueFrom(client.emit(USER_REGISTERED_PATTERN, user));
      span.end();
      return span.spanContext();
    });
    const spans = await traceOf(traceId);
    const send = spans.find((s) => s.name === `send ${queueName}`)!;
    assert.equal(send.service, PRODUCER);
    assert.equal(send.kind, SpanKindOtlp.Producer);
    const processSpan = checkProcessSpan(spans, send.spanId, 'attributes');
    assert.equal(
      processSpan.resource['service.namespace'],
      'tracing-suite',
      'OTEL_RESOURCE_ATTRIBUTES reach the resource',
    );
    assert.equal(processSpan.resource['k8s.pod.name'], 'worker-0');
    const receive = readSpans(TRACES).find(
      (s) => s.name === `receive ${queueName}` && s.links.some((l) => l.spanId === send.spanId),
    );
    assert.ok(receive, 'a receive span (its own trace) links the message it brought');
    const logged = await eventually(
      () => service.lines.find((l) => String(l.msg).startsWith('created user') && l.trace_id === traceId),
      "the handler's log line carrying the trace id",
    );
    assert.equal(typeof logged.span_id, 'string');
    process.stdout.write(`\nspan tree as the collector wrote it:\n${spanTree(spans)}\n\n`);
  });

  it('SNS, raw delivery off: the traceparent inside the notification', async () => {
    const sns = new SNSClient({ endpoint: sqs.endpoint, region: TEST_REGION, credentials: TEST_CREDENTIALS });
    try {
      const { TopicArn } = await sns.send(new CreateTopicCommand({ Name: `traced-${queueName}` }));
      const { Attributes } = await sqs.client.send(
        new GetQueueAttributesCommand({ QueueUrl: queue.url, AttributeNames: ['QueueArn'] }),
      );
      await sns.send(new SubscribeCommand({ TopicArn, Protocol: 'sqs', Endpoint: Attributes!.QueueArn }));
      const tracer = trace.getTracer('tracing-suite');
      const { traceId, spanId } = await tracer.startActiveSpan(
        `publish ${TopicArn}`,
        { kind: SpanKind.PRODUCER },
        async (span) => {
          const carrier: Record<string, string> = {};
          propagation.inject(context.active(), carrier);
          await sns.send(
            new PublishCommand({
              TopicArn,
              Message: JSON.stringify(newUser('otel-sns')),
              MessageAttributes: {
                pattern: { DataType: 'String', StringValue: USER_REGISTERED_PATTERN },
                traceparent: { DataType: 'String', StringValue: carrier.traceparent! },
              },
            }),
          );
          span.end();
          return span.spanContext();
        },
      );
      checkProcessSpan(await traceOf(traceId), spanId, 'sns');
    } finally {
      sns.destroy();
    }
  });

  it('X-Ray: a message carrying only AWSTraceHeader (as EventBridge and X-Ray producers send it)', async () => {
    const span = trace.getTracer('tracing-suite').startSpan('x-ray producer', { kind: SpanKind.PRODUCER });
    const { traceId, spanId } = span.spanContext();
    await sqs.client.send(
      new SendMessageCommand({
        QueueUrl: queue.url,
        MessageBody: JSON.stringify(newUser('otel-xray')),
        MessageAttributes: { pattern: { DataType: 'String', StringValue: USER_REGISTERED_PATTERN } },
        MessageSystemAttributes: {
          AWSTraceHeader: {
            DataType: 'String',
            StringValue: `Root=1-${traceId.slice(0, 8)}-${traceId.slice(8)};Parent=${spanId};Sampled=1`,
          },
        },
      }),
    );
    span.end();
    checkProcessSpan(await traceOf(traceId), spanId, 'xray');
  });

  it('exports the messaging metrics by the conventions', async () => {
    const expected = [
      'messaging.process.duration',
      'messaging.client.operation.duration',
      'messaging.client.consumed.messages',
    ];
    const names = await eventually(
      () => {
        const got = readMetricNames(METRICS);
        const own = got.get(SERVICE);
        const sent = got.get(PRODUCER)?.has('messaging.client.sent.messages');
        return own && sent && expected.every((n) => own.has(n)) && got;
      },
      'the messaging metrics of both services',
      30_000,
      200,
    );
    assert.ok(names.get(SERVICE)!.size >= expected.length);
  });
});
