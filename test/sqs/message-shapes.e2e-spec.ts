// The message shapes other AWS services put on a queue, end to end: SNS through a real topic
// subscription (raw delivery off and on), EventBridge events and S3 event notifications (their
// documented JSON), and fair queues (standard queues with MessageGroupId).
import {
  CreateTopicCommand,
  PublishCommand,
  SetSubscriptionAttributesCommand,
  SNSClient,
  SubscribeCommand,
} from '@aws-sdk/client-sns';
import { GetQueueAttributesCommand, SendMessageCommand } from '@aws-sdk/client-sqs';
import { Controller } from '@nestjs/common';
import { Ctx, EventPattern, Payload } from '@nestjs/microservices';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { SqsClient, SqsContext, SqsRecord, type SqsEnvelope } from '../../src/sqs/index.js';
import { eventually } from '../support/eventually.js';
import { SqsTestBackend, TEST_CREDENTIALS, TEST_REGION, type TestQueue } from '../support/sqs-backend.js';
import { startTestMicroservice, type TestMicroservice } from '../support/test-microservice.js';

interface Seen {
  pattern: string;
  data: { id?: string } & Record<string, unknown>;
  envelope?: SqsEnvelope;
  groupId?: string;
}
const seen: Seen[] = [];
const record = (pattern: string, data: Seen['data'], ctx: SqsContext) =>
  seen.push({ pattern, data, envelope: ctx.getEnvelope(), groupId: ctx.getMessageGroupId() });

@Controller()
class ShapesController {
  @EventPattern<string>('user.signed-up')
  signedUp(@Payload() data: Seen['data'], @Ctx() ctx: SqsContext) {
    record('user.signed-up', data, ctx);
  }

  @EventPattern<string>('OrderPlaced')
  orderPlaced(@Payload() data: Seen['data'], @Ctx() ctx: SqsContext) {
    record('OrderPlaced', data, ctx);
  }

  @EventPattern<string>('com.example.billing')
  billing(@Payload() data: Seen['data'], @Ctx() ctx: SqsContext) {
    record('com.example.billing', data, ctx);
  }

  @EventPattern<string>('ObjectCreated:*')
  objectCreated(@Payload() data: Seen['data'], @Ctx() ctx: SqsContext) {
    record('ObjectCreated:*', data, ctx);
  }
}

const backend = process.env.SQS_TEST_BACKEND ?? 'fauxqs';
// Capabilities by server, decided up front so that no case is skipped (a skip fails CI): the
// SNS cases run where SNS is served, the fair-queue cases where a standard queue keeps its
// MessageGroupId; elsewhere one case pins the gap, so a server that gains it is noticed.
const SERVES_SNS = new Set(['fauxqs', 'moto']).has(backend);
const KEEPS_FAIR_GROUPS = new Set(['elasticmq', 'moto']).has(backend);
const itWithSns = SERVES_SNS ? it : () => undefined;
const itWithFairGroups = KEEPS_FAIR_GROUPS ? it : () => undefined;

describe(`message shapes (${backend})`, () => {
  let sqs: SqsTestBackend;
  let queue: TestQueue;
  let service: TestMicroservice;

  before(async () => {
    sqs = await SqsTestBackend.start();
    queue = await sqs.createQueue('shapes', { maxReceiveCount: 3 });
    service = await startTestMicroservice({
      controllers: [ShapesController],
      server: { client: sqs.clientConfig(), queues: [{ url: queue.url }], waitTimeSeconds: 1 },
    });
  });

  after(async () => {
    await service?.close();
    await sqs?.stop();
  });

  for (const raw of [false, true]) {
    itWithSns(`unwraps SNS through a real topic subscription, raw delivery ${raw ? 'on' : 'off'}`, async () => {
      const sns = new SNSClient({ endpoint: sqs.endpoint, region: TEST_REGION, credentials: TEST_CREDENTIALS });
      try {
        const { TopicArn } = await sns.send(new CreateTopicCommand({ Name: `shapes-${randomUUID().slice(0, 8)}` }));
        const { Attributes } = await sqs.client.send(
          new GetQueueAttributesCommand({ QueueUrl: queue.url, AttributeNames: ['QueueArn'] }),
        );
        const { SubscriptionArn } = await sns.send(
          new SubscribeCommand({
            TopicArn,
            Protocol: 'sqs',
            Endpoint: Attributes!.QueueArn,
            ReturnSubscriptionArn: true,
          }),
        );
        await sns.send(
          new SetSubscriptionAttributesCommand({
            SubscriptionArn,
            AttributeName: 'RawMessageDelivery',
            AttributeValue: String(raw),
          }),
        );
        const id = randomUUID();
        await sns.send(
          new PublishCommand({
            TopicArn,
            Message: JSON.stringify({ id }),
            MessageAttributes: { pattern: { DataType: 'String', StringValue: 'user.signed-up' } },
          }),
        );
        const got = await eventually(() => seen.find((s) => s.data.id === id), 'the SNS message handled');
        assert.equal(got.pattern, 'user.signed-up', 'routed by the SNS message attribute');
        assert.deepEqual(got.data, { id }, 'the handler gets the published message');
        if (raw) assert.equal(got.envelope, undefined, 'raw delivery: no envelope');
        else {
          assert.equal(got.envelope?.source, 'sns');
          assert.equal((got.envelope?.body as { TopicArn?: string }).TopicArn, TopicArn);
        }
      } finally {
        sns.destroy();
      }
    });
  }

  it('unwraps an EventBridge event, routed by detail-type, else by source', async () => {
    const event = (detailType: string, source: string, id: string) => ({
      version: '0',
      id: randomUUID(),
      'detail-type': detailType,
      source,
      account: '000000000000',
      time: new Date().toISOString(),
      region: TEST_REGION,
      resources: [],
      detail: { id },
    });
    const [byType, bySource] = [randomUUID(), randomUUID()];
    await sqs.send(queue.url, JSON.stringify(event('OrderPlaced', 'com.example.orders', byType)));
    await sqs.send(queue.url, JSON.stringify(event('InvoiceSent', 'com.example.billing', bySource)));
    const a = await eventually(() => seen.find((s) => s.data.id === byType), 'routed by detail-type');
    const b = await eventually(() => seen.find((s) => s.data.id === bySource), 'routed by source');
    assert.equal(a.pattern, 'OrderPlaced');
    assert.equal(b.pattern, 'com.example.billing', 'no handler for InvoiceSent: its source routes it');
    assert.equal(a.envelope?.source, 'eventbridge');
    assert.equal((a.envelope?.body as { 'detail-type': string })['detail-type'], 'OrderPlaced');
  });

  it('unwraps an S3 event notification, routed by eventName, else by its category', async () => {
    const key = `uploads/${randomUUID()}.csv`;
    const notification = {
      Records: [
        {
          eventVersion: '2.1',
          eventSource: 'aws:s3',
          awsRegion: TEST_REGION,
          eventTime: new Date().toISOString(),
          eventName: 'ObjectCreated:Put',
          s3: { s3SchemaVersion: '1.0', bucket: { name: 'uploads' }, object: { key, size: 10 } },
        },
      ],
    };
    await sqs.send(queue.url, JSON.stringify(notification));
    const got = await eventually(
      () => seen.find((s) => (s.data.s3 as { object?: { key?: string } } | undefined)?.object?.key === key),
      'the S3 notification handled',
    );
    assert.equal(got.pattern, 'ObjectCreated:*');
    assert.equal(got.data.eventName, 'ObjectCreated:Put', 'the handler gets the record');
    assert.deepEqual(got.envelope, { source: 's3', body: notification });
  });

  if (!KEEPS_FAIR_GROUPS) {
    it(`${backend} drops MessageGroupId on standard queues: the fair-queue cases run on ElasticMQ and moto`, async () => {
      assert.equal(
        await keepsFairGroups(sqs),
        false,
        `${backend} now keeps fair-queue groups: add it to KEEPS_FAIR_GROUPS`,
      );
    });
  }

  itWithFairGroups('fair queues: SqsClient sets a group id on a standard queue, the handler sees it', async () => {
    const producer = new SqsClient({ queueUrl: queue.url, client: sqs.clientConfig() });
    try {
      const ids = [randomUUID(), randomUUID()];
      await producer.emitBatch(
        'user.signed-up',
        ids.map((id) => new SqsRecord({ id }, { groupId: 'tenant-a' })),
      );
      for (const id of ids) {
        const got = await eventually(() => seen.find((s) => s.data.id === id), 'a fair-queue message handled');
        assert.equal(got.groupId, 'tenant-a');
      }
    } finally {
      await producer.close();
    }
  });

  itWithFairGroups('fair queues: the dead-letter copy keeps the group id', async () => {
    const producer = new SqsClient({ queueUrl: queue.url, client: sqs.clientConfig() });
    const deadLettered: string[] = [];
    service.server.on('dead_lettered', (info) => deadLettered.push(info.messageId));
    try {
      const id = randomUUID();
      const [messageId] = await producer.emitBatch('no.such.handler', [new SqsRecord({ id }, { groupId: 'tenant-b' })]);
      await eventually(() => deadLettered.includes(messageId!), 'the message dead-lettered');
      const copies = await sqs.drain(queue.dlqUrl!, 1);
      const copy = copies.find((m) => m.Body === JSON.stringify({ id }));
      assert.equal(copy?.Attributes?.MessageGroupId, 'tenant-b');
    } finally {
      await producer.close();
    }
  });
});

/** Whether the server keeps a standard queue's MessageGroupId (AWS's fair queues, since July 2025). */
async function keepsFairGroups(sqs: SqsTestBackend): Promise<boolean> {
  const probe = await sqs.createQueue('fair-probe');
  await sqs.client.send(new SendMessageCommand({ QueueUrl: probe.url, MessageBody: '{}', MessageGroupId: 'probe' }));
  const [message] = await sqs.drain(probe.url, 1);
  return message?.Attributes?.MessageGroupId === 'probe';
}
