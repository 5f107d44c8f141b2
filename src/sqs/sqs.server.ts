import { SQSClient, type Message, type SQSClientConfig } from '@aws-sdk/client-sqs';
import type { NodeHttpHandler } from '@smithy/node-http-handler';
import { Logger } from '@nestjs/common';
import { Server, type CustomTransportStrategy, type MessageHandler } from '@nestjs/microservices';
import { EventEmitter } from 'node:events';
import { lastValueFrom } from 'rxjs';
import { Acknowledger } from './acknowledger.js';
import { MAX_VISIBILITY_SECONDS, retryDelaySeconds } from './backoff.js';
import { DeadLetterForwarder } from './dead-letter-forwarder.js';
import { classifyFailure, describeError } from './error-classifier.js';
import { toHeldMessage, type HeldMessage } from './held-message.js';
import { createLongPollHttpHandler } from './long-poll-http-handler.js';
import { MessageBuffer } from './message-buffer.js';
import { runWithSqsMessage } from './message-context.js';
import { decodeMessage, UndecodableMessageError, type DecodedMessage } from './message-decoder.js';
import { DownstreamUnavailableError, type DownstreamGate } from './downstream-gate.js';
import { IntakePauses } from './intake-pauses.js';
import { requeueCopy } from './outage-requeue.js';
import { IntakeSizer } from './intake-sizer.js';
import { QueueIntake } from './queue-intake.js';
import { readRedrivePolicy, toResolvedQueue, type ResolvedQueue } from './queue-registry.js';
import { SqsContext } from './sqs.context.js';
import { loadTraceContext, type TraceContext } from './trace-context.js';
import { DeadLetterReason } from './sqs.errors.js';
import { SqsStatus, type SqsEvents, type SqsMessageInfo, type SqsServerSnapshot } from './sqs.events.js';
import { receiveRequestTimeoutMs, resolveSqsServerOptions, sqsSocketBudget, type ResolvedSqsServerOptions, type SqsServerOptions } from './sqs.options.js';
import { VisibilityHeartbeat } from './visibility-heartbeat.js';
import { WorkerPool } from './worker-pool.js';

/** Identifies the transport in `@MessagePattern(pattern, SQS_TRANSPORT)`. */
export const SQS_TRANSPORT = Symbol('SQS');

/** What a running server is made of; built by `listen()`, taken apart by `close()`. */
interface Runtime {
  client: SQSClient;
  ownsClient: boolean;
  queues: ResolvedQueue[];
  buffer: MessageBuffer;
  pool: WorkerPool;
  acknowledger: Acknowledger;
  heartbeat: VisibilityHeartbeat;
  deadLetters: DeadLetterForwarder;
  intakes: QueueIntake[];
  sizer: IntakeSizer;
  pauses: IntakePauses;
  abort: AbortController;
  receiving: Promise<void>;
  tracing?: TraceContext;
}

/**
 * A NestJS transport that consumes Amazon SQS: long-polling receivers feed a bounded buffer,
 * a fixed pool of workers dispatches each message to its `@MessagePattern`/`@EventPattern`
 * handler, and a message is deleted only after its handler succeeded. Failures come back with
 * exponential backoff, messages that can never succeed go to the dead-letter queue with their
 * reason, held messages are kept invisible by a heartbeat, FIFO groups run in order, and
 * `close()` drains gracefully.
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
  /** Every message held now (buffered or running), by id: a redelivery is never run twice. */
  private readonly held = new Map<string, HeldMessage>();
  private readonly handlerCache = new Map<string, MessageHandler>();
  private runtime?: Runtime;
  private currentStatus = SqsStatus.Closed;
  private lastReceiveTickAt?: number;
  private lastSuccessAt?: number;
  private lastError?: string;
  private closing?: Promise<void>;

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
      this.setStatus(SqsStatus.Connecting);
      this.runtime = this.createRuntime();
      if (this.options.traceContext) this.runtime.tracing = await loadTraceContext();
      await this.start(this.runtime);
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
    if (!this.runtime) throw new Error('SqsServer is not initialized: call listen() first');
    return this.runtime.client as T;
  }

  /** Counters and timestamps for health checks; never calls SQS. */
  getSnapshot(): SqsServerSnapshot {
    return {
      status: this.currentStatus,
      lastReceiveTickAt: this.lastReceiveTickAt,
      lastSuccessAt: this.lastSuccessAt,
      lastError: this.lastError,
      waitTimeSeconds: this.options.waitTimeSeconds,
      inFlight: this.runtime?.pool.inFlight.size ?? 0,
      buffered: this.runtime?.buffer.size ?? 0,
      concurrency: this.options.concurrency,
      paused: this.runtime?.pauses.snapshot() ?? [],
      queues: this.options.queues.length,
    };
  }

  /**
   * Pauses intake from `queueUrls` (default: every queue) whenever `gate` is down, and resumes
   * it when the gate is up. A handler throwing `gate.unavailable()` ties its queue to the gate
   * by itself; call this to pause before any message has failed. Call after `listen()`.
   */
  pauseWhileDown(gate: DownstreamGate, queueUrls?: string[]): void {
    const rt = this.rt();
    for (const intake of rt.intakes) {
      if (!queueUrls || queueUrls.includes(intake.queue.url)) rt.pauses.tie(intake, gate);
    }
  }

  /** The resolved options (defaults applied). */
  getOptions(): Readonly<ResolvedSqsServerOptions> {
    return this.options;
  }

  private createRuntime(): Runtime {
    const { client, owned } = this.createClient();
    const o = this.options;
    // A worker with nothing to start is the sizer's signal to fetch further ahead.
    const buffer = new MessageBuffer(o.prefetch, () => this.runtime?.sizer.onStarved());
    const acknowledger = new Acknowledger(client, o.deleteBatchLingerMs, {
      onDeleteError: (m, error) => {
        this.logMessage('error', m, `delete failed; the message will be delivered again: ${error.message}`);
        this.emit('delete_error', m.queue.url, error);
      },
      onVisibilityError: (m, error) => this.logMessage('warn', m, `visibility change failed: ${error.message}`),
    });
    const heartbeat = new VisibilityHeartbeat(
      acknowledger,
      { visibilityTimeout: o.visibilityTimeout, intervalSeconds: o.heartbeatIntervalSeconds, maxVisibilitySeconds: o.maxVisibilitySeconds },
      {
        onExtended: (m, seconds) => this.emit('visibility_extended', m.info, seconds),
        onGivenUp: (m) => this.logMessage('warn', m, `held for maxVisibilitySeconds (${o.maxVisibilitySeconds}s): no longer extended`),
      },
    );
    const queues = o.queues.map(toResolvedQueue);
    const intakes = queues.map((queue) => this.createIntake(client, queue, buffer));
    return {
      client,
      ownsClient: owned,
      queues,
      buffer,
      pool: new WorkerPool(o.concurrency, buffer, (m) => this.handleMessage(m)),
      acknowledger,
      heartbeat,
      deadLetters: new DeadLetterForwarder(client),
      intakes,
      sizer: new IntakeSizer(intakes, buffer, { batchSize: o.batchSize, staleAfterMs: (o.heartbeatIntervalSeconds * 1_000) / 2 }),
      pauses: new IntakePauses({
        onPaused: (queueUrl, dependency, reason) => this.onIntakePaused(queueUrl, dependency, reason),
        onResumed: (queueUrl, dependency, pausedMs) => this.onIntakeResumed(queueUrl, dependency, pausedMs),
      }),
      abort: new AbortController(),
      receiving: Promise.resolve(),
    };
  }

  private createIntake(client: SQSClient, queue: ResolvedQueue, buffer: MessageBuffer): QueueIntake {
    const o = this.options;
    return new QueueIntake(
      client,
      queue,
      buffer,
      {
        batchSize: o.batchSize,
        waitTimeSeconds: o.waitTimeSeconds,
        visibilityTimeout: o.visibilityTimeout,
        minReceivers: o.minReceiversPerQueue,
        maxReceivers: o.maxReceiversPerQueue,
        receiveDeadlineMs: receiveRequestTimeoutMs(o.waitTimeSeconds),
      },
      {
        onReceived: (q, messages, reserved) => this.onReceived(q, messages, reserved),
        onError: (q, error) => this.onReceiveError(q, error),
        onResized: () => this.runtime?.sizer.resize(),
      },
    );
  }

  private async start(rt: Runtime): Promise<void> {
    await this.inspectQueues(rt);
    rt.heartbeat.start();
    rt.pool.start();
    rt.sizer.start();
    rt.receiving = Promise.all(rt.intakes.map((intake) => intake.run(rt.abort.signal))).then(() => undefined);
    const o = this.options;
    const receives = o.minReceiversPerQueue === o.maxReceiversPerQueue ? `${o.maxReceiversPerQueue}` : `${o.minReceiversPerQueue}-${o.maxReceiversPerQueue}`;
    this.logger.log(
      `Consuming ${rt.queues.length} queue(s) with ${o.concurrency} workers, batch ${o.batchSize}, ${receives} receive(s) per queue, ` +
        `at most ${o.prefetch} buffered, long poll ${o.waitTimeSeconds}s, visibility ${o.visibilityTimeout}s`,
    );
  }

  /**
   * Reads each queue's redrive policy once at start-up: its dead-letter queue (unless given)
   * and `maxReceiveCount`. The answer also proves that the queue exists and the credentials
   * work, so readiness follows within a round trip instead of after the first long poll.
   * A queue that cannot be read now is reported and looked up again when needed.
   */
  private async inspectQueues(rt: Runtime): Promise<void> {
    await Promise.all(
      rt.queues.map(async (q) => {
        try {
          const facts = await readRedrivePolicy(rt.client, q.url, q.deadLetterQueueUrl === undefined);
          if (q.deadLetterQueueUrl === undefined) q.deadLetterQueueUrl = facts.deadLetterQueueUrl;
          q.maxReceiveCount = facts.maxReceiveCount;
          this.markSuccess();
        } catch (err) {
          this.onReceiveError(q, describeError(err));
        }
      }),
    );
  }

  private onReceived(queue: ResolvedQueue, messages: Message[], reserved: number): void {
    const rt = this.rt();
    const now = Date.now();
    this.markSuccess();
    this.emit('receive', queue.url, messages.length);
    if (rt.abort.signal.aborted || rt.intakes.find((i) => i.queue === queue)?.isPaused) {
      // A receive that answered as close() or a pause began: give the batch back now rather
      // than hold it invisible in a buffer nobody reads any more.
      rt.buffer.unreserve(reserved);
      void this.release(messages.map((m) => toHeldMessage(m, queue, now)));
      return;
    }
    const fresh: HeldMessage[] = [];
    for (const message of messages) {
      const known = this.held.get(message.MessageId ?? '');
      if (known) {
        // Redelivered while we still hold it (its visibility ran out): keep working the first
        // copy, but adopt the newest receipt handle, the only one sure to delete it.
        known.receiptHandle = message.ReceiptHandle ?? known.receiptHandle;
        known.visibleFromAt = now;
        this.logMessage('warn', known, 'received again while still held; not run twice');
        this.emit('duplicate_suppressed', known.info);
        continue;
      }
      const held = toHeldMessage(message, queue, now);
      this.held.set(held.info.messageId, held);
      rt.heartbeat.track(held);
      fresh.push(held);
    }
    rt.buffer.push(fresh, reserved);
  }

  private onReceiveError(queue: ResolvedQueue, error: Error): void {
    this.lastReceiveTickAt = Date.now();
    this.lastError = `${queue.url}: ${error.name}: ${error.message}`;
    if (this.currentStatus !== SqsStatus.Draining && this.currentStatus !== SqsStatus.Closed) this.setStatus(SqsStatus.Error);
    this.logger.error(`SQS receive failed on ${queue.url}: ${error.name}: ${error.message}`);
    this.emit('receive_error', queue.url, error);
  }

  private markSuccess(): void {
    const now = Date.now();
    this.lastReceiveTickAt = now;
    this.lastSuccessAt = now;
    if (this.currentStatus === SqsStatus.Connecting || this.currentStatus === SqsStatus.Error) {
      this.lastError = undefined;
      this.setStatus(SqsStatus.Connected);
    }
  }

  /** One message, from its pattern to its deletion, retry or dead-letter. Never throws. */
  private async handleMessage(held: HeldMessage): Promise<void> {
    let decoded: DecodedMessage;
    let handler: MessageHandler | null;
    try {
      decoded = decodeMessage(held.message, this.options.patternAttribute, held.queue.defaultPattern);
      held.info.pattern = decoded.pattern;
      handler = this.findHandler(decoded.pattern);
    } catch (err) {
      const reason = err instanceof UndecodableMessageError ? err.reason : DeadLetterReason.MalformedBody;
      return this.deadLetter(held, reason, describeError(err).message);
    }
    if (!handler) {
      return this.deadLetter(held, DeadLetterReason.NoHandler, `no handler for pattern "${decoded.pattern}"`);
    }
    this.emit('processing_started', held.info);
    const startedAt = performance.now();
    try {
      const tracing = this.runtime?.tracing;
      const run = () => runWithSqsMessage(held.info, () => this.invokeHandler(handler, decoded, held));
      await (tracing ? tracing.runInSpan(held.message, decoded.pattern, held.queue.url, run) : run());
    } catch (err) {
      return this.onHandlerFailure(held, err, performance.now() - startedAt);
    }
    this.emit('processed', held.info, performance.now() - startedAt);
    this.acknowledge(held);
  }

  /**
   * Queues the delete and frees the worker at once: waiting for the batched delete would hold
   * the worker for the linger plus a round trip per message. The message stays in `held` until
   * the delete is confirmed, so a redelivery meanwhile is still suppressed; close() flushes.
   */
  private acknowledge(held: HeldMessage): void {
    this.settle(held);
    void this.rt().acknowledger.delete(held).then(() => this.forget(held));
  }

  /**
   * Nest's lookup JSON-parses the pattern every time (and throws on plain strings); cache the
   * hits. Misses are not cached: patterns come from the messages and are unbounded.
   */
  private findHandler(pattern: string): MessageHandler | null {
    const cached = this.handlerCache.get(pattern);
    if (cached) return cached;
    let handler: MessageHandler | null;
    try {
      handler = this.getHandlerByPattern(pattern);
    } catch {
      return null;
    }
    if (handler) this.handlerCache.set(pattern, handler);
    return handler;
  }

  /** Runs the handler through Nest (pipes, guards, interceptors, filters) and its whole stream. */
  private invokeHandler(handler: MessageHandler, decoded: DecodedMessage, held: HeldMessage): Promise<void> {
    const context = new SqsContext([held.message, held.queue.url, decoded.pattern]);
    return new Promise<void>((resolve, reject) => {
      const run = async (): Promise<void> => {
        const endHook = this.createProcessingEndHookRunner(context);
        try {
          const result = await handler(decoded.data, context);
          await lastValueFrom(this.transformToObservable(result), { defaultValue: undefined });
          resolve();
        } catch (err) {
          reject(err);
        } finally {
          endHook();
        }
      };
      try {
        this.onProcessingStartHook(this.transportId, context, run);
      } catch (err) {
        reject(err);
      }
    });
  }

  private async onHandlerFailure(held: HeldMessage, err: unknown, durationMs: number): Promise<void> {
    const failure = classifyFailure(err);
    if (failure.action === 'dead-letter') {
      return this.deadLetter(held, failure.reason, failure.detail);
    }
    const downstreamDown = err instanceof DownstreamUnavailableError && err.gate.isDown;
    if (downstreamDown) this.pauseForDownstream(held, err.gate);
    const error = describeError(err);
    if (this.isLastAttempt(held) && downstreamDown && !held.queue.fifo) {
      return this.requeue(held, error, this.retryDelay(held, failure.minDelaySeconds), durationMs);
    }
    if (this.isLastAttempt(held)) {
      // The redrive policy would move it on the next receive, with no reason attached and no
      // log line: move it now, so every dead-letter move carries its reason and is counted.
      return this.deadLetter(held, DeadLetterReason.MaxReceives, `last attempt (receive ${held.info.receiveCount} of ${held.queue.maxReceiveCount}) failed: ${error.message}`);
    }
    const delay = this.retryDelay(held, failure.minDelaySeconds);
    this.emit('processing_failed', held.info, error, delay, durationMs);
    await this.giveBack(held, delay);
  }

  /**
   * The last receive failed only because a dependency is down: a fresh copy (new receive count)
   * takes the original's place, so no outage, however long, dead-letters a valid message.
   * If the copy cannot be sent, the original goes back and the redrive policy decides.
   */
  private async requeue(held: HeldMessage, error: Error, delay: number, durationMs: number): Promise<void> {
    let copyId: string | undefined;
    try {
      copyId = await requeueCopy(this.rt().client, held, delay);
    } catch (err) {
      this.logMessage('error', held, `requeueing a fresh copy failed (${describeError(err).message}); the redrive policy may move it on its next receive`);
      this.emit('processing_failed', held.info, error, delay, durationMs);
      return this.giveBack(held, delay);
    }
    this.logMessage('warn', held, `last receive failed while a dependency is down: requeued as ${copyId ?? 'a copy'} with a fresh receive count, visible in ${delay}s`);
    this.emit('processing_failed', held.info, error, delay, durationMs);
    this.acknowledge(held);
  }

  /** True on the receive after which the queue's redrive policy dead-letters the message. */
  private isLastAttempt(held: HeldMessage): boolean {
    const max = held.queue.maxReceiveCount;
    return typeof max === 'number' && held.info.receiveCount >= max && Boolean(held.queue.deadLetterQueueUrl);
  }

  /** A dependency the handler needs is down: stop receiving from its queue until it is up. */
  private pauseForDownstream(held: HeldMessage, gate: DownstreamGate): void {
    const rt = this.runtime;
    const intake = rt?.intakes.find((i) => i.queue === held.queue);
    if (rt && intake && !rt.abort.signal.aborted) rt.pauses.tie(intake, gate);
  }

  private onIntakePaused(queueUrl: string, dependency: string, reason: string): void {
    const rt = this.rt();
    const released = rt.buffer.removeQueue(queueUrl);
    rt.sizer.resize();
    this.logger.warn({ msg: `intake paused on ${queueUrl}: ${dependency} is down (${reason}); ${released.length} buffered message(s) given back`, queueUrl, dependency });
    this.emit('intake_paused', queueUrl, dependency, reason);
    void this.release(released);
  }

  private onIntakeResumed(queueUrl: string, dependency: string, pausedMs: number): void {
    this.runtime?.sizer.resize();
    this.logger.log({ msg: `intake resumed on ${queueUrl}: ${dependency} is back after ${Math.round(pausedMs / 1_000)}s`, queueUrl, dependency, pausedMs });
    this.emit('intake_resumed', queueUrl, dependency, pausedMs);
  }

  private retryDelay(held: HeldMessage, minDelaySeconds = 0): number {
    const backoff = retryDelaySeconds(held.info.receiveCount, this.options.backoff);
    const heldSeconds = Math.ceil((Date.now() - held.receivedAt) / 1_000);
    return Math.max(0, Math.min(Math.max(backoff, minDelaySeconds), MAX_VISIBILITY_SECONDS - heldSeconds - 1));
  }

  private async deadLetter(held: HeldMessage, reason: DeadLetterReason, detail: string): Promise<void> {
    try {
      const outcome = await this.rt().deadLetters.forward(held, reason, detail, this.options.patternAttribute);
      if (outcome !== 'left-to-redrive-policy') {
        // The outcome itself is logged by whoever listens to `dead_lettered` (one line per outcome).
        if (outcome === 'moved-without-reason') this.logMessage('warn', held, `dead-letter copy stored without its reason attributes (the DLQ size limit left no room): ${reason}`, { reason });
        this.emit('dead_lettered', held.info, reason, detail);
        this.acknowledge(held);
        return;
      }
      const delay = this.retryDelay(held);
      this.logMessage('error', held, `cannot succeed (${reason}: ${detail}) and no dead-letter queue is known; left to the redrive policy, visible again in ${delay}s`, { reason });
      await this.giveBack(held, delay);
    } catch (err) {
      const delay = this.retryDelay(held);
      this.logMessage('error', held, `dead-lettering failed (${describeError(err).message}); retry in ${delay}s`, { reason });
      await this.giveBack(held, delay);
    }
  }

  /**
   * Makes a message visible again after `delaySeconds`. On a FIFO queue the rest of its group
   * that we buffered is released too, so the group is redelivered in order.
   */
  private async giveBack(held: HeldMessage, delaySeconds: number): Promise<void> {
    const rt = this.rt();
    this.settle(held);
    const followers = held.orderingKey ? rt.buffer.removeGroup(held.orderingKey) : [];
    await rt.acknowledger.changeVisibility([held], delaySeconds);
    if (followers.length) await this.release(followers);
    this.forget(held);
  }

  /** Gives messages back unprocessed, visible at once. */
  private async release(messages: HeldMessage[]): Promise<void> {
    if (messages.length === 0) return;
    for (const m of messages) this.settle(m);
    await this.rt().acknowledger.changeVisibility(messages, 0);
    for (const m of messages) {
      this.emit('released', m.info);
      this.forget(m);
    }
  }

  /** Stops the heartbeat for a message whose fate is decided. */
  private settle(held: HeldMessage): void {
    this.runtime?.heartbeat.untrack(held);
  }

  private forget(held: HeldMessage): void {
    if (this.held.get(held.info.messageId) === held) this.held.delete(held.info.messageId);
  }

  private async shutdown(): Promise<void> {
    const rt = this.runtime;
    if (!rt) {
      this.setStatus(SqsStatus.Closed);
      return;
    }
    this.setStatus(SqsStatus.Draining);
    rt.abort.abort();
    rt.sizer.stop();
    rt.pauses.close();
    await this.release(rt.buffer.close());
    const drained = await rt.pool.drain(this.options.shutdownGraceSeconds * 1_000);
    if (!drained) {
      const stragglers = [...rt.pool.inFlight];
      this.logger.warn(`Grace period of ${this.options.shutdownGraceSeconds}s over; releasing ${stragglers.length} message(s) still running`);
      await this.release(stragglers);
    }
    await rt.receiving;
    await rt.acknowledger.flush();
    rt.heartbeat.stop();
    if (rt.ownsClient) rt.client.destroy();
    this.held.clear();
    this.setStatus(SqsStatus.Closed);
    this.events.removeAllListeners();
  }

  private createClient(): { client: SQSClient; owned: boolean } {
    const given = this.options.client;
    if (given instanceof SQSClient) return { client: given, owned: false };
    return { client: new SQSClient({ requestHandler: this.defaultRequestHandler(), ...(given as SQSClientConfig | undefined) }), owned: true };
  }

  /** Used when the caller's client config brings no handler of its own. */
  private defaultRequestHandler(): NodeHttpHandler {
    const o = this.options;
    return createLongPollHttpHandler({
      requestTimeoutMs: receiveRequestTimeoutMs(o.waitTimeSeconds),
      connectionTimeoutMs: 5_000,
      maxSockets: sqsSocketBudget(o),
    });
  }

  private rt(): Runtime {
    if (!this.runtime) throw new Error('SqsServer is not initialized');
    return this.runtime;
  }

  private setStatus(status: SqsStatus): void {
    if (status === this.currentStatus) return;
    this.currentStatus = status;
    this._status$.next(status);
    this.emit('status', status);
  }

  private emit<K extends keyof SqsEvents>(event: K, ...args: Parameters<SqsEvents[K]>): void {
    try {
      this.events.emit(event, ...args);
    } catch (err) {
      // A listener's bug must not break message handling.
      this.logger.error(`listener for "${event}" threw: ${describeError(err).message}`);
    }
  }

  private logMessage(level: 'warn' | 'error', held: HeldMessage, text: string, extra: Record<string, unknown> = {}): void {
    this.logger[level]({ msg: text, ...messageLogFields(held.info), ...extra });
  }
}

/** The fields every log line about a message carries. */
export function messageLogFields(info: SqsMessageInfo): Record<string, unknown> {
  return {
    messageId: info.messageId,
    pattern: info.pattern,
    queueUrl: info.queueUrl,
    receiveCount: info.receiveCount,
    ...(info.groupId ? { groupId: info.groupId } : {}),
  };
}
