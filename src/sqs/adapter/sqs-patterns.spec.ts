import 'reflect-metadata';
import { Controller } from '@nestjs/common';
import { Ctx, EventPattern, Payload, Transport } from '@nestjs/microservices';
import { IsInt } from 'class-validator';
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SqsEventPattern, SqsMessagePattern } from './sqs-patterns.js';
import { SqsContext } from '../dispatch/sqs.context.js';
import { DeadLetterReason } from '../core/sqs.errors.js';
import { SqsTestKit } from '../testing/index.js';

class AddDto {
  @IsInt() a!: number;
  @IsInt() b!: number;
}

const seen: string[] = [];

// The compile is the test: these signatures are what a handler author writes.
@Controller()
class PatternsController {
  @SqsEventPattern('order.created')
  created(@Payload() dto: AddDto, @Ctx() ctx: SqsContext): void {
    seen.push(`${ctx.getPattern()} ${dto.a + dto.b}`);
  }

  @SqsMessagePattern({ cmd: 'sum' })
  sum(@Payload() dto: AddDto, @Ctx() ctx: SqsContext): number {
    seen.push(`${ctx.getPattern()} ${dto.a + dto.b}`);
    return dto.a + dto.b;
  }

  // NestJS 12's own decorator refuses the same handler (TS1241); the wrappers above exist for it.
  // @ts-expect-error the typed-events overload wants the second parameter to accept unknown
  @EventPattern('plain')
  plain(@Payload() _dto: AddDto, @Ctx() _ctx: SqsContext): void {}

  @EventPattern<string>('explicit')
  explicit(@Payload() dto: AddDto, @Ctx() ctx: SqsContext): void {
    seen.push(`${ctx.getPattern()} ${dto.a + dto.b}`);
  }

  @EventPattern<string>('elsewhere', Transport.REDIS)
  elsewhere(): void {
    seen.push('elsewhere');
  }
}

describe('@SqsEventPattern / @SqsMessagePattern', () => {
  it('compile with @Payload() dto and @Ctx() ctx: SqsContext, and dispatch string and object patterns', async () => {
    const kit = await SqsTestKit.create({ controllers: [PatternsController] });
    assert.equal((await kit.send('order.created', { a: 1, b: 2 })).outcome, 'succeeded');
    assert.equal((await kit.send({ cmd: 'sum' }, { a: 3, b: 4 })).outcome, 'succeeded');
    assert.equal((await kit.send('explicit', { a: 5, b: 6 })).outcome, 'succeeded', '@EventPattern<string> works too');
    assert.deepEqual(seen, ['order.created 3', '{"cmd":"sum"} 7', 'explicit 11']);
    await kit.close();
  });

  it('bind the SQS transport: a handler bound to another transport is not served', async () => {
    const kit = await SqsTestKit.create({ controllers: [PatternsController] });
    const result = await kit.send('elsewhere', {});
    assert.equal(result.reason, DeadLetterReason.NoHandler);
    assert.ok(!seen.includes('elsewhere'));
    await kit.close();
  });
});
