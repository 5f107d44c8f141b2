import type { Message } from '@aws-sdk/client-sqs';
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { decodeMessage, UndecodableMessageError } from './message-decoder.js';
import { DeadLetterReason } from '../core/sqs.errors.js';

function message(body: string, attributes: Message['MessageAttributes'] = {}): Message {
  return { MessageId: '1', Body: body, MessageAttributes: attributes };
}

function reasonOf(fn: () => unknown): DeadLetterReason {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof UndecodableMessageError);
    return err.reason;
  }
  assert.fail('expected an UndecodableMessageError');
}

describe('decodeMessage', () => {
  const pattern = (value: string, type = 'String') => ({ pattern: { DataType: type, StringValue: value } });

  it('takes the pattern from the message attribute and the whole body as data', () => {
    assert.deepEqual(decodeMessage(message('{"a":1}', pattern('x')), 'pattern'), { pattern: 'x', data: { a: 1 } });
  });

  it('accepts String subtypes such as String.Pattern', () => {
    assert.equal(decodeMessage(message('1', pattern('x', 'String.Pattern')), 'pattern').pattern, 'x');
  });

  it('reads a Nest-style { pattern, data } body, with string or object patterns', () => {
    assert.deepEqual(decodeMessage(message('{"pattern":"p","data":[1]}'), 'pattern'), { pattern: 'p', data: [1] });
    assert.equal(decodeMessage(message('{"pattern":{"cmd":"sum"},"data":1}'), 'pattern').pattern, '{"cmd":"sum"}');
  });

  it("falls back to the queue's default pattern", () => {
    assert.deepEqual(decodeMessage(message('{"a":1}'), 'pattern', 'fallback'), { pattern: 'fallback', data: { a: 1 } });
  });

  it('prefers the attribute over an envelope-looking body', () => {
    assert.deepEqual(decodeMessage(message('{"pattern":"p","data":1}', pattern('x')), 'pattern').pattern, 'x');
  });

  it('unwraps SNS notifications, reading the pattern from SNS attributes', () => {
    const sns = JSON.stringify({
      Type: 'Notification',
      TopicArn: 'arn:aws:sns:us-east-1:1:t',
      Message: '{"a":2}',
      MessageAttributes: { pattern: { Type: 'String', Value: 'from-sns' } },
    });
    assert.deepEqual(decodeMessage(message(sns), 'pattern'), {
      pattern: 'from-sns',
      data: { a: 2 },
      envelope: { source: 'sns', body: JSON.parse(sns) },
    });
  });

  it('names the reason for messages that can never be routed', () => {
    assert.equal(
      reasonOf(() => decodeMessage(message('{oops', pattern('x')), 'pattern')),
      DeadLetterReason.MalformedBody,
    );
    assert.equal(
      reasonOf(() => decodeMessage(message('{"a":1}'), 'pattern')),
      DeadLetterReason.NoPattern,
    );
    assert.equal(
      reasonOf(() => decodeMessage(message('{"a":1}', pattern('7', 'Number')), 'pattern')),
      DeadLetterReason.MalformedAttribute,
    );
    assert.equal(
      reasonOf(() => decodeMessage(message('{"pattern":"","data":1}'), 'pattern')),
      DeadLetterReason.NoPattern,
    );
    const badSns = JSON.stringify({ Type: 'Notification', TopicArn: 'arn', Message: 'not json' });
    assert.equal(
      reasonOf(() => decodeMessage(message(badSns, pattern('x')), 'pattern')),
      DeadLetterReason.MalformedBody,
    );
  });

  it('never echoes the body in the reason', () => {
    assert.throws(
      () => decodeMessage(message('{"email":"jane@example.com",'), 'pattern', 'p'),
      (err: unknown) => {
        assert.ok(err instanceof UndecodableMessageError);
        assert.equal(err.reason, DeadLetterReason.MalformedBody);
        assert.doesNotMatch(err.message, /jane/);
        return true;
      },
    );
  });
});
