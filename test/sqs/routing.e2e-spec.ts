// Routing (attribute, Nest envelope, default pattern, SNS envelope), @Ctx(), Nest's
// interceptors, and delete-only-on-success, against a real SQS server on loopback.
import {
  Controller,
  Injectable,
  UseInterceptors,
  type CallHandler,
  type ExecutionContext,
  type NestInterceptor,
} from '@nestjs/common';
import { Ctx, MessagePattern, Payload } from '@nestjs/microservices';
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { setTimeout } from 'node:timers/promises';
import { tap } from 'rxjs';
import { SqsContext, SqsStatus, SqsEventPattern } from '../../src/sqs/index.js';
import { eventually } from '../support/eventually.js';
import { Recorder } from '../support/recorder.js';
import { SqsTestBackend, type TestQueue } from '../support/sqs-backend.js';
import { startTestMicroservice, type TestMicroservice } from '../support/test-microservice.js';

const recorder = new Recorder();
const intercepted: string[] = [];

@Injectable()
class CountingInterceptor implements NestInterceptor {
  intercept(context: ExecutionContext, next: CallHandler) {
    const ctx = context.switchToRpc().getContext<SqsContext>();
    return next.handle().pipe(tap(() => intercepted.push(ctx.getMessageId())));
  }
}

let failUntilAttempt = 0;
// The `held` handler runs until the spec calls this.
let releaseHeld: () => void = () => undefined;

@Controller()
class RoutingController {
  @SqsEventPattern('order.created')
  @UseInterceptors(CountingInterceptor)
  orderCreated(@Payload() data: unknown, @Ctx() ctx: SqsContext) {
    recorder.start('order.created', data, ctx);
  }

  @MessagePattern({ cmd: 'sum' })
  sum(@Payload() data: { a: number; b: number }, @Ctx() ctx: SqsContext) {
    recorder.start('{cmd:sum}', data, ctx);
    return data.a + data.b;
  }

  @SqsEventPattern('fallback.pattern')
  fallback(@Payload() data: unknown, @Ctx() ctx: SqsContext) {
    recorder.start('fallback.pattern', data, ctx);
  }

  @SqsEventPattern('held')
  async held(@Payload() data: unknown, @Ctx() ctx: SqsContext) {
    recorder.start('held', data, ctx);
    await new Promise<void>((resolve) => (releaseHeld = resolve));
  }

  @SqsEventPattern('flaky')
  async flaky(@Payload() data: unknown, @Ctx() ctx: SqsContext) {
    recorder.start('flaky', data, ctx);
    if (ctx.getReceiveCount() <= failUntilAttempt) throw new Error('transient downstream failure');
  }
}

describe(`routing and acknowledgement (${process.env.SQS_TEST_BACKEND ?? 'fauxqs'})`, () => {
  let sqs: SqsTestBackend;
  let queue: TestQueue;
  let defaultQueue: TestQueue;
  let service: TestMicroservice;

  before(async () => {
    sqs = await SqsTestBackend.start();
    queue = await sqs.createQueue('routing', { maxReceiveCount: 5 });
    defaultQueue = await sqs.createQueue('routing-default');
    service = await startTestMicroservice({
      controllers: [RoutingController],
      providers: [CountingInterceptor],
      server: {
        client: sqs.clientConfig(),
        queues: [{ url: queue.url }, { url: defaultQueue.url, defaultPattern: 'fallback.pattern' }],
        waitTimeSeconds: 1,
        backoff: { baseSeconds: 1, maxSeconds: 1 },
      },
    });
  });

  after(async () => {
    await service?.close();
    await sqs?.stop();
  });

  it('reports connected once SQS answers', async () => {
    await eventually(() => service.server.getSnapshot().status === SqsStatus.Connected, 'connected status');
  });

  it('routes by the pattern message attribute and gives @Ctx() an SqsContext', async () => {
    const id = await sqs.send(queue.url, JSON.stringify({ orderId: 1 }), {
      pattern: 'order.created',
      attributes: { tenant: { DataType: 'String', StringValue: 'acme' } },
    });
    const [call] = await eventually(
      () => recorder.callsFor(id).length > 0 && recorder.callsFor(id),
      'order.created handled',
    );
    assert.deepEqual(call!.data, { orderId: 1 });
    assert.equal(call!.receiveCount, 1);
    assert.deepEqual((call!.attributes.tenant as { StringValue: string }).StringValue, 'acme');
    await eventually(() => intercepted.includes(id), 'interceptor ran');
  });

  it('routes a Nest-style { pattern, data } body with an object pattern', async () => {
    const id = await sqs.send(queue.url, JSON.stringify({ pattern: { cmd: 'sum' }, data: { a: 2, b: 3 } }));
    const [call] = await eventually(() => recorder.callsFor(id).length > 0 && recorder.callsFor(id), 'sum handled');
    assert.deepEqual(call!.data, { a: 2, b: 3 });
  });

  it("routes a message with no pattern to the queue's default pattern", async () => {
    const id = await sqs.send(defaultQueue.url, JSON.stringify({ plain: true }));
    const [call] = await eventually(
      () => recorder.callsFor(id).length > 0 && recorder.callsFor(id),
      'default pattern handled',
    );
    assert.equal(call!.pattern, 'fallback.pattern');
    assert.deepEqual(call!.data, { plain: true });
  });

  it('unwraps an SNS notification and reads the pattern from its attributes', async () => {
    const envelope = {
      Type: 'Notification',
      MessageId: 'sns-1',
      TopicArn: 'arn:aws:sns:us-east-1:000000000000:orders',
      Message: JSON.stringify({ orderId: 7 }),
      MessageAttributes: { pattern: { Type: 'String', Value: 'order.created' } },
    };
    const id = await sqs.send(queue.url, JSON.stringify(envelope));
    const [call] = await eventually(
      () => recorder.callsFor(id).length > 0 && recorder.callsFor(id),
      'SNS message handled',
    );
    assert.deepEqual(call!.data, { orderId: 7 });
  });

  it('deletes a message only after its handler succeeded', async () => {
    await eventually(() => sqs.isEmpty(queue.url), 'messages of the cases above handled and deleted');
    const id = await sqs.send(queue.url, JSON.stringify({ n: 1 }), { pattern: 'held' });
    await eventually(() => recorder.callsFor(id).length > 0, 'held handler started');
    // Longer than the delete linger (1 s by default): a delete sent early would have landed by now.
    await setTimeout(2_000);
    assert.deepEqual(await sqs.counts(queue.url), { visible: 0, inFlight: 1, delayed: 0 }, 'kept while running');
    releaseHeld();
    await eventually(() => sqs.isEmpty(queue.url), 'deleted once the handler succeeded');
    assert.equal(recorder.callsFor(id).length, 1, 'handled once');
  });

  it('keeps a failed message, makes it visible again after a backoff, and deletes it once it succeeds', async () => {
    failUntilAttempt = 1;
    const id = await sqs.send(queue.url, JSON.stringify({ n: 1 }), { pattern: 'flaky' });
    const calls = await eventually(
      () => recorder.callsFor(id).length >= 2 && recorder.callsFor(id),
      'second attempt',
      30_000,
    );
    assert.deepEqual(
      calls.map((c) => c.receiveCount),
      [1, 2],
    );
    // Visible again only after the backoff, not at once.
    assert.ok(calls[1]!.startedAt - calls[0]!.startedAt >= 400, 'retried after a backoff');
    await eventually(() => sqs.isEmpty(queue.url), 'deleted after success');
    assert.equal(recorder.callsFor(id).length, 2);
  });
});
