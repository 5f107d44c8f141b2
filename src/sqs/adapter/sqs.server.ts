import type { SQSClient } from '@aws-sdk/client-sqs';
import { Logger } from '@nestjs/common';
import { Server, type CustomTransportStrategy } from '@nestjs/microservices';
import { EventEmitter } from 'node:events';
import { ConsumerEngine } from '../engine/consumer-engine.js';
import { ConsumerStatus } from '../engine/consumer-status.js';
import type { DownstreamGate } from '../core/downstream-gate.js';
import { describeError } from '../settlement/error-classifier.js';
import { NestDispatcher } from '../dispatch/nest-dispatcher.js';
import { SqsStatus, type SqsEvents, type SqsServerSnapshot } from '../core/sqs.events.js';
import { resolveSqsServerOptions, type ResolvedSqsServerOptions, type SqsServerOptions } from '../core/sqs.options.js';
import { setUpConsumerTelemetry } from '../telemetry/consumer-setup.js';
import { createTransportClient } from './transport-client.js';

export { messageLogFields } from '../core/message-log-fields.js';

/** Identifies the transport in `@MessagePattern(pattern, SQS_TRANSPORT)`. */
export const SQS_TRANSPORT = Symbol('SQS');

/**
 * A NestJS transport that consumes Amazon SQS: long-polling receivers feed a bounded buffer,
 * a fixed pool of workers dispatches each message to its `@MessagePattern`/`@EventPattern`
 * handler, and a message is deleted only after its handler succeeded. Failures come back with
 * exponential backoff, messages that can never succeed go to the dead-letter queue with their
 * reason, held messages are kept invisible by a heartbeat, FIFO groups run in order, intake
 * pauses while a dependency is down, and `close()` drains gracefully.
 *
 * This class is the Nest adapter: the work is the `ConsumerEngine`'s; this plugs Nest's handler
 * lookup and dispatch into it and exposes its status and events the Nest way.
 *
 * ```ts
 * app.connectMicroservice({ strategy: new SqsServer({ queues: [{ url }] }) });
 * ```
 */
export class SqsServer extends Server<SqsEvents, SqsStatus> implements CustomTransportStrategy {
  override transportId = SQS_TRANSPORT;
  // Handler failures come back to the transport, which owns retry and dead-letter decisions.
  override readonly propagatesEventHandlerErrors = true;
  protected override readonly logger = new Logger(SqsServer.name);

  private readonly options: ResolvedSqsServerOptions;
  private readonly events = new EventEmitter();
  private readonly consumerStatus = new ConsumerStatus((status) => {
    this._status$.next(status);
    this.emit('status', status);
  });
  private client?: { client: SQSClient; owned: boolean };
  private engine?: ConsumerEngine;
  /** Ties asked for before `listen()`, applied before the first receive. */
  private readonly pendingTies: Array<[DownstreamGate, string[] | undefined]> = [];
  private closing?: Promise<void>;

  /** @throws {SqsOptionsError} naming the bad option. */
  constructor(options: SqsServerOptions) {
    super();
    this.options = resolveSqsServerOptions(options);
    this.events.setMaxListeners(100);
    this.initializeSerializer({});
    this.initializeDeserializer({});
  }

  /** Starts receiving. Invalid options were rejected in the constructor. */
  async listen(callback: (err?: unknown, ...optionalParams: unknown[]) => void): Promise<void> {
    try {
      this.consumerStatus.set(SqsStatus.Connecting);
      this.client = createTransportClient(this.options);
      this.engine = new ConsumerEngine({
        client: this.client.client,
        options: this.options,
        dispatcher: this.createDispatcher(),
        emit: (event, ...args) => this.emit(event, ...args),
        status: this.consumerStatus,
        logger: this.logger,
        telemetry: this.options.traceContext
          ? setUpConsumerTelemetry(this.client.client, (event, listener) => this.on(event, listener))
          : undefined,
      });
      for (const [gate, queueUrls] of this.pendingTies.splice(0)) this.engine.pauseWhileDown(gate, queueUrls);
      await this.engine.start();
      this.logStart();
      callback();
    } catch (err) {
      callback(err);
    }
  }

  /**
   * Graceful shutdown: stop receiving at once (the pending long polls are aborted), give back
   * the buffered messages no worker started, let running handlers finish within the grace
   * period, flush the deletes, then release the client. Safe to call more than once.
   */
  close(): Promise<void> {
    this.closing ??= this.shutdown();
    return this.closing;
  }

  on<K extends keyof SqsEvents>(event: K, callback: SqsEvents[K]): this {
    this.events.on(event, callback as (...args: unknown[]) => void);
    return this;
  }

  /** The `SQSClient` in use. Throws before `listen()`. */
  unwrap<T = SQSClient>(): T {
    if (!this.client) throw new Error('SqsServer is not initialized: call listen() first');
    return this.client.client as T;
  }

  /** Counters and timestamps for health checks; never calls SQS. */
  getSnapshot(): SqsServerSnapshot {
    const status = this.consumerStatus;
    return {
      status: status.value,
      lastReceiveTickAt: status.lastReceiveTickAt,
      lastSuccessAt: status.lastSuccessAt,
      lastError: status.lastError,
      waitTimeSeconds: this.options.waitTimeSeconds,
      concurrency: this.options.concurrency,
      queues: this.options.queues.length,
      ...(this.engine?.snapshot() ?? { inFlight: 0, buffered: 0, paused: [], redrivePolicyUnknown: [] }),
    };
  }

  /**
   * Pauses intake from `queueUrls` (default: every queue) whenever `gate` is down, and resumes
   * it when the gate is up. A handler throwing `gate.unavailable()` ties its queue to the gate
   * by itself; call this to pause before any message has failed. Called before `listen()`, the
   * tie applies before the first receive, so a gate already down at start-up costs no receive.
   */
  pauseWhileDown(gate: DownstreamGate, queueUrls?: string[]): void {
    if (this.engine) this.engine.pauseWhileDown(gate, queueUrls);
    else this.pendingTies.push([gate, queueUrls]);
  }

  /** The resolved options (defaults applied). */
  getOptions(): Readonly<ResolvedSqsServerOptions> {
    return this.options;
  }

  /** Nest's handler lookup and dispatch, as the engine's dispatcher. */
  private createDispatcher(): NestDispatcher {
    return new NestDispatcher({
      lookup: (pattern) => this.getHandlerByPattern(pattern),
      startProcessing: (context, run) => this.onProcessingStartHook(this.transportId, context, run),
      endHook: (context) => this.createProcessingEndHookRunner(context),
      toObservable: (result) => this.transformToObservable(result),
    });
  }

  private logStart(): void {
    const o = this.options;
    const receives =
      o.minReceiversPerQueue === o.maxReceiversPerQueue
        ? `${o.maxReceiversPerQueue}`
        : `${o.minReceiversPerQueue}-${o.maxReceiversPerQueue}`;
    this.logger.log(
      `Consuming ${o.queues.length} queue(s) with ${o.concurrency} workers, batch ${o.batchSize}, ${receives} receive(s) per queue, ` +
        `at most ${o.prefetch} buffered, long poll ${o.waitTimeSeconds}s, visibility ${o.visibilityTimeout}s`,
    );
  }

  private async shutdown(): Promise<void> {
    if (this.engine) {
      this.consumerStatus.set(SqsStatus.Draining);
      await this.engine.close();
    }
    if (this.client?.owned) this.client.client.destroy();
    this.consumerStatus.set(SqsStatus.Closed);
    this.events.removeAllListeners();
  }

  private emit<K extends keyof SqsEvents>(event: K, ...args: Parameters<SqsEvents[K]>): void {
    try {
      this.events.emit(event, ...args);
    } catch (err) {
      // A listener's bug must not break message handling.
      this.logger.error(`listener for "${event}" threw: ${describeError(err).message}`);
    }
  }
}
