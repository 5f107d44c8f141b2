import 'reflect-metadata';
import {
  Controller,
  Injectable,
  UseGuards,
  UseInterceptors,
  UsePipes,
  ValidationPipe,
  type CallHandler,
  type CanActivate,
  type NestInterceptor,
} from '@nestjs/common';
import { Ctx, Payload } from '@nestjs/microservices';
import { Test } from '@nestjs/testing';
import { IsEmail, IsString } from 'class-validator';
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { tap } from 'rxjs';
import { DownstreamGate } from '../core/downstream-gate.js';
import { currentSqsMessage } from '../dispatch/message-context.js';
import { SqsEventPattern, SqsMessagePattern } from '../adapter/sqs-patterns.js';
import { SqsContext } from '../dispatch/sqs.context.js';
import { DeadLetterReason, NonRetryableError, RetryableError } from '../core/sqs.errors.js';
import { SqsTestKit } from './index.js';

class SignupDto {
  @IsString() username!: string;
  @IsEmail() email!: string;
}

/** What a handler author would have: a service the controller calls. */
@Injectable()
class Signups {
  readonly seen: Array<{ dto: SignupDto; messageId: string }> = [];
  failWith?: unknown;
  async register(dto: SignupDto, messageId: string): Promise<void> {
    if (this.failWith !== undefined) throw this.failWith;
    this.seen.push({ dto, messageId });
  }
}

@Controller()
@UsePipes(new ValidationPipe({ whitelist: true, forbidNonWhitelisted: true, transform: true }))
class SignupController {
  constructor(private readonly signups: Signups) {}

  @SqsEventPattern('signup')
  signup(@Payload() dto: SignupDto, @Ctx() ctx: SqsContext): Promise<void> {
    return this.signups.register(dto, ctx.getMessageId());
  }
}

const ada = { username: 'ada', email: 'ada@example.com' };

describe('SqsTestKit: a handler author spec, end to end', () => {
  it('sends a message through the real dispatch and settlement, without SQS', async () => {
    const signups = new Signups();
    const kit = await SqsTestKit.create({
      controllers: [SignupController],
      providers: [{ provide: Signups, useValue: signups }],
    });
    const ok = await kit.send('signup', ada, { messageId: 'm-1' });
    assert.equal(ok.outcome, 'succeeded');
    assert.deepEqual(signups.seen[0], { dto: Object.assign(new SignupDto(), ada), messageId: 'm-1' });
    const bad = await kit.send('signup', { username: 'ada', email: 'not-an-email' });
    assert.equal(bad.outcome, 'dead-lettered');
    assert.equal(bad.reason, DeadLetterReason.ValidationFailed);
    signups.failWith = new Error('database timeout');
    assert.equal((await kit.send('signup', ada)).outcome, 'retried');
    await kit.close();
  });
});

describe('SqsTestKit', () => {
  let kit: SqsTestKit;
  let signups: Signups;

  before(async () => {
    signups = new Signups();
    kit = await SqsTestKit.create(
      { controllers: [SignupController], providers: [{ provide: Signups, useValue: signups }] },
      { maxReceiveCount: 3, backoff: { baseSeconds: 10, maxSeconds: 900 } },
    );
  });
  after(() => kit.close());

  const failing = async (error: unknown, receiveCount = 1) => {
    signups.failWith = error;
    try {
      return await kit.send('signup', ada, { receiveCount });
    } finally {
      signups.failWith = undefined;
    }
  };

  it('retries a transient failure with the backoff delay of its receive', async () => {
    const first = await failing(new Error('timeout'), 1);
    assert.equal(first.outcome, 'retried');
    assert.ok(first.delaySeconds! >= 5 && first.delaySeconds! <= 10, `delay ${first.delaySeconds}`);
    const second = await failing(new Error('timeout'), 2);
    assert.ok(second.delaySeconds! >= 10 && second.delaySeconds! <= 20, `delay ${second.delaySeconds}`);
    assert.equal((second.error as Error).message, 'timeout');
  });

  it("honours a RetryableError's retryAfterSeconds", async () => {
    const result = await failing(new RetryableError('rate limited', { retryAfterSeconds: 120 }));
    assert.equal(result.outcome, 'retried');
    assert.ok(result.delaySeconds! >= 120);
  });

  it('dead-letters a NonRetryableError with its reason and detail', async () => {
    const result = await failing(new NonRetryableError('user is banned'));
    assert.equal(result.outcome, 'dead-lettered');
    assert.equal(result.reason, DeadLetterReason.NonRetryable);
    assert.equal(result.detail, 'user is banned');
    assert.ok(result.error instanceof NonRetryableError, 'the error reaches the transport intact');
  });

  it("dead-letters a failure on the queue's last receive with max-receives", async () => {
    const result = await failing(new Error('still down'), 3);
    assert.equal(result.outcome, 'dead-lettered');
    assert.equal(result.reason, DeadLetterReason.MaxReceives);
    assert.match(result.detail!, /receive 3 of 3/);
  });

  it('reports an outage: intake pauses, and the last receive is requeued rather than dead-lettered', async () => {
    const gate = new DownstreamGate('billing');
    gate.markDown('breaker open');
    const early = await failing(gate.unavailable(), 1);
    assert.equal(early.outcome, 'retried');
    assert.equal(early.pausesIntakeFor, 'billing');
    const last = await failing(gate.unavailable(), 3);
    assert.equal(last.outcome, 'retried');
    assert.equal(last.requeued, true);
  });

  it('dead-letters a pattern no handler serves, and a body that is not JSON', async () => {
    const unknown = await kit.send('nobody.listens', {});
    assert.equal(unknown.reason, DeadLetterReason.NoHandler);
    const malformed = await kit.deliver({ body: '{not json', attributes: { pattern: 'signup' } });
    assert.equal(malformed.outcome, 'dead-lettered');
    assert.equal(malformed.reason, DeadLetterReason.MalformedBody);
  });

  it('decodes raw bodies as SQS delivers them: a { pattern, data } envelope and an SNS notification', async () => {
    const envelope = await kit.deliver({ body: JSON.stringify({ pattern: 'signup', data: ada }) });
    assert.equal(envelope.outcome, 'succeeded');
    const sns = JSON.stringify({
      Type: 'Notification',
      TopicArn: 'arn:aws:sns:us-east-1:000000000000:signups',
      Message: JSON.stringify(ada),
      MessageAttributes: { pattern: { Type: 'String', Value: 'signup' } },
    });
    const viaSns = await kit.deliver({ body: sns });
    assert.equal(viaSns.outcome, 'succeeded');
    assert.deepEqual(viaSns.payload, ada);
  });

  it('awaits a message by id or by predicate, and gives up after the timeout', async () => {
    const id = kit.emit('signup', { username: 'bob', email: 'bob@example.com' });
    assert.equal((await kit.waitFor(id)).outcome, 'succeeded');
    const byPredicate = await kit.waitFor((o) => o.messageId === id && o.pattern === 'signup');
    assert.equal(byPredicate.messageId, id);
    await assert.rejects(
      kit.waitFor('never-sent', { timeoutMs: 20 }),
      /no processed message matched id never-sent within 20 ms \(\d+ processed, last: .*signup/,
    );
  });
});

describe('SqsTestKit options', () => {
  it('reads the pattern from patternAttribute, falls back to defaultPattern, and applies configure', async () => {
    const signups = new Signups();
    let intercepted = 0;
    const kit = await SqsTestKit.create(
      { controllers: [SignupController], providers: [{ provide: Signups, useValue: signups }] },
      {
        patternAttribute: 'type',
        defaultPattern: 'signup',
        configure: (app) =>
          app.useGlobalInterceptors({ intercept: (_c, next) => next.handle().pipe(tap(() => (intercepted += 1))) }),
      },
    );
    assert.equal(
      (await kit.deliver({ body: JSON.stringify(ada), attributes: { type: 'signup' } })).outcome,
      'succeeded',
    );
    const byDefault = await kit.deliver({ body: JSON.stringify(ada) });
    assert.deepEqual([byDefault.outcome, byDefault.pattern], ['succeeded', 'signup']);
    assert.equal((await kit.send('other', ada)).reason, DeadLetterReason.NoHandler, 'send uses patternAttribute');
    assert.equal(intercepted, 2);
    signups.failWith = new Error('still failing');
    const late = await kit.deliver({ body: JSON.stringify(ada), receiveCount: 50 });
    assert.equal(late.outcome, 'retried', 'no maxReceiveCount by default: never max-receives');
    await kit.close();
  });
});

@Injectable()
class Probe {
  readonly seen: Record<string, unknown>[] = [];
}

class DenyBanned implements CanActivate {
  canActivate(context: import('@nestjs/common').ExecutionContext): boolean {
    const data = context.switchToRpc().getData<{ banned?: boolean }>();
    if (data.banned) throw new NonRetryableError('banned by guard');
    return true;
  }
}

class CountRuns implements NestInterceptor {
  static runs = 0;
  intercept(_context: unknown, next: CallHandler) {
    return next.handle().pipe(tap(() => (CountRuns.runs += 1)));
  }
}

@Controller()
class ContextController {
  constructor(private readonly probe: Probe) {}

  @SqsMessagePattern('inspect')
  @UseGuards(DenyBanned)
  @UseInterceptors(CountRuns)
  inspect(@Ctx() ctx: SqsContext): void {
    this.probe.seen.push({
      messageId: ctx.getMessageId(),
      queueUrl: ctx.getQueueUrl(),
      pattern: ctx.getPattern(),
      receiveCount: ctx.getReceiveCount(),
      groupId: ctx.getMessageGroupId(),
      tenant: ctx.getMessageAttributes().tenant?.StringValue,
      patternAttribute: ctx.getMessageAttributes().pattern?.StringValue,
      body: ctx.getMessage().Body,
      current: currentSqsMessage()?.messageId,
    });
  }
}

describe('SqsTestKit with a TestingModule', () => {
  it('runs guards, interceptors and the SqsContext getters on overridden providers', async () => {
    const probe = new Probe();
    const moduleRef = await Test.createTestingModule({ controllers: [ContextController], providers: [Probe] })
      .overrideProvider(Probe)
      .useValue(probe)
      .compile();
    const kit = await SqsTestKit.fromTestingModule(moduleRef, { queueUrl: 'http://127.0.0.1:1/000000000000/q.fifo' });
    const attributes = { tenant: 'acme' };
    const ok = await kit.send('inspect', { n: 1 }, { messageId: 'm-9', receiveCount: 2, groupId: 'g', attributes });
    assert.equal(ok.outcome, 'succeeded');
    assert.equal(CountRuns.runs, 1);
    assert.deepEqual(probe.seen[0], {
      messageId: 'm-9',
      queueUrl: 'http://127.0.0.1:1/000000000000/q.fifo',
      pattern: 'inspect',
      receiveCount: 2,
      groupId: 'g',
      tenant: 'acme',
      patternAttribute: 'inspect',
      body: '{"n":1}',
      current: 'm-9',
    });
    const denied = await kit.send('inspect', { banned: true });
    assert.equal(denied.reason, DeadLetterReason.NonRetryable);
    assert.equal(probe.seen.length, 1, 'the guard stopped the handler');
    await kit.close();
  });
});
