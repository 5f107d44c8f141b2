import 'reflect-metadata';
import { Controller, Inject, Injectable } from '@nestjs/common';
import { Payload } from '@nestjs/microservices';
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { lastValueFrom } from 'rxjs';
import { SqsClient } from '../adapter/sqs.client.js';
import { SqsEventPattern } from '../adapter/sqs-patterns.js';
import { SqsRecord } from '../adapter/sqs.record.js';
import { RecordingSqsClient, SqsTestKit } from './index.js';

describe('RecordingSqsClient', () => {
  it('records what SqsClient would send: pattern, parsed body, attributes, FIFO group', async () => {
    const client = new RecordingSqsClient({ queueUrl: 'http://127.0.0.1:1/000000000000/out.fifo' });
    await lastValueFrom(client.emit('user.registered', { username: 'ada', roles: ['a', 'b'] }));
    await client.emitBatch('order.created', [new SqsRecord({ id: 7 }, { groupId: 'orders', delaySeconds: 0 })]);
    assert.ok(client instanceof SqsClient, 'provides where an SqsClient is injected');
    const user = client.expectEmitted('user.registered', { username: 'ada' });
    assert.equal(user.groupId, 'user.registered', 'FIFO default group: the pattern');
    assert.equal(user.attributes.pattern?.StringValue, 'user.registered');
    assert.equal(client.expectEmitted('order.created', (m) => m.groupId === 'orders').body, '{"id":7}');
  });

  it('fails with an AssertionError naming the patterns sent, never the payloads', async () => {
    const client = new RecordingSqsClient();
    await lastValueFrom(client.emit('user.registered', { email: 'ada@example.com' }));
    assert.throws(
      () => client.expectEmitted('user.registered', { email: 'bob@example.com' }),
      (err: Error) =>
        err.name === 'AssertionError' && /sent 1: \[user\.registered\]/.test(err.message) && !/ada@/.test(err.message),
    );
    assert.throws(() => client.expectEmitted('user.deleted'), /no message emitted under "user\.deleted"/);
    client.clear();
    assert.equal(client.emitted.length, 0);
  });

  it('waits for a fire-and-forget emit, within a bound', async () => {
    const client = new RecordingSqsClient();
    client.emit('later', { n: 1 });
    assert.deepEqual((await client.waitForEmitted('later')).data, { n: 1 });
    await assert.rejects(client.waitForEmitted('never', undefined, 20), /no message emitted under "never"/);
  });
});

const PRODUCER = 'PRODUCER';

@Injectable()
class Greeter {
  constructor(@Inject(PRODUCER) private readonly producer: SqsClient) {}
  greet(name: string): Promise<string> {
    return lastValueFrom(this.producer.emit('greeted', { name }));
  }
}

@Controller()
class GreetingController {
  constructor(private readonly greeter: Greeter) {}
  @SqsEventPattern('greet')
  greet(@Payload() data: { name: string }): Promise<string> {
    return this.greeter.greet(data.name);
  }
}

@Controller()
class GreetedController {
  static names: string[] = [];
  @SqsEventPattern('greeted')
  greeted(@Payload() data: { name: string }): void {
    GreetedController.names.push(data.name);
  }
}

describe('RecordingSqsClient delivering to an SqsTestKit', () => {
  it('chains a handler that produces to the handler that consumes, as SQS would', async () => {
    const producer = new RecordingSqsClient();
    const kit = await SqsTestKit.create({
      controllers: [GreetingController, GreetedController],
      providers: [Greeter, { provide: PRODUCER, useValue: producer }],
    });
    producer.deliverTo(kit);
    assert.equal((await kit.send('greet', { name: 'ada' })).outcome, 'succeeded');
    const greeted = await kit.waitFor((o) => o.pattern === 'greeted', { timeoutMs: 2_000 });
    assert.equal(greeted.outcome, 'succeeded');
    assert.equal(greeted.messageId, producer.expectEmitted('greeted', { name: 'ada' }).messageId);
    assert.deepEqual(GreetedController.names, ['ada']);
    await kit.close();
  });
});
