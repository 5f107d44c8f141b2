import { Server, type CustomTransportStrategy } from '@nestjs/microservices';
import type { MessageRun } from '../dispatch/message-dispatcher.js';
import { NestDispatcher } from '../dispatch/nest-dispatcher.js';
import { SQS_TRANSPORT } from '../adapter/sqs.server.js';

/**
 * The Nest side of `SqsServer` with no SQS behind it: the same transport id (so handlers bound
 * with `@SqsEventPattern` register), the same error propagation, and the same `NestDispatcher`
 * over Nest's handler lookup, processing hooks and dispatch (pipes, guards, interceptors,
 * filters). The test kit feeds it messages; nothing here receives or settles.
 */
export class InMemorySqsServer extends Server implements CustomTransportStrategy {
  override transportId = SQS_TRANSPORT;
  // As SqsServer: handler failures come back to the transport, which decides retry or dead-letter.
  override readonly propagatesEventHandlerErrors = true;

  private readonly dispatcher = new NestDispatcher({
    lookup: (pattern) => this.getHandlerByPattern(pattern),
    startProcessing: (context, run) => this.onProcessingStartHook(this.transportId, context, run),
    endHook: (context) => this.createProcessingEndHookRunner(context),
    toObservable: (result) => this.transformToObservable(result),
  });

  constructor() {
    super();
    this.initializeSerializer({});
    this.initializeDeserializer({});
  }

  /** The run for `pattern` through Nest, or undefined when no handler is registered for it. */
  route(pattern: string): MessageRun | undefined {
    return this.dispatcher.route(pattern);
  }

  listen(callback: (err?: unknown) => void): void {
    callback();
  }

  close(): void {}

  on(): this {
    return this;
  }

  unwrap<T>(): T {
    throw new Error('InMemorySqsServer has no SQS client to unwrap');
  }
}
