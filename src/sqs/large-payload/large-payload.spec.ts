import { S3Client } from '@aws-sdk/client-s3';
import type { Message } from '@aws-sdk/client-sqs';
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DeadLetterReason, RetryableError } from '../core/sqs.errors.js';
import { UndecodableMessageError } from '../core/undecodable-message.error.js';
import { PayloadOffloader, type OutgoingMessage } from './payload-offloader.js';
import { formatPointer, PAYLOAD_SIZE_ATTRIBUTE, POINTER_CLASS } from './payload-pointer.js';
import { PayloadResolver } from './payload-resolver.js';

/** An S3Client whose every call answers with `answer` (a value, or an error to throw). */
function stubS3(answer: (command: { input: unknown }) => unknown): S3Client & { calls: unknown[] } {
  const client = new S3Client({ region: 'us-east-1' }) as S3Client & { calls: unknown[] };
  client.calls = [];
  client.send = (async (command: { input: unknown }) => {
    client.calls.push(command.input);
    return answer(command);
  }) as S3Client['send'];
  return client;
}

const s3Error = (name: string, status: number) =>
  Object.assign(new Error(name), { name, $metadata: { httpStatusCode: status } });

const pointerMessage = (bucket = 'b', key = 'k'): Message => ({
  MessageId: '1',
  Body: formatPointer({ bucket, key }),
  MessageAttributes: { [PAYLOAD_SIZE_ATTRIBUTE]: { DataType: 'Number', StringValue: '5' } },
});

async function reasonOf(promise: Promise<unknown>): Promise<DeadLetterReason | 'retryable'> {
  try {
    await promise;
  } catch (err) {
    if (err instanceof RetryableError) return 'retryable';
    if (err instanceof UndecodableMessageError) return err.reason;
    throw err;
  }
  assert.fail('expected a rejection');
}

describe('PayloadResolver', () => {
  it('leaves a message without the ExtendedPayloadSize attribute alone, S3 untouched', async () => {
    const s3 = stubS3(() => assert.fail('no S3 call'));
    const message = { MessageId: '1', Body: JSON.stringify([POINTER_CLASS, { s3BucketName: 'b', s3Key: 'k' }]) };
    assert.equal((await new PayloadResolver({ s3 }).resolve(message)).message, message);
  });

  it('dead-letters a missing object (payload-missing) and retries any other S3 failure', async () => {
    const missing = new PayloadResolver({ s3: stubS3(() => Promise.reject(s3Error('NoSuchKey', 404))) });
    assert.equal(await reasonOf(missing.resolve(pointerMessage())), DeadLetterReason.PayloadMissing);
    const down = new PayloadResolver({ s3: stubS3(() => Promise.reject(s3Error('ServiceUnavailable', 503))) });
    assert.equal(await reasonOf(down.resolve(pointerMessage())), 'retryable', 'an S3 outage is retried');
    const refused = new PayloadResolver({ s3: stubS3(() => Promise.reject(new Error('connect ECONNREFUSED'))) });
    assert.equal(await reasonOf(refused.resolve(pointerMessage())), 'retryable');
  });

  it('reads only the configured bucket, and dead-letters pointers when no S3 is configured', async () => {
    const s3 = stubS3(() => assert.fail('no S3 call'));
    const resolver = new PayloadResolver({ s3, bucket: 'mine' });
    assert.equal(await reasonOf(resolver.resolve(pointerMessage('theirs'))), DeadLetterReason.PayloadMissing);
    assert.equal(await reasonOf(new PayloadResolver().resolve(pointerMessage())), DeadLetterReason.PayloadMissing);
  });

  it('dead-letters a body that is no pointer as malformed-body', async () => {
    const message = { ...pointerMessage(), Body: '{"a":1}' };
    const resolver = new PayloadResolver({ s3: stubS3(() => undefined) });
    assert.equal(await reasonOf(resolver.resolve(message)), DeadLetterReason.MalformedBody);
  });

  it('deletes the object after success only when deleteAfterSuccess is set', async () => {
    const kept = stubS3(() => ({}));
    await new PayloadResolver({ s3: kept }).discard({ bucket: 'b', key: 'k' });
    assert.equal(kept.calls.length, 0);
    const deleted = stubS3(() => ({}));
    await new PayloadResolver({ s3: deleted, deleteAfterSuccess: true }).discard({ bucket: 'b', key: 'k' });
    assert.deepEqual(deleted.calls, [{ Bucket: 'b', Key: 'k' }]);
  });
});

describe('PayloadOffloader', () => {
  it('offloads only above the threshold, in the Extended Client format', async () => {
    const s3 = stubS3(() => ({}));
    const offloader = new PayloadOffloader({ s3, bucket: 'b', thresholdBytes: 10, keyPrefix: 'p/' });
    const small = { MessageBody: '12345' };
    assert.equal(await offloader.offload(small), small);
    const large = await offloader.offload<OutgoingMessage>({ MessageBody: '"0123456789"' });
    const [cls, pointer] = JSON.parse(large.MessageBody!) as [string, { s3BucketName: string; s3Key: string }];
    assert.equal(cls, POINTER_CLASS);
    assert.equal(pointer.s3BucketName, 'b');
    assert.match(pointer.s3Key, /^p\/[0-9a-f-]{36}$/);
    assert.deepEqual(large.MessageAttributes, { [PAYLOAD_SIZE_ATTRIBUTE]: { DataType: 'Number', StringValue: '12' } });
    assert.deepEqual(s3.calls, [{ Bucket: 'b', Key: pointer.s3Key, Body: '"0123456789"' }]);
  });
});
