import type { Message, MessageAttributeValue, SendMessageCommandInput, SQSClient } from '@aws-sdk/client-sqs';
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DeadLetterForwarder } from './dead-letter-forwarder.js';
import { toHeldMessage } from '../core/held-message.js';
import type { ResolvedQueue } from '../core/queue-registry.js';
import { DeadLetterReason } from '../core/sqs.errors.js';

/** An SQSClient double that records each SendMessage and refuses the first `tooLarge` of them. */
function fakeClient(tooLarge = 0) {
  const sent: SendMessageCommandInput[] = [];
  const client = {
    send: async (command: { input: SendMessageCommandInput }) => {
      sent.push(command.input);
      if (sent.length <= tooLarge)
        throw Object.assign(new Error('Message must be shorter than 1024 bytes'), { name: 'InvalidParameterValue' });
      return { MessageId: 'copy' };
    },
  } as unknown as SQSClient;
  return { client, sent };
}

const text = (value: string): MessageAttributeValue => ({ DataType: 'String', StringValue: value });

function held(
  queue: ResolvedQueue,
  attributes: Record<string, string>,
  messageAttributes: Record<string, MessageAttributeValue> = {},
) {
  const message: Message = {
    MessageId: 'orig-1',
    ReceiptHandle: 'rh',
    Body: '{"a":1}',
    Attributes: {
      ApproximateReceiveCount: '3',
      ApproximateFirstReceiveTimestamp: '1700000000000',
      SentTimestamp: '1699999999000',
      ...attributes,
    },
    MessageAttributes: messageAttributes,
  };
  const h = toHeldMessage(message, queue, Date.now());
  h.info.pattern = 'user.registered';
  return h;
}

const standard: ResolvedQueue = {
  url: 'http://h/000000000000/work',
  fifo: false,
  deadLetterQueueUrl: 'http://h/000000000000/work-dlq',
};
const fifo: ResolvedQueue = {
  url: 'http://h/000000000000/work.fifo',
  fifo: true,
  deadLetterQueueUrl: 'http://h/000000000000/work-dlq.fifo',
};

const values = (attributes: Record<string, MessageAttributeValue> | undefined) =>
  Object.fromEntries(Object.entries(attributes ?? {}).map(([k, v]) => [k, v.StringValue]));

describe('DeadLetterForwarder', () => {
  it('says on the copy what it was: original id, source queue, receive count, first receive, pattern, reason', async () => {
    const { client, sent } = fakeClient();
    const outcome = await new DeadLetterForwarder(client).forward(
      held(standard, {}, { pattern: text('user.registered') }),
      DeadLetterReason.ValidationFailed,
      'email must be an email',
      'pattern',
    );
    assert.equal(outcome, 'moved');
    assert.deepEqual(values(sent[0]!.MessageAttributes), {
      pattern: 'user.registered',
      'dlq-reason': 'validation-failed',
      'dlq-detail': 'email must be an email',
      'dlq-source-queue': 'http://h/000000000000/work',
      'dlq-message-id': 'orig-1',
      'dlq-receive-count': '3',
      'dlq-first-received-at': '1700000000000',
      'dlq-pattern': 'user.registered',
    });
    assert.equal(sent[0]!.MessageAttributes!['dlq-receive-count']!.DataType, 'Number');
    assert.equal(sent[0]!.MessageGroupId, undefined);
  });

  it('scrubs the detail as the logs are, and rewrites the body with the deadLetterBody option', async () => {
    const { client, sent } = fakeClient();
    const message = held(standard, {});
    message.message.Body = '{"email":"ada@example.test","credentials":{"password":"hunter2"}}';
    await new DeadLetterForwarder(client, (body) => body.replace('hunter2', 'x')).forward(
      message,
      DeadLetterReason.NonRetryable,
      'Keycloak said ada@example.test, Bearer abc.def',
      'pattern',
    );
    assert.equal(sent[0]!.MessageBody, '{"email":"ada@example.test","credentials":{"password":"x"}}');
    assert.equal(values(sent[0]!.MessageAttributes)['dlq-detail'], 'Keycloak said [email], Bearer [redacted]');
    const plain = fakeClient();
    await new DeadLetterForwarder(plain.client).forward(message, DeadLetterReason.NonRetryable, 'no', 'pattern');
    assert.equal(plain.sent[0]!.MessageBody, message.message.Body, 'no option: the body as received');
  });

  it('keeps at most ten attributes, the pattern attribute first, and replaces older dlq-* attributes', async () => {
    const { client, sent } = fakeClient();
    const own = Object.fromEntries(Array.from({ length: 9 }, (_, i) => [`a${i}`, text(String(i))]));
    await new DeadLetterForwarder(client).forward(
      held(standard, {}, { ...own, 'dlq-reason': text('old'), route: text('x') }),
      DeadLetterReason.NonRetryable,
      'no',
      'route',
    );
    const attributes = values(sent[0]!.MessageAttributes);
    assert.equal(Object.keys(attributes).length, 10);
    assert.equal(attributes.route, 'x');
    assert.equal(attributes['dlq-reason'], 'non-retryable');
  });

  it("keeps the FIFO group and deduplication ids, and a fair queue's group id on a standard queue", async () => {
    const fifoCopy = fakeClient();
    await new DeadLetterForwarder(fifoCopy.client).forward(
      held(fifo, { MessageGroupId: 'g1', MessageDeduplicationId: 'd1' }),
      DeadLetterReason.MaxReceives,
      'boom',
      'pattern',
    );
    assert.equal(fifoCopy.sent[0]!.MessageGroupId, 'g1');
    assert.equal(fifoCopy.sent[0]!.MessageDeduplicationId, 'd1');
    const fair = fakeClient();
    await new DeadLetterForwarder(fair.client).forward(
      held(standard, { MessageGroupId: 'tenant-7' }),
      DeadLetterReason.MaxReceives,
      'boom',
      'pattern',
    );
    assert.equal(fair.sent[0]!.MessageGroupId, 'tenant-7');
    assert.equal(fair.sent[0]!.MessageDeduplicationId, undefined);
  });

  it('sheds the original attributes, then its own, when the dead-letter queue refuses the size', async () => {
    const { client, sent } = fakeClient(2);
    const outcome = await new DeadLetterForwarder(client).forward(
      held(standard, {}, { pattern: text('p') }),
      DeadLetterReason.NonRetryable,
      'no',
      'pattern',
    );
    assert.equal(outcome, 'moved-without-reason');
    assert.ok('pattern' in sent[0]!.MessageAttributes!);
    assert.ok(!('pattern' in sent[1]!.MessageAttributes!) && 'dlq-source-queue' in sent[1]!.MessageAttributes!);
    assert.equal(sent[2]!.MessageAttributes, undefined);
  });
});
