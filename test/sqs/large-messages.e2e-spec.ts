// Messages at SQS's 1 MiB limit, and payloads above it through S3 (claim check, in the pointer
// format of AWS's SQS Extended Client libraries), end to end: SqsClient -> SQS (+ S3) -> SqsServer.
// S3 is the test server's own (fauxqs, moto), or an in-process fauxqs's when the server has none.
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
  SqsClient,
  SqsContext,
} from '../../src/sqs/index.js';
import { eventually } from '../support/eventually.js';
import { S3TestBackend } from '../support/s3-backend.js';
import { SqsTestBackend, type TestQueue } from '../support/sqs-backend.js';
import { startTestMicroservice, type TestMicroservice } from '../support/test-microservice.js';

const MIB = 1_048_576;
const received = new Map<string, { data: unknown; body: string }>();

@Controller()
class BlobController {
  @EventPattern<string>('blob')
  blob(@Payload() data: { id: string; text: string }, @Ctx() ctx: SqsContext) {
    received.set(data.id, { data, body: ctx.getMessage().Body ?? '' });
  }
}

/** A JSON payload `{ id, text }` of exactly `bytes` bytes. */
function payload(bytes: number): { id: string; text: string } {
  const id = randomUUID();
  const overhead = JSON.stringify({ id, text: '' }).length;
  return { id, text: 'x'.repeat(bytes - overhead) };
}

describe(`large messages (${process.env.SQS_TEST_BACKEND ?? 'fauxqs'})`, () => {
  let sqs: SqsTestBackend;
  let s3: S3TestBackend;
  let queue: TestQueue;
  let bucket: string;
  let service: TestMicroservice;
  let producer: SqsClient;
  const deadLettered: Array<{ messageId: string; reason: string }> = [];

  before(async () => {
    sqs = await SqsTestBackend.start();
    s3 = await S3TestBackend.start(sqs);
    queue = await sqs.createQueue('large', { maxReceiveCount: 3 });
    bucket = await s3.createBucket('large');
    service = await startTestMicroservice({
      controllers: [BlobController],
      server: {
        client: sqs.clientConfig(),
        queues: [{ url: queue.url }],
        waitTimeSeconds: 1,
        largePayloads: { s3: s3.clientConfig(), bucket, deleteAfterSuccess: true },
      },
    });
    service.server.on('dead_lettered', (info, reason) => deadLettered.push({ messageId: info.messageId, reason }));
    producer = new SqsClient({
      queueUrl: queue.url,
      client: sqs.clientConfig(),
      largePayloads: { s3: s3.clientConfig(), bucket, keyPrefix: 'claims/' },
    });
  });

  after(async () => {
    await producer?.close();
    await service?.close();
    await s3?.stop();
    await sqs?.stop();
  });

  it('carries a message of 1 MiB (body and attributes) through SqsClient and SqsServer without S3', async () => {
    // The pattern attribute ("pattern", "String", "blob") takes 17 bytes of the 1 MiB.
    const data = payload(MIB - 17);
    const [messageId] = await producer.emitBatch('blob', [data]);
    const got = await eventually(() => received.get(data.id), 'the 1 MiB message handled', 30_000);
    assert.deepEqual(got.data, data);
    assert.ok(!got.body.includes(POINTER_CLASS), `sent inline, not offloaded (${messageId})`);
    await eventually(() => sqs.isEmpty(queue.url), 'the 1 MiB message deleted');
  });

  it('offloads a 3 MiB payload to S3, resolves it before dispatch, and deletes the object after success', async () => {
    const data = payload(3 * MIB);
    await producer.emitBatch('blob', [data]);
    const got = await eventually(() => received.get(data.id), 'the 3 MiB payload handled', 30_000);
    assert.deepEqual(got.data, data, 'the handler gets the payload, not the pointer');
    const [cls, pointer] = JSON.parse(got.body) as [string, { s3BucketName: string; s3Key: string }];
    assert.equal(cls, POINTER_CLASS, 'the raw message is an Extended Client pointer');
    assert.equal(pointer.s3BucketName, bucket);
    assert.match(pointer.s3Key, /^claims\//);
    await eventually(async () => !(await s3.exists(bucket, pointer.s3Key)), 'the S3 object deleted after success');
    await eventually(() => sqs.isEmpty(queue.url), 'the pointer message deleted');
  });

  it('reads a pointer written by the Java or Python Extended Client (legacy attribute name too)', async () => {
    for (const attribute of [PAYLOAD_SIZE_ATTRIBUTE, LEGACY_PAYLOAD_SIZE_ATTRIBUTE]) {
      const data = payload(2 * MIB);
      const key = randomUUID();
      await s3.put(bucket, key, JSON.stringify(data));
      await sqs.send(queue.url, JSON.stringify([POINTER_CLASS, { s3BucketName: bucket, s3Key: key }]), {
        pattern: 'blob',
        attributes: { [attribute]: { DataType: 'Number', StringValue: String(2 * MIB) } },
      });
      const got = await eventually(() => received.get(data.id), `a pointer with ${attribute} resolved`, 30_000);
      assert.deepEqual(got.data, data);
    }
  });

  it('dead-letters a pointer whose S3 object is missing, with the reason payload-missing', async () => {
    const id = await sqs.send(queue.url, JSON.stringify([POINTER_CLASS, { s3BucketName: bucket, s3Key: 'gone' }]), {
      pattern: 'blob',
      attributes: { [PAYLOAD_SIZE_ATTRIBUTE]: { DataType: 'Number', StringValue: '2000000' } },
    });
    await eventually(() => deadLettered.find((d) => d.messageId === id), 'the missing payload dead-lettered');
    assert.equal(deadLettered.find((d) => d.messageId === id)?.reason, DeadLetterReason.PayloadMissing);
    const [copy] = await sqs.drain(queue.dlqUrl!, 1);
    assert.equal(copy?.MessageAttributes?.[DLQ_REASON_ATTRIBUTE]?.StringValue, DeadLetterReason.PayloadMissing);
  });

  it('dead-letters a full-size message without its reason attributes, the reason in the event (and log)', async () => {
    // "pattern", "String", "no.handler": 23 bytes of attributes; the body fills the rest of the 1 MiB.
    const data = payload(MIB - 23);
    const messageId = await sqs.send(queue.url, JSON.stringify(data), { pattern: 'no.handler' });
    await eventually(() => deadLettered.find((d) => d.messageId === messageId), 'the full-size message dead-lettered');
    assert.equal(deadLettered.find((d) => d.messageId === messageId)?.reason, DeadLetterReason.NoHandler);
    const copies = await sqs.drain(queue.dlqUrl!, 1);
    const copy = copies.find((m) => m.Body === JSON.stringify(data));
    assert.ok(copy, 'the copy is in the dead-letter queue, body intact');
    // fauxqs counts attributes against the limit, as AWS does; moto and ElasticMQ count only the
    // body, so there the reason attributes still fit.
    if (sqs.name === 'fauxqs') {
      assert.equal(copy.MessageAttributes?.[DLQ_REASON_ATTRIBUTE], undefined, 'no room for the reason at 1 MiB');
    }
  });
});
