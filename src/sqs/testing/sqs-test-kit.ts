import type { Abstract, INestMicroservice, LoggerService, LogLevel, Type } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { NestFactory, type IEntryNestModule } from '@nestjs/core';
import type { MicroserviceOptions } from '@nestjs/microservices';
import { toHeldMessage } from '../core/held-message.js';
import type { ResolvedQueue } from '../core/queue-registry.js';
import { decideSettlement } from '../settlement/settlement.js';
import { SqsExceptionFilter } from '../adapter/sqs-exception.filter.js';
import { resolveSqsServerOptions, type SqsBackoffOptions } from '../core/sqs.options.js';
import { HandlerSpy, type OutcomeMatch } from './handler-spy.js';
import { InMemorySqsServer } from './in-memory-sqs.server.js';
import { dispatchTestMessage } from './test-dispatch.js';
import { patternText, toSqsMessage, type SqsTestMessageOptions, type SqsTestRawMessage } from './test-message.js';
import { toTestOutcome, type SqsTestOutcome } from './test-outcome.js';

/** How the test kit's queue and application are set up; every field is optional. */
export interface SqsTestKitOptions {
  /** The queue the messages seem to come from; a name ending in `.fifo` makes it FIFO. */
  queueUrl?: string;
  /** The queue's default pattern, for bodies that name none. */
  defaultPattern?: string;
  /** The redrive policy's `maxReceiveCount`: a failure on that receive dead-letters (`max-receives`). Default: none. */
  maxReceiveCount?: number;
  /** As `SqsServer`'s option. Default `{ baseSeconds: 2, maxSeconds: 900 }`. */
  backoff?: SqsBackoffOptions;
  /** As `SqsServer`'s option. Default `pattern`. */
  patternAttribute?: string;
  /** Registers globals (pipes, guards, interceptors, filters) as your `main.ts` does, before start. */
  configure?: (app: INestMicroservice) => void;
  /** Nest's logger for `create` (a TestingModule keeps its own). Default `false` (quiet). */
  logger?: LoggerService | LogLevel[] | false;
}

/** What `@nestjs/testing`'s `TestingModule` offers, so overridden providers can be used. */
export interface MicroserviceFactory {
  createNestMicroservice<T extends object>(options: T): INestMicroservice;
}

const DEFAULT_QUEUE_URL = 'http://sqs.test-kit.local/000000000000/test-queue';

/**
 * Runs handlers as `SqsServer` does, with no SQS: a message goes through the real decoder,
 * Nest's dispatch (pipes, guards, interceptors, filters; `SqsExceptionFilter` registered as
 * `main.ts` does) and the transport's own settlement decision, and `send` answers what the
 * transport would have done: deleted, retried with its delay, or dead-lettered with its reason.
 *
 * ```ts
 * const kit = await SqsTestKit.create({ controllers: [OrdersController], providers: [fakeOrders] });
 * const result = await kit.send('order.created', { id: 42 });
 * assert.equal(result.outcome, 'succeeded');
 * await kit.close();
 * ```
 *
 * Not simulated: receiving, the buffer, the worker pool, heartbeats, FIFO ordering, the DLQ
 * send itself; the transport's end-to-end specs cover those against real SQS servers.
 */
export class SqsTestKit {
  private readonly spy = new HandlerSpy();

  private constructor(
    private readonly app: INestMicroservice,
    private readonly server: InMemorySqsServer,
    private readonly queue: ResolvedQueue,
    private readonly settings: { patternAttribute: string; backoff: Required<SqsBackoffOptions> },
  ) {}

  /** Starts `module` (a module class, a dynamic module, or `{ controllers, providers, imports }`). */
  static create(module: IEntryNestModule, options: SqsTestKitOptions = {}): Promise<SqsTestKit> {
    return SqsTestKit.start(options, (strategy) =>
      NestFactory.createMicroservice<MicroserviceOptions>(module, {
        strategy,
        logger: options.logger ?? false,
        abortOnError: false,
      }),
    );
  }

  /** Starts a compiled `TestingModule`, with its overridden providers. */
  static fromTestingModule(moduleRef: MicroserviceFactory, options: SqsTestKitOptions = {}): Promise<SqsTestKit> {
    return SqsTestKit.start(options, async (strategy) => moduleRef.createNestMicroservice({ strategy }));
  }

  private static async start(
    options: SqsTestKitOptions,
    build: (strategy: InMemorySqsServer) => Promise<INestMicroservice>,
  ): Promise<SqsTestKit> {
    const url = options.queueUrl ?? DEFAULT_QUEUE_URL;
    // The server's own validation and defaults, so the kit retries and routes as it would.
    const resolved = resolveSqsServerOptions({
      queues: [{ url, defaultPattern: options.defaultPattern }],
      backoff: options.backoff,
      patternAttribute: options.patternAttribute,
    });
    const queue: ResolvedQueue = {
      url,
      fifo: url.endsWith('.fifo'),
      defaultPattern: options.defaultPattern,
      // A known DLQ, so that "cannot succeed" reads as dead-lettered rather than left to redrive.
      deadLetterQueueUrl: `${url}-dlq`,
      maxReceiveCount: options.maxReceiveCount ?? null,
    };
    const server = new InMemorySqsServer();
    const app = await build(server);
    app.useGlobalFilters(new SqsExceptionFilter());
    options.configure?.(app);
    await app.listen();
    return new SqsTestKit(app, server, queue, resolved);
  }

  /** Sends `data` under `pattern`, as `SqsClient` would, and resolves with what became of it. */
  send(
    pattern: string | Record<string, unknown>,
    data?: unknown,
    options: SqsTestMessageOptions = {},
  ): Promise<SqsTestOutcome> {
    const attributes = { ...options.attributes, [this.settings.patternAttribute]: patternText(pattern) };
    return this.deliver({ ...options, attributes, body: JSON.stringify(data ?? null) });
  }

  /** As `send`, without waiting: returns the message id, for `waitFor`. */
  emit(pattern: string | Record<string, unknown>, data?: unknown, options: SqsTestMessageOptions = {}): string {
    const messageId = options.messageId ?? randomUUID();
    void this.send(pattern, data, { ...options, messageId });
    return messageId;
  }

  /** Delivers a raw body (an SNS notification, a `{ pattern, data }` envelope, bad JSON) as SQS would. */
  async deliver(raw: SqsTestRawMessage): Promise<SqsTestOutcome> {
    const held = toHeldMessage(toSqsMessage(raw), this.queue, Date.now());
    const run = await dispatchTestMessage(held, (p) => this.server.route(p), this.settings.patternAttribute);
    const decision = decideSettlement(held, run.outcome, { backoff: this.settings.backoff });
    const outcome = toTestOutcome(held.info.messageId, run, decision);
    this.spy.record(outcome);
    return outcome;
  }

  /** The first processed message with this id, or matching this predicate; rejects after `timeoutMs`. */
  waitFor(match: OutcomeMatch, options: { timeoutMs?: number } = {}): Promise<SqsTestOutcome> {
    return this.spy.waitFor(match, options.timeoutMs);
  }

  /** Every processed message, oldest first. */
  get outcomes(): readonly SqsTestOutcome[] {
    return this.spy.outcomes;
  }

  /** A provider of the application (a fake to inspect, a service to call). */
  get<T>(token: Type<T> | Abstract<T> | string | symbol): T {
    return this.app.get<T>(token);
  }

  async close(): Promise<void> {
    await this.app.close();
  }
}
