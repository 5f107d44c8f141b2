// Messages that can never succeed go straight to the DLQ with their reason; failing ones are
// retried with backoff until the redrive policy moves them. Nothing is dropped.
import { Controller } from '@nestjs/common';
import { Ctx, MessagePattern, Payload } from '@nestjs/microservices';
import { IsEmail, IsString, MinLength } from 'class-validator';
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  DeadLetterReason,
  DLQ_DETAIL_ATTRIBUTE,
  DLQ_REASON_ATTRIBUTE,
  NonRetryableError,
  SqsContext,
  SqsEventPattern,
} from '../../src/sqs/index.js';
import { eventually } from '../support/eventually.js';
import { Recorder } from '../support/recorder.js';
import { SqsTestBackend, type TestQueue } from '../support/sqs-backend.js';
import { startTestMicroservice, type TestMicroservice } from '../support/test-microservice.js';

const recorder = new Recorder();

class SignupDto {
  @IsString() @MinLength(3) username!: string;
  @IsEmail() email!: string;
}

@Controller()
class PoisonController {
  @MessagePattern('signup')
  signup(@Payload() dto: SignupDto, @Ctx() ctx: SqsContext) {
    recorder.start('signup', dto, ctx);
  }

  @SqsEventPattern('refuse')
  refuse(@Payload() data: unknown, @Ctx() ctx: SqsContext) {
    recorder.start('refuse', data, ctx);
    throw new NonRetryableError('account is closed');
  }

  @SqsEventPattern('always.fails')
  alwaysFails(@Payload() data: unknown, @Ctx() ctx: SqsContext) {
    recorder.start('always.fails', data, ctx);
    throw new Error('downstream keeps failing');
  }
}

function reasonOf(message: { MessageAttributes?: Record<string, { StringValue?: string }> }) {
  return {
    reason: message.MessageAttributes?.[DLQ_REASON_ATTRIBUTE]?.StringValue,
    detail: message.MessageAttributes?.[DLQ_DETAIL_ATTRIBUTE]?.StringValue ?? '',
  };
}

describe(`dead-letter handling (${process.env.SQS_TEST_BACKEND ?? 'fauxqs'})`, () => {
  let sqs: SqsTestBackend;
  let queue: TestQueue;
  let service: TestMicroservice;
  const deadLettered: string[] = [];

  before(async () => {
    sqs = await SqsTestBackend.start();
    queue = await sqs.createQueue('poison', { maxReceiveCount: 3 });
    service = await startTestMicroservice({
      controllers: [PoisonController],
      server: {
        client: sqs.clientConfig(),
        queues: [{ url: queue.url }],
        waitTimeSeconds: 1,
        backoff: { baseSeconds: 1, maxSeconds: 2 },
      },
    });
    service.server.on('dead_lettered', (info) => deadLettered.push(info.messageId));
  });

  after(async () => {
    await service?.close();
    await sqs?.stop();
  });

  it('sends each kind of poison message to the DLQ once, with its reason, and deletes it', async () => {
    const poison: Array<[string, Parameters<SqsTestBackend['send']>[2], DeadLetterReason]> = [
      ['{not json', { pattern: 'signup' }, DeadLetterReason.MalformedBody],
      [JSON.stringify({ x: 1 }), {}, DeadLetterReason.NoPattern],
      [JSON.stringify({ x: 1 }), { pattern: 'nobody.listens' }, DeadLetterReason.NoHandler],
      [
        JSON.stringify({ username: 'x', email: 'not-an-email' }),
        { pattern: 'signup' },
        DeadLetterReason.ValidationFailed,
      ],
      [JSON.stringify({ id: 1 }), { pattern: 'refuse' }, DeadLetterReason.NonRetryable],
      [
        JSON.stringify({ id: 2 }),
        { attributes: { pattern: { DataType: 'Number', StringValue: '42' } } },
        DeadLetterReason.MalformedAttribute,
      ],
    ];
    const ids = new Map<string, DeadLetterReason>();
    for (const [body, options, reason] of poison) ids.set(await sqs.send(queue.url, body, options), reason);
    const good = await sqs.send(queue.url, JSON.stringify({ username: 'alice', email: 'alice@example.com' }), {
      pattern: 'signup',
    });

    await eventually(() => recorder.callsFor(good).length === 1, 'the good message handled');
    const moved = await sqs.drain(queue.dlqUrl!, poison.length);
    assert.equal(moved.length, poison.length);
    for (const message of moved) {
      // The copy in the DLQ has a new id; match it to the original by body and attributes.
      const { reason, detail } = reasonOf(message);
      assert.ok(
        reason && Object.values(DeadLetterReason).includes(reason as DeadLetterReason),
        `reason attribute on ${message.Body}`,
      );
      assert.ok(detail.length > 0, 'a detail is stored');
      assert.ok(!detail.includes('not-an-email'), 'the detail does not echo payload values');
    }
    assert.deepEqual(moved.map((m) => reasonOf(m).reason).sort(), [...ids.values()].sort());
    await eventually(() => sqs.isEmpty(queue.url), 'originals deleted from the work queue');
    assert.equal(deadLettered.length, poison.length);
    // Handlers ran at most once for the poison that reached them: no retries.
    for (const id of ids.keys()) assert.ok(recorder.callsFor(id).length <= 1);
  });

  it('retries a failing message with growing delays, and moves it itself on its last receive, with the reason', async () => {
    const id = await sqs.send(queue.url, JSON.stringify({ n: 1 }), { pattern: 'always.fails' });
    const moved = await eventually(
      async () => {
        const found = await sqs.drain(queue.dlqUrl!, 1, 1_000);
        return found.find((m) => m.Body === JSON.stringify({ n: 1 }));
      },
      'redriven to the DLQ',
      60_000,
    );
    const calls = recorder.callsFor(id);
    assert.deepEqual(
      calls.map((c) => c.receiveCount),
      [1, 2, 3],
      'handled maxReceiveCount times, each with a new receive',
    );
    assert.ok(calls[1]!.startedAt - calls[0]!.startedAt >= 400, 'first retry waited');
    // The transport read maxReceiveCount (3) from the redrive policy: the third failure is the
    // last, so it moves the message itself and the copy says why (the policy's move would not).
    assert.equal(reasonOf(moved).reason, 'max-receives');
    assert.match(reasonOf(moved).detail ?? '', /^last attempt \(receive 3 of 3\) failed: /);
  });
});
