import { S3Client } from '@aws-sdk/client-s3';
import type { Message } from '@aws-sdk/client-sqs';
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { decodeMessage } from '../dispatch/message-decoder.js';
import { DeadLetterReason } from '../core/sqs.errors.js';
import { UndecodableMessageError } from '../core/undecodable-message.error.js';
import { LEGACY_PAYLOAD_SIZE_ATTRIBUTE, PAYLOAD_SIZE_ATTRIBUTE, POINTER_CLASS } from './payload-pointer.js';
import { PayloadResolver } from './payload-resolver.js';

const PAYLOAD = JSON.stringify({ id: 'u-1', text: 'x'.repeat(300_000) });
const TOPIC = 'arn:aws:sns:us-east-1:000000000000:users';

/** An S3 whose objects are `objects` (key -> body); any other key is NoSuchKey. */
function fakeS3(objects: Record<string, string>): S3Client & { reads: string[] } {
  const client = new S3Client({ region: 'us-east-1' }) as S3Client & { reads: string[] };
  client.reads = [];
  client.send = (async (command: { input: { Key: string } }) => {
    client.reads.push(command.input.Key);
    const body = objects[command.input.Key];
    if (body === undefined)
      throw Object.assign(new Error('gone'), { name: 'NoSuchKey', $metadata: { httpStatusCode: 404 } });
    return { Body: { transformToString: async () => body } };
  }) as unknown as S3Client['send'];
  return client;
}

/**
 * What SQS delivers when the SNS Extended Client publishes a large message to a subscription with
 * raw delivery off: the pointer is the notification's `Message`, the size its attribute.
 */
function snsPointerMessage(key: string, attribute = PAYLOAD_SIZE_ATTRIBUTE, message?: string): Message {
  const notification = {
    Type: 'Notification',
    MessageId: 'sns-1',
    TopicArn: TOPIC,
    Message: message ?? JSON.stringify([POINTER_CLASS, { s3BucketName: 'b', s3Key: key }]),
    Timestamp: '2026-01-01T00:00:00.000Z',
    MessageAttributes: {
      pattern: { Type: 'String', Value: 'user.signed-up' },
      [attribute]: { Type: 'Number', Value: String(PAYLOAD.length) },
    },
  };
  return { MessageId: 'm-1', Body: JSON.stringify(notification), MessageAttributes: {} };
}

async function reasonOf(promise: Promise<unknown>): Promise<DeadLetterReason> {
  const err = await promise.then(
    () => assert.fail('expected a rejection'),
    (e: unknown) => e,
  );
  assert.ok(err instanceof UndecodableMessageError, String(err));
  return err.reason;
}

describe('PayloadResolver, SNS Extended Client pointers inside an SNS notification', () => {
  for (const attribute of [PAYLOAD_SIZE_ATTRIBUTE, LEGACY_PAYLOAD_SIZE_ATTRIBUTE]) {
    it(`puts the S3 payload in the pointer's place (${attribute}): the handler gets the payload`, async () => {
      const s3 = fakeS3({ k: PAYLOAD });
      const resolved = await new PayloadResolver({ s3 }).resolve(snsPointerMessage('k', attribute));
      assert.deepEqual(resolved.pointer, { bucket: 'b', key: 'k' }, 'kept, to delete the object after success');
      const decoded = decodeMessage(resolved.message, 'pattern');
      assert.equal(decoded.pattern, 'user.signed-up', 'still routed by the SNS attribute');
      assert.deepEqual(decoded.data, JSON.parse(PAYLOAD));
      assert.equal(decoded.envelope?.source, 'sns');
      assert.equal((decoded.envelope?.body as { TopicArn: string }).TopicArn, TOPIC);
    });
  }

  it('dead-letters a pointer whose object is missing as payload-missing, as for SQS pointers', async () => {
    const resolver = new PayloadResolver({ s3: fakeS3({}) });
    assert.equal(await reasonOf(resolver.resolve(snsPointerMessage('gone'))), DeadLetterReason.PayloadMissing);
    const unconfigured = new PayloadResolver();
    assert.equal(await reasonOf(unconfigured.resolve(snsPointerMessage('k'))), DeadLetterReason.PayloadMissing);
  });

  it('dead-letters a notification that carries the attribute but no pointer as malformed-body', async () => {
    const resolver = new PayloadResolver({ s3: fakeS3({}) });
    const message = snsPointerMessage('k', PAYLOAD_SIZE_ATTRIBUTE, '{"id":"u-1"}');
    assert.equal(await reasonOf(resolver.resolve(message)), DeadLetterReason.MalformedBody);
  });

  it('leaves alone look-alikes and SNS notifications without the attribute, S3 untouched', async () => {
    const s3 = fakeS3({});
    const resolver = new PayloadResolver({ s3 });
    const mentions = { MessageId: '1', Body: JSON.stringify({ note: 'ExtendedPayloadSize"' }) };
    assert.equal((await resolver.resolve(mentions)).message, mentions);
    const small = snsPointerMessage('k');
    const body = JSON.parse(small.Body!) as { MessageAttributes: Record<string, unknown> };
    delete body.MessageAttributes[PAYLOAD_SIZE_ATTRIBUTE];
    const plain = { ...small, Body: JSON.stringify(body) };
    assert.equal((await resolver.resolve(plain)).message, plain);
    assert.deepEqual(s3.reads, []);
  });
});
