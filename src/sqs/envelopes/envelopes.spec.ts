import type { Message } from '@aws-sdk/client-sqs';
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { decodeMessage, UndecodableMessageError } from '../dispatch/message-decoder.js';
import { DeadLetterReason } from '../core/sqs.errors.js';

// Shapes as AWS documents them: an EventBridge rule's target delivery, an S3 event notification.
const eventBridgeEvent = {
  version: '0',
  id: '6a7e8feb-b491-4cf7-a9f1-bf3703467718',
  'detail-type': 'OrderPlaced',
  source: 'com.example.orders',
  account: '111122223333',
  time: '2026-11-22T18:43:48Z',
  region: 'eu-west-1',
  resources: [],
  detail: { orderId: 'o-42', total: 12.5 },
};

const s3Record = {
  eventVersion: '2.1',
  eventSource: 'aws:s3',
  awsRegion: 'eu-west-1',
  eventTime: '2026-11-22T18:43:48.000Z',
  eventName: 'ObjectCreated:Put',
  s3: { s3SchemaVersion: '1.0', bucket: { name: 'uploads' }, object: { key: 'a/b.csv', size: 1024 } },
};

const body = (value: unknown): Message => ({ MessageId: '1', Body: JSON.stringify(value) });
const viaSns = (value: unknown): Message =>
  body({
    Type: 'Notification',
    MessageId: 'n-1',
    TopicArn: 'arn:aws:sns:eu-west-1:1:t',
    Message: JSON.stringify(value),
  });

describe('envelopes of other AWS services', () => {
  it('unwraps an EventBridge event: detail as data, routed by detail-type then source', () => {
    const decoded = decodeMessage(body(eventBridgeEvent), 'pattern');
    assert.equal(decoded.pattern, 'OrderPlaced');
    assert.deepEqual(decoded.fallbackPatterns, ['com.example.orders']);
    assert.deepEqual(decoded.data, { orderId: 'o-42', total: 12.5 });
    assert.deepEqual(decoded.envelope, { source: 'eventbridge', body: eventBridgeEvent });
  });

  it("tries the queue's default pattern after the envelope's own", () => {
    assert.deepEqual(decodeMessage(body(eventBridgeEvent), 'pattern', 'any').fallbackPatterns, [
      'com.example.orders',
      'any',
    ]);
  });

  it('unwraps an S3 event notification: the record as data, routed by eventName then its category', () => {
    const notification = { Records: [s3Record] };
    const decoded = decodeMessage(body(notification), 'pattern');
    assert.equal(decoded.pattern, 'ObjectCreated:Put');
    assert.deepEqual(decoded.fallbackPatterns, ['ObjectCreated:*']);
    assert.deepEqual(decoded.data, s3Record);
    assert.deepEqual(decoded.envelope, { source: 's3', body: notification });
  });

  it("routes S3's test event as s3:TestEvent", () => {
    const test = { Service: 'Amazon S3', Event: 's3:TestEvent', Time: '2026-11-22T18:43:48Z', Bucket: 'uploads' };
    assert.equal(decodeMessage(body(test), 'pattern').pattern, 's3:TestEvent');
  });

  it('dead-letters an S3 notification with several records as malformed-body', () => {
    assert.throws(
      () => decodeMessage(body({ Records: [s3Record, s3Record] }), 'pattern'),
      (err: unknown) => err instanceof UndecodableMessageError && err.reason === DeadLetterReason.MalformedBody,
    );
  });

  it('unwraps an S3 notification delivered through SNS, keeping both envelopes', () => {
    const decoded = decodeMessage(viaSns({ Records: [s3Record] }), 'pattern');
    assert.equal(decoded.pattern, 'ObjectCreated:Put');
    assert.deepEqual(decoded.data, s3Record);
    assert.equal(decoded.envelope?.source, 'sns');
    assert.equal(decoded.envelope?.inner?.source, 's3');
  });

  it('lets the pattern attribute win over the envelope, and still unwraps it', () => {
    const message = {
      ...body(eventBridgeEvent),
      MessageAttributes: { pattern: { DataType: 'String', StringValue: 'p' } },
    };
    const decoded = decodeMessage(message, 'pattern');
    assert.equal(decoded.pattern, 'p');
    assert.deepEqual(decoded.data, eventBridgeEvent.detail);
    assert.equal(decoded.fallbackPatterns, undefined);
  });

  it('leaves look-alikes alone: a body with detail-type but no id or version is plain data', () => {
    const lookalike = { 'detail-type': 'x', source: 'y', detail: 1 };
    assert.deepEqual(decodeMessage(body(lookalike), 'pattern', 'd'), { pattern: 'd', data: lookalike });
  });
});
