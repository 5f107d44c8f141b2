// Large messages published through SNS by AWS's SNS Extended Client, end to end through a real
// topic subscription: the client stores the body in S3 and publishes a pointer; with raw delivery
// off (SNS's default) the pointer and its ExtendedPayloadSize attribute sit inside the SNS
// notification, with raw delivery on they are the SQS message's own. Either way the handler gets
// the payload. On moto the official Python client publishes (its virtualenv comes with moto's);
// on fauxqs the spec publishes the same wire format through the SNS SDK.
import {
  CreateTopicCommand,
  PublishCommand,
  SetSubscriptionAttributesCommand,
  SNSClient,
  SubscribeCommand,
} from '@aws-sdk/client-sns';
import { GetQueueAttributesCommand } from '@aws-sdk/client-sqs';
import { Controller } from '@nestjs/common';
import { Ctx, EventPattern, Payload } from '@nestjs/microservices';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import {
  DeadLetterReason,
  DLQ_REASON_ATTRIBUTE,
  LEGACY_PAYLOAD_SIZE_ATTRIBUTE,
  PAYLOAD_SIZE_ATTRIBUTE,
  POINTER_CLASS,
  SqsContext,
  type SqsEnvelope,
} from '../../src/sqs/index.js';
import { eventually } from '../support/eventually.js';
import { S3TestBackend } from '../support/s3-backend.js';
import { SqsTestBackend, TEST_CREDENTIALS, TEST_REGION, type TestQueue } from '../support/sqs-backend.js';
import { publishWithSnsExtendedClient } from '../support/sns-extended-client.js';
import { startTestMicroservice, type TestMicroservice } from '../support/test-microservice.js';

/** The 1.x Java pointer class, which the Python client writes with its legacy attribute name. */
const LEGACY_POINTER_CLASS = 'com.amazon.sqs.javamessaging.MessageS3Pointer';
/** Twice SNS's 256 KiB limit: only a claim check gets it through SNS. */
const PAYLOAD_BYTES = 512 * 1024;

interface Received {
  data: { id: string; text: string };
  body: string;
  envelope?: SqsEnvelope;
}
const received = new Map<string, Received>();

@Controller()
class BlobController {
  @EventPattern<string>('blob')
  blob(@Payload() data: Received['data'], @Ctx() ctx: SqsContext) {
    received.set(data.id, { data, body: ctx.getMessage().Body ?? '', envelope: ctx.getEnvelope() });
  }
}

const backend = process.env.SQS_TEST_BACKEND ?? 'fauxqs';
// Decided up front so that no case is skipped (a skip fails CI): SNS is served by fauxqs and moto;
// the official client's Python is the moto virtualenv's (the sqs-moto suite starts moto).
const describeWithSns = new Set(['fauxqs', 'moto']).has(backend) ? describe : () => undefined;
const itWithOfficialClient = backend === 'moto' ? it : () => undefined;

describeWithSns(`large messages through SNS (${backend})`, () => {
  let sqs: SqsTestBackend;
  let s3: S3TestBackend;
  let sns: SNSClient;
  let queue: TestQueue;
  let bucket: string;
  let service: TestMicroservice;
  const topics = new Map<boolean, string>();

  before(async () => {
    sqs = await SqsTestBackend.start();
    s3 = await S3TestBackend.start(sqs);
    sns = new SNSClient({ endpoint: sqs.endpoint, region: TEST_REGION, credentials: TEST_CREDENTIALS });
    queue = await sqs.createQueue('sns-large', { maxReceiveCount: 3 });
    bucket = await s3.createBucket('sns-large');
    for (const raw of [false, true]) topics.set(raw, await subscribedTopic(raw));
    service = await startTestMicroservice({
      controllers: [BlobController],
      server: {
        client: sqs.clientConfig(),
        queues: [{ url: queue.url }],
        waitTimeSeconds: 1,
        largePayloads: { s3: s3.clientConfig(), bucket, deleteAfterSuccess: true },
      },
    });
  });

  after(async () => {
    await service?.close();
    sns?.destroy();
    await s3?.stop();
    await sqs?.stop();
  });

  /** A topic whose subscription delivers to the queue, raw or in SNS notifications. */
  async function subscribedTopic(raw: boolean): Promise<string> {
    const { TopicArn } = await sns.send(new CreateTopicCommand({ Name: `sns-large-${randomUUID().slice(0, 8)}` }));
    const { Attributes } = await sqs.client.send(
      new GetQueueAttributesCommand({ QueueUrl: queue.url, AttributeNames: ['QueueArn'] }),
    );
    const { SubscriptionArn } = await sns.send(
      new SubscribeCommand({ TopicArn, Protocol: 'sqs', Endpoint: Attributes!.QueueArn, ReturnSubscriptionArn: true }),
    );
    await sns.send(
      new SetSubscriptionAttributesCommand({
        SubscriptionArn,
        AttributeName: 'RawMessageDelivery',
        AttributeValue: String(raw),
      }),
    );
    return TopicArn!;
  }

  /**
   * Publishes as the SNS Extended Client does (sns_extended_client/session.py, `_make_payload`):
   * the body to S3 under a UUID key, then `json.dumps([class, {"s3BucketName", "s3Key"}])` as the
   * message with the body's size as a Number attribute, beside the caller's attributes.
   */
  async function publishLikeExtendedClient(raw: boolean, data: Received['data'], legacy: boolean, key = randomUUID()) {
    const body = JSON.stringify(data);
    if (!key.startsWith('gone-')) await s3.put(bucket, key, body);
    const cls = legacy ? LEGACY_POINTER_CLASS : POINTER_CLASS;
    const attribute = legacy ? LEGACY_PAYLOAD_SIZE_ATTRIBUTE : PAYLOAD_SIZE_ATTRIBUTE;
    await sns.send(
      new PublishCommand({
        TopicArn: topics.get(raw),
        Message: `["${cls}", {"s3BucketName": "${bucket}", "s3Key": "${key}"}]`,
        MessageAttributes: {
          pattern: { DataType: 'String', StringValue: 'blob' },
          [attribute]: { DataType: 'Number', StringValue: String(Buffer.byteLength(body)) },
        },
      }),
    );
    return key;
  }

  async function assertHandled(raw: boolean, data: Received['data'], what: string): Promise<void> {
    const got = await eventually(() => received.get(data.id), what, 30_000);
    assert.deepEqual(got.data, data, 'the handler gets the payload from S3, not the pointer');
    const pointerBody = raw ? got.body : (JSON.parse(got.body) as { Message: string }).Message;
    const [cls, pointer] = JSON.parse(pointerBody) as [string, { s3BucketName: string; s3Key: string }];
    assert.match(cls, /PayloadS3Pointer|MessageS3Pointer/, 'the raw message carried a pointer');
    if (raw) assert.equal(got.envelope, undefined, 'raw delivery: no envelope');
    else assert.equal(got.envelope?.source, 'sns', 'raw delivery off: the SNS envelope is kept');
    await eventually(async () => !(await s3.exists(bucket, pointer.s3Key)), 'the S3 object deleted after success');
  }

  for (const raw of [false, true]) {
    for (const legacy of [false, true]) {
      it(`resolves the SNS Extended Client's wire format, raw delivery ${raw ? 'on' : 'off'}${legacy ? ', legacy attribute' : ''}`, async () => {
        const data = payload();
        await publishLikeExtendedClient(raw, data, legacy);
        await assertHandled(raw, data, 'the SNS pointer resolved');
      });
    }

    itWithOfficialClient(
      `resolves what the official Python SNS Extended Client publishes, raw delivery ${raw ? 'on' : 'off'}`,
      async () => {
        for (const legacy of [false, true]) {
          const data = payload();
          await publishWithSnsExtendedClient({
            endpoint: sqs.endpoint,
            region: TEST_REGION,
            topicArn: topics.get(raw)!,
            bucket,
            message: JSON.stringify(data),
            attributes: { pattern: { DataType: 'String', StringValue: 'blob' } },
            legacy,
          });
          await assertHandled(raw, data, `the official client's message handled (legacy ${legacy})`);
        }
      },
    );
  }

  it('dead-letters an SNS pointer whose S3 object is missing, with the reason payload-missing', async () => {
    const key = await publishLikeExtendedClient(false, payload(), false, `gone-${randomUUID()}`);
    const copy = await eventually(
      async () => (await sqs.drain(queue.dlqUrl!, 1, 2_000)).find((m) => m.Body?.includes(key)),
      'the dead-letter copy of the missing payload',
      30_000,
    );
    assert.equal(copy.MessageAttributes?.[DLQ_REASON_ATTRIBUTE]?.StringValue, DeadLetterReason.PayloadMissing);
    await eventually(() => sqs.isEmpty(queue.url), 'the pointer message gone from the queue');
  });
});

/** A JSON payload `{ id, text }` of PAYLOAD_BYTES bytes. */
function payload(): Received['data'] {
  const id = randomUUID();
  return { id, text: 'x'.repeat(PAYLOAD_BYTES - JSON.stringify({ id, text: '' }).length) };
}
