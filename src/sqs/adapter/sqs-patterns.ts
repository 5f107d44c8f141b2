import { EventPattern, MessagePattern } from '@nestjs/microservices';
import { SQS_TRANSPORT } from './sqs.server.js';

/** A pattern as messages name it: a string, or an object Nest routes by its JSON. */
export type SqsPattern = string | Record<string, unknown>;

/**
 * `@EventPattern` bound to the SQS transport, so that the obvious handler compiles:
 *
 * ```ts
 * @SqsEventPattern('order.created')
 * created(@Payload() dto: OrderCreatedDto, @Ctx() ctx: SqsContext) { ... }
 * ```
 *
 * NestJS 12's own `@EventPattern('name')` picks its typed-events overload for a string, which
 * types the handler's second parameter as `unknown`; a handler taking `@Ctx() ctx: SqsContext`
 * then fails with TS1241. This wrapper always takes the untyped overload. Binding the transport
 * keeps the handler on `SqsServer` (and the test kit) in an app that runs several transports.
 */
export function SqsEventPattern(pattern: SqsPattern, extras?: Record<string, unknown>): MethodDecorator {
  return extras
    ? EventPattern<SqsPattern>(pattern, SQS_TRANSPORT, extras)
    : EventPattern<SqsPattern>(pattern, SQS_TRANSPORT);
}

/**
 * `@MessagePattern` bound to the SQS transport. SQS carries no replies, so it behaves as
 * `@SqsEventPattern` does (the value the handler returns is awaited, then dropped); it exists
 * so code written with message patterns reads the same.
 */
export function SqsMessagePattern(pattern: SqsPattern, extras?: Record<string, unknown>): MethodDecorator {
  return extras
    ? MessagePattern<SqsPattern>(pattern, SQS_TRANSPORT, extras)
    : MessagePattern<SqsPattern>(pattern, SQS_TRANSPORT);
}
