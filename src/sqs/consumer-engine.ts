import type { Message, SQSClient } from '@aws-sdk/client-sqs';
import { Acknowledger } from './acknowledger.js';
import { DeadLetterForwarder } from './dead-letter-forwarder.js';
import type { DownstreamGate } from './downstream-gate.js';
import { describeError } from './error-classifier.js';
import type { HeldMessage } from './held-message.js';
import { HeldRegistry } from './held-registry.js';
import { IntakePauses } from './intake-pauses.js';
import { IntakeSizer } from './intake-sizer.js';
import { MessageBuffer } from './message-buffer.js';
import { runWithSqsMessage } from './message-context.js';
import { PayloadResolver } from './large-payload/payload-resolver.js';
import { MessageRouting, type RoutedMessage } from './message-routing.js';
import type { MessageDispatcher } from './message-dispatcher.js';
import { messageLogFields } from './message-log-fields.js';
import { QueueIntake } from './queue-intake.js';
import { readRedrivePolicy, toResolvedQueue, type ResolvedQueue } from './queue-registry.js';
import { ConsumerStatus } from './consumer-status.js';
import { Settlement, type DispatchOutcome, type EventSink } from './settlement.js';
import { SlowStart } from './slow-start.js';
import type { SqsServerSnapshot } from './sqs.events.js';
import { receiveRequestTimeoutMs, type ResolvedSqsServerOptions } from './sqs.options.js';
import type { ProcessHook } from './telemetry/consumer-telemetry.js';
import type { TransportLogger } from './transport-logger.js';
import { VisibilityHeartbeat } from './visibility-heartbeat.js';
import { WorkerPool } from './worker-pool.js';

export interface ConsumerEngineParts {
  client: SQSClient;
  options: ResolvedSqsServerOptions;
  dispatcher: MessageDispatcher;
  emit: EventSink;
  status: ConsumerStatus;
  logger: TransportLogger;
  /** OpenTelemetry's process span and metrics around each message; absent without an SDK. */
  telemetry?: ProcessHook;
}

/**
 * The consumer, with no Nest in it: intake (adaptive long polls, paused while a dependency is
 * down) → bounded buffer → fixed worker pool → dispatcher → settlement. A message flows one
 * way; the engine reports through events and the status, and calls nobody back.
 */
export class ConsumerEngine {
  private readonly options: ResolvedSqsServerOptions;
  private readonly queues: ResolvedQueue[];
  private readonly buffer: MessageBuffer;
  private readonly intakes: QueueIntake[];
  private readonly sizer: IntakeSizer;
  private readonly pauses: IntakePauses;
  private readonly slowStart: SlowStart;
  private readonly pool: WorkerPool;
  private readonly acknowledger: Acknowledger;
  private readonly heartbeat: VisibilityHeartbeat;
  private readonly registry = new HeldRegistry();
  private readonly settlement: Settlement;
  private readonly payloads: PayloadResolver;
  private readonly routing: MessageRouting;
  private readonly abort = new AbortController();
  private receiving: Promise<void> = Promise.resolve();

  constructor(private readonly parts: ConsumerEngineParts) {
    const o = (this.options = parts.options);
    this.queues = o.queues.map(toResolvedQueue);
    // A worker with nothing to start is the sizer's signal to fetch further ahead.
    this.buffer = new MessageBuffer(o.prefetch, () => this.sizer.onStarved(), o.maxBufferedBytes);
    this.acknowledger = this.createAcknowledger();
    this.heartbeat = this.createHeartbeat();
    this.intakes = this.queues.map((queue) => this.createIntake(queue));
    this.sizer = new IntakeSizer(this.intakes, this.buffer, {
      batchSize: o.batchSize,
      staleAfterMs: (o.heartbeatIntervalSeconds * 1_000) / 2,
    });
    this.pauses = new IntakePauses(this.intakes, {
      onPaused: (queueUrl, dependency, reason) => this.onIntakePaused(queueUrl, dependency, reason),
      onResumed: (queueUrl, dependency, pausedMs) => this.onIntakeResumed(queueUrl, dependency, pausedMs),
    });
    this.slowStart = new SlowStart(o.slowStartMessages, o.concurrency);
    this.payloads = new PayloadResolver(o.largePayloads);
    this.routing = new MessageRouting(parts.dispatcher, this.payloads, o.patternAttribute);
    const telemetry = parts.telemetry;
    this.pool = new WorkerPool(o.concurrency, this.buffer, (m) =>
      telemetry ? telemetry.process(m, () => this.process(m)) : this.process(m),
    );
    this.settlement = new Settlement({
      client: parts.client,
      acknowledger: this.acknowledger,
      deadLetters: new DeadLetterForwarder(parts.client, o.deadLetterBody),
      buffer: this.buffer,
      heartbeat: this.heartbeat,
      registry: this.registry,
      pauses: this.pauses,
      emit: parts.emit,
      logger: parts.logger,
      backoff: o.backoff,
      patternAttribute: o.patternAttribute,
      closing: this.abort.signal,
    });
  }

  /** Checks the queues, then starts the heartbeat, the workers and the intake. */
  async start(): Promise<void> {
    await this.inspectQueues();
    this.heartbeat.start();
    this.pool.start();
    this.sizer.start();
    this.receiving = Promise.all(this.intakes.map((intake) => intake.run(this.abort.signal))).then(() => undefined);
  }

  /**
   * Stops receiving at once (the pending long polls are aborted), gives back the buffered
   * messages no worker started, lets running handlers finish within `shutdownGraceSeconds`,
   * gives back any still running after that, flushes the deletes.
   */
  async close(): Promise<void> {
    this.abort.abort();
    this.sizer.stop();
    this.pauses.close();
    this.slowStart.close();
    await this.settlement.release(this.buffer.close());
    const drained = await this.pool.drain(this.options.shutdownGraceSeconds * 1_000);
    if (!drained) {
      const stragglers = [...this.pool.inFlight];
      this.parts.logger.warn(
        `Grace period of ${this.options.shutdownGraceSeconds}s over; releasing ${stragglers.length} message(s) still running`,
      );
      await this.settlement.release(stragglers);
    }
    await this.receiving;
    await this.acknowledger.flush();
    this.heartbeat.stop();
    this.registry.clear();
    this.payloads.close();
  }

  /** See `SqsServer.pauseWhileDown`. */
  pauseWhileDown(gate: DownstreamGate, queueUrls?: string[]): void {
    for (const queue of this.queues) if (!queueUrls || queueUrls.includes(queue.url)) this.pauses.tie(queue.url, gate);
  }

  snapshot(): Pick<SqsServerSnapshot, 'inFlight' | 'buffered' | 'paused'> {
    return { inFlight: this.pool.inFlight.size, buffered: this.buffer.size, paused: this.pauses.snapshot() };
  }

  private createAcknowledger(): Acknowledger {
    return new Acknowledger(this.parts.client, this.options.deleteBatchLingerMs, {
      onDeleteError: (m, error) => {
        this.log('error', m, `delete failed; the message will be delivered again: ${error.message}`);
        this.parts.emit('delete_error', m.queue.url, error);
      },
      onVisibilityError: (m, error) => this.log('warn', m, `visibility change failed: ${error.message}`),
    });
  }

  private createHeartbeat(): VisibilityHeartbeat {
    const o = this.options;
    return new VisibilityHeartbeat(
      this.acknowledger,
      {
        visibilityTimeout: o.visibilityTimeout,
        intervalSeconds: o.heartbeatIntervalSeconds,
        maxVisibilitySeconds: o.maxVisibilitySeconds,
      },
      {
        onExtended: (m, seconds) => this.parts.emit('visibility_extended', m.info, seconds),
        onGivenUp: (m) =>
          this.log('warn', m, `held for maxVisibilitySeconds (${o.maxVisibilitySeconds}s): no longer extended`),
      },
    );
  }

  private createIntake(queue: ResolvedQueue): QueueIntake {
    const o = this.options;
    return new QueueIntake(
      this.parts.client,
      queue,
      this.buffer,
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
        onResized: () => this.sizer.resize(),
      },
    );
  }

  /**
   * Reads each queue's redrive policy once at start-up: its dead-letter queue (unless given)
   * and `maxReceiveCount`. The answer also proves that the queue exists and the credentials
   * work, so readiness follows within a round trip instead of after the first long poll.
   * A queue that cannot be read now is reported and looked up again when needed.
   */
  private async inspectQueues(): Promise<void> {
    await Promise.all(
      this.queues.map(async (q) => {
        try {
          const facts = await readRedrivePolicy(this.parts.client, q.url, q.deadLetterQueueUrl === undefined);
          if (q.deadLetterQueueUrl === undefined) q.deadLetterQueueUrl = facts.deadLetterQueueUrl;
          q.maxReceiveCount = facts.maxReceiveCount;
          this.parts.status.succeeded();
        } catch (err) {
          this.onReceiveError(q, describeError(err));
        }
      }),
    );
  }

  private onReceived(queue: ResolvedQueue, messages: Message[], reserved: number): void {
    const now = Date.now();
    this.parts.status.succeeded(now);
    this.parts.emit('receive', queue.url, messages.length);
    const admitted = this.registry.admit(messages, queue, now, (known) => {
      this.log('warn', known, 'received again while still held; not run twice');
      this.parts.emit('duplicate_suppressed', known.info);
    });
    if (this.abort.signal.aborted || this.pauses.isPaused(queue.url)) {
      // A receive that answered as close() or a pause began: give the batch back now rather
      // than hold it invisible in a buffer nobody reads any more.
      this.buffer.unreserve(reserved);
      void this.settlement.release(admitted);
      return;
    }
    for (const held of admitted) this.heartbeat.track(held);
    this.buffer.push(admitted, reserved);
  }

  private onReceiveError(queue: ResolvedQueue, error: Error): void {
    this.parts.status.failed(`${queue.url}: ${error.name}: ${error.message}`);
    this.parts.logger.error(`SQS receive failed on ${queue.url}: ${error.name}: ${error.message}`);
    this.parts.emit('receive_error', queue.url, error);
  }

  /** One message, once the slow start gives it a place (see `SlowStart`). Never throws. */
  private async process(held: HeldMessage): Promise<void> {
    const ticket = await this.slowStart.enter(held.queue.url);
    if (!ticket) return this.settlement.release([held]);
    let succeeded = false;
    try {
      succeeded = await this.run(held);
    } finally {
      ticket.done(succeeded);
    }
  }

  /** One message, from its pattern to its settlement; false when its handler failed. */
  private async run(held: HeldMessage): Promise<boolean> {
    const routed = await this.routing.route(held);
    // A message that never reached a handler says nothing about the dependency: not a failure.
    if ('kind' in routed) return (await this.settlement.settle(held, routed), true);
    const outcome = await this.dispatch(held, routed);
    await this.settlement.settle(held, outcome);
    if (outcome.kind !== 'succeeded') return false;
    const error = await this.payloads.discard(routed.pointer);
    if (error) this.log('warn', held, `${error.message}; the object stays in S3`);
    return true;
  }

  private async dispatch(held: HeldMessage, { decoded, run }: RoutedMessage): Promise<DispatchOutcome> {
    this.parts.emit('processing_started', held.info);
    const startedAt = performance.now();
    try {
      await runWithSqsMessage(held.info, () => run(decoded, held));
      return { kind: 'succeeded', durationMs: performance.now() - startedAt };
    } catch (error) {
      return { kind: 'failed', error, durationMs: performance.now() - startedAt };
    }
  }

  private onIntakePaused(queueUrl: string, dependency: string, reason: string): void {
    const released = this.buffer.removeQueue(queueUrl);
    this.sizer.resize();
    this.parts.logger.warn({
      msg: `intake paused on ${queueUrl}: ${dependency} is down (${reason}); ${released.length} buffered message(s) given back`,
      queueUrl,
      dependency,
    });
    this.parts.emit('intake_paused', queueUrl, dependency, reason);
    this.slowStart.pause(queueUrl);
    void this.settlement.release(released);
  }

  private onIntakeResumed(queueUrl: string, dependency: string, pausedMs: number): void {
    this.slowStart.begin(queueUrl);
    this.sizer.resize();
    this.parts.logger.log({
      msg: `intake resumed on ${queueUrl}: ${dependency} is back after ${Math.round(pausedMs / 1_000)}s`,
      queueUrl,
      dependency,
      pausedMs,
    });
    this.parts.emit('intake_resumed', queueUrl, dependency, pausedMs);
  }

  private log(level: 'warn' | 'error', held: HeldMessage, text: string): void {
    this.parts.logger[level]({ msg: text, ...messageLogFields(held.info) });
  }
}
