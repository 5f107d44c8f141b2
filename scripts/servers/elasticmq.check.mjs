// Smoke run of scripts/servers/elasticmq.mjs: starts ElasticMQ, exercises every SQS call the
// transport relies on, prints what ElasticMQ answered where it is known to differ from AWS,
// then stops it. Usage: node scripts/servers/elasticmq.check.mjs
import assert from 'node:assert/strict';
import {
  ChangeMessageVisibilityCommand,
  CreateQueueCommand,
  DeleteMessageBatchCommand,
  GetQueueAttributesCommand,
  GetQueueUrlCommand,
  ListDeadLetterSourceQueuesCommand,
  ReceiveMessageCommand,
  SendMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { start } from './elasticmq.mjs';

const t0 = Date.now();
const server = await start();
console.log(`started at ${server.env.SQS_TEST_ENDPOINT} in ${Date.now() - t0} ms`);
const sqs = new SQSClient({
  endpoint: server.env.SQS_TEST_ENDPOINT,
  region: 'us-east-1',
  credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
});
const step = (name) => console.log(`ok  ${name}`);
const note = (text) => console.log(`    note: ${text}`);

try {
  // CreateQueue, SendMessage, long-poll ReceiveMessage.
  const { QueueUrl: work } = await sqs.send(
    new CreateQueueCommand({ QueueName: 'smoke-work', Attributes: { VisibilityTimeout: '30' } }),
  );
  assert.ok(work);
  step(`CreateQueue -> ${work}`);
  const waited = Date.now();
  const empty = await sqs.send(
    new ReceiveMessageCommand({ QueueUrl: work, WaitTimeSeconds: 2, MaxNumberOfMessages: 10 }),
  );
  assert.equal(empty.Messages?.length ?? 0, 0);
  const waitedMs = Date.now() - waited;
  assert.ok(waitedMs >= 1_800, `long poll returned after ${waitedMs} ms`);
  step(`ReceiveMessage WaitTimeSeconds=2 on an empty queue waited ${waitedMs} ms`);
  const sent = await sqs.send(
    new SendMessageCommand({
      QueueUrl: work,
      MessageBody: '{"username":"smoke"}',
      MessageAttributes: { pattern: { DataType: 'String', StringValue: 'users.register' } },
    }),
  );
  step(`SendMessage -> ${sent.MessageId}`);
  const got = await sqs.send(
    new ReceiveMessageCommand({
      QueueUrl: work,
      WaitTimeSeconds: 5,
      MaxNumberOfMessages: 10,
      MessageAttributeNames: ['All'],
      MessageSystemAttributeNames: ['All'],
    }),
  );
  const [message] = got.Messages ?? [];
  assert.equal(message?.Body, '{"username":"smoke"}');
  assert.equal(message.MessageAttributes?.pattern?.StringValue, 'users.register');
  step('ReceiveMessage (long poll) got the message with its attribute');
  note(`system attributes: ${JSON.stringify(message.Attributes)}`);

  // ChangeMessageVisibility: 0 makes it visible again, and the receive count goes up.
  await sqs.send(
    new ChangeMessageVisibilityCommand({ QueueUrl: work, ReceiptHandle: message.ReceiptHandle, VisibilityTimeout: 0 }),
  );
  const again = await sqs.send(
    new ReceiveMessageCommand({
      QueueUrl: work,
      WaitTimeSeconds: 5,
      MessageSystemAttributeNames: ['ApproximateReceiveCount'],
    }),
  );
  assert.equal(again.Messages?.[0]?.MessageId, message.MessageId);
  assert.equal(again.Messages[0].Attributes?.ApproximateReceiveCount, '2');
  step('ChangeMessageVisibility 0 -> received again with ApproximateReceiveCount 2');
  const extended = await sqs.send(
    new ChangeMessageVisibilityCommand({
      QueueUrl: work,
      ReceiptHandle: again.Messages[0].ReceiptHandle,
      VisibilityTimeout: 60,
    }),
  );
  assert.ok(extended);
  const hidden = await sqs.send(new ReceiveMessageCommand({ QueueUrl: work, WaitTimeSeconds: 1 }));
  assert.equal(hidden.Messages?.length ?? 0, 0);
  step('ChangeMessageVisibility 60 (heartbeat) keeps it hidden');
  try {
    await sqs.send(
      new ChangeMessageVisibilityCommand({
        QueueUrl: work,
        ReceiptHandle: message.ReceiptHandle,
        VisibilityTimeout: 10,
      }),
    );
    note(
      'ChangeMessageVisibility with a stale receipt handle was accepted (AWS: accepted too, or InvalidParameterValue when expired)',
    );
  } catch (err) {
    note(`ChangeMessageVisibility with a stale receipt handle -> ${err.name}: ${err.message}`);
  }

  // DeleteMessageBatch with one good and one bad entry: partial failure, not an exception.
  await sqs.send(new SendMessageCommand({ QueueUrl: work, MessageBody: 'second' }));
  const batch = await sqs.send(new ReceiveMessageCommand({ QueueUrl: work, WaitTimeSeconds: 5 }));
  const deleted = await sqs.send(
    new DeleteMessageBatchCommand({
      QueueUrl: work,
      Entries: [
        { Id: 'first', ReceiptHandle: again.Messages[0].ReceiptHandle },
        { Id: 'second', ReceiptHandle: batch.Messages[0].ReceiptHandle },
        { Id: 'bogus', ReceiptHandle: 'not-a-receipt-handle' },
      ],
    }),
  );
  assert.deepEqual((deleted.Successful ?? []).map((e) => e.Id).sort(), ['first', 'second']);
  step(
    `DeleteMessageBatch: successful ${JSON.stringify(deleted.Successful?.map((e) => e.Id))}, failed ${JSON.stringify(deleted.Failed)}`,
  );

  // Redrive: maxReceiveCount 2 moves the message to the DLQ on the third receive.
  const { QueueUrl: dlq } = await sqs.send(new CreateQueueCommand({ QueueName: 'smoke-dlq' }));
  const { Attributes: dlqAttrs } = await sqs.send(
    new GetQueueAttributesCommand({ QueueUrl: dlq, AttributeNames: ['QueueArn'] }),
  );
  note(`DLQ ARN: ${dlqAttrs?.QueueArn}`);
  const { QueueUrl: redriven } = await sqs.send(
    new CreateQueueCommand({
      QueueName: 'smoke-redriven',
      Attributes: {
        VisibilityTimeout: '1',
        RedrivePolicy: JSON.stringify({ deadLetterTargetArn: dlqAttrs.QueueArn, maxReceiveCount: 2 }),
      },
    }),
  );
  const { Attributes: redriveAttrs } = await sqs.send(
    new GetQueueAttributesCommand({ QueueUrl: redriven, AttributeNames: ['All'] }),
  );
  note(`RedrivePolicy read back: ${redriveAttrs?.RedrivePolicy}`);
  const sources = await sqs.send(new ListDeadLetterSourceQueuesCommand({ QueueUrl: dlq }));
  note(`ListDeadLetterSourceQueues: ${JSON.stringify(sources.queueUrls)}`);
  await sqs.send(new SendMessageCommand({ QueueUrl: redriven, MessageBody: 'poison' }));
  for (let i = 1; i <= 2; i++) {
    const r = await sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: redriven,
        WaitTimeSeconds: 5,
        MessageSystemAttributeNames: ['ApproximateReceiveCount'],
      }),
    );
    assert.equal(r.Messages?.[0]?.Body, 'poison', `receive ${i}`);
    assert.equal(r.Messages[0].Attributes?.ApproximateReceiveCount, String(i));
    await new Promise((res) => setTimeout(res, 1_200));
  }
  const third = await sqs.send(new ReceiveMessageCommand({ QueueUrl: redriven, WaitTimeSeconds: 2 }));
  assert.equal(third.Messages?.length ?? 0, 0, 'the third receive should have moved it to the DLQ');
  const dead = await sqs.send(
    new ReceiveMessageCommand({ QueueUrl: dlq, WaitTimeSeconds: 5, MessageSystemAttributeNames: ['All'] }),
  );
  assert.equal(dead.Messages?.[0]?.Body, 'poison');
  step('RedrivePolicy maxReceiveCount 2 moved the message to the DLQ');
  note(`DLQ message attributes: ${JSON.stringify(dead.Messages[0].Attributes)}`);

  // FIFO: order within a group, deduplication by id.
  const { QueueUrl: fifo } = await sqs.send(
    new CreateQueueCommand({
      QueueName: 'smoke.fifo',
      Attributes: { FifoQueue: 'true', ContentBasedDeduplication: 'false' },
    }),
  );
  for (const [n, dedup] of [
    ['1', 'a'],
    ['2', 'b'],
    ['2-dup', 'b'],
    ['3', 'c'],
  ]) {
    await sqs.send(
      new SendMessageCommand({ QueueUrl: fifo, MessageBody: n, MessageGroupId: 'g1', MessageDeduplicationId: dedup }),
    );
  }
  const ordered = await sqs.send(
    new ReceiveMessageCommand({
      QueueUrl: fifo,
      MaxNumberOfMessages: 10,
      WaitTimeSeconds: 2,
      MessageSystemAttributeNames: ['All'],
    }),
  );
  assert.deepEqual(
    ordered.Messages?.map((m) => m.Body),
    ['1', '2', '3'],
  );
  step('FIFO queue: group order kept, duplicate dropped');
  note(`FIFO system attributes: ${JSON.stringify(ordered.Messages[0].Attributes)}`);
  const blocked = await sqs.send(new ReceiveMessageCommand({ QueueUrl: fifo, WaitTimeSeconds: 1 }));
  assert.equal(blocked.Messages?.length ?? 0, 0);
  step('FIFO group stays locked while its messages are in flight');

  // Errors the transport maps: a missing queue and an out-of-range argument.
  try {
    await sqs.send(new GetQueueUrlCommand({ QueueName: 'does-not-exist' }));
    assert.fail('GetQueueUrl of a missing queue succeeded');
  } catch (err) {
    note(`missing queue -> ${err.name} (AWS: QueueDoesNotExist)`);
  }
  try {
    await sqs.send(new ReceiveMessageCommand({ QueueUrl: work, MaxNumberOfMessages: 11 }));
    note('MaxNumberOfMessages=11 accepted (AWS rejects it)');
  } catch (err) {
    note(`MaxNumberOfMessages=11 -> ${err.name}`);
  }
} finally {
  sqs.destroy();
  const t1 = Date.now();
  await server.stop();
  console.log(`stopped in ${Date.now() - t1} ms`);
}
